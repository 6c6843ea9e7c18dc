// Modules to and from safetensors files (see safetensors.h). Loading has three steps, so that a
// failure in any of them changes nothing: the file's header against the module (names, shapes,
// dtypes: no data read yet), then the data of every tensor that will be loaded, then the copies.
#include "nn/safetensors.h"

#include <set>

#include "nn/load_state.h"

namespace descent {

void save_safetensors(const nn::Module& module, const std::string& path, const SafetensorsMetadata& metadata) {
  save_safetensors(nn::detail::state_of(module), path, metadata);
}

SafetensorsLoadResult load_safetensors(nn::Module& module, const std::string& path, bool strict) {
  SafetensorsFile file(path);
  const nn::NamedTensors state = nn::detail::state_of(module);
  SafetensorsLoadResult result;
  std::vector<std::string> problems;
  std::vector<const SafetensorsFile::Entry*> entries(state.size(), nullptr);
  std::set<std::string> expected;
  for (size_t i = 0; i < state.size(); ++i) {
    const auto& [name, t] = state[i];
    expected.insert(name);
    const SafetensorsFile::Entry* e = file.find(name);
    if (!e) {
      result.missing_keys.push_back(name);
      if (strict) problems.push_back("missing tensor '" + name + "' (" + nn::detail::describe(t.dtype(), t.sizes()) + " in the model)");
      continue;
    }
    if (e->dtype != t.dtype() || !(Dims(e->shape) == t.sizes())) {
      const std::string converted = e->file_dtype == "F16" || e->file_dtype == "BF16" ? " (read from " + e->file_dtype + ")" : "";
      problems.push_back("tensor '" + name + "' is " + nn::detail::describe(e->dtype, e->shape) + converted +
                         " in the file but " + nn::detail::describe(t.dtype(), t.sizes()) + " in the model");
    }
    entries[i] = e;
  }
  for (const SafetensorsFile::Entry& e : file.entries())
    if (!expected.count(e.name)) {
      result.unexpected_keys.push_back(e.name);
      if (strict) problems.push_back("unexpected tensor '" + e.name + "' (the model has no such tensor)");
    }
  nn::detail::throw_if_problems(problems, "safetensors file " + path);

  std::vector<Tensor> values(state.size());
  for (size_t i = 0; i < state.size(); ++i)
    if (entries[i]) values[i] = file.read(*entries[i]);
  nn::detail::assign(state, values);
  return result;
}

}  // namespace descent
