#pragma once
// A module's weights in the safetensors format, to and from PyTorch: every parameter and buffer
// under its dotted name ("features.0.weight", "bn.running_var"), which is also the key of the
// same tensor in a torch module's state_dict(). So
//   torch:    safetensors.torch.save_file(model.state_dict(), "model.safetensors")
//   descent:  descent::load_safetensors(model, "model.safetensors");
// and the other way round with descent::save_safetensors and torch's load_state_dict. The file
// format and its checks are tensor/safetensors.h; docs/user_guide.md shows both directions.
// Unlike descent::save (a checkpoint: bit-exact state for resuming, optimizers included), this
// holds weights only.
#include <concepts>
#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"
#include "tensor/safetensors.h"

namespace descent {

// Writes named_parameters() and then named_buffers() (float32, float64, int64 and bool as they
// are) with `metadata` as the file's "__metadata__" map.
void save_safetensors(const nn::Module& module, const std::string& path, const SafetensorsMetadata& metadata = {});
template <std::derived_from<nn::Module> M>
void save_safetensors(const std::shared_ptr<M>& module, const std::string& path, const SafetensorsMetadata& metadata = {}) {
  save_safetensors(*module, path, metadata);
}

// What a load left aside: the model's tensors the file lacks (left as they were) and the file's
// tensors the model lacks (ignored). Both are empty after a strict load, which refuses either.
struct SafetensorsLoadResult {
  std::vector<std::string> missing_keys, unexpected_keys;
};

// Loads the file's tensors into the module's parameters and buffers of the same names. Every
// tensor present on both sides must have the same shape and dtype (F16 and BF16 are read as
// float32); with `strict`, every tensor of the module must be in the file and every tensor of
// the file in the module. All of it is checked from the header before any data is read, every
// problem is listed in one std::runtime_error ("safetensors file <path> does not fit the model
// (3 problems; nothing was loaded): ...") and nothing is changed then; a file that cannot be read
// also throws before any tensor is changed. Values are copied into the tensors the module holds.
SafetensorsLoadResult load_safetensors(nn::Module& module, const std::string& path, bool strict = true);
template <std::derived_from<nn::Module> M>
SafetensorsLoadResult load_safetensors(const std::shared_ptr<M>& module, const std::string& path, bool strict = true) {
  return load_safetensors(*module, path, strict);
}

}  // namespace descent
