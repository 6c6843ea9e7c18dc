#pragma once
// Loading named tensors into a module all or nothing, shared by checkpoints (nn/serialize.cpp)
// and safetensors files (nn/safetensors.cpp): both compare everything first, report every
// problem in one error and change nothing then; only a load that fits copies values, into the
// tensors the module already holds (so handles such as `fc1->weight` stay valid).
#include <string>
#include <vector>

#include "nn/module.h"

namespace descent::nn::detail {

// What is saved and loaded: named_parameters(), then named_buffers().
NamedTensors state_of(const Module& module);
// "float32 [8, 48]", as the problems say it.
std::string describe(Dtype dtype, const Shape& shape);

// Throws std::runtime_error "<source> does not fit the model (N problems; nothing was loaded): p1; p2; ..."
// (the first eight, then a count) unless `problems` is empty.
void throw_if_problems(const std::vector<std::string>& problems, const std::string& source);

// Copies values[i] into state[i] under NoGradGuard, skipping undefined values.
void assign(const NamedTensors& state, const std::vector<Tensor>& values);

}  // namespace descent::nn::detail
