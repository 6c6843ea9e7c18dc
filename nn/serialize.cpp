// Module checkpoints: every parameter and buffer under its dotted name, in the archive format of
// tensor/serialize.h (described for users in docs/checkpoints.md). Loading is all-or-nothing:
// first every expected tensor is looked up and compared (name, dtype, shape) and every entry of
// the file under the prefix must belong to the model; only when all of that holds are values
// copied, into the existing tensors, so that handles such as `fc1->weight` stay valid. The
// all-or-nothing helpers (nn/load_state.h) live here too; nn/safetensors.cpp uses them as well.
#include <set>
#include <sstream>
#include <stdexcept>

#include "autograd/grad_mode.h"
#include "nn/load_state.h"
#include "nn/module.h"

namespace descent::nn {

namespace detail {

NamedTensors state_of(const Module& m) {
  NamedTensors all = m.named_parameters();
  for (auto& entry : m.named_buffers()) all.push_back(entry);
  return all;
}

std::string describe(Dtype dtype, const Shape& shape) { return std::string(dtype_name(dtype)) + " " + shape_str(shape); }

void throw_if_problems(const std::vector<std::string>& problems, const std::string& source) {
  if (problems.empty()) return;
  std::ostringstream os;
  os << source << " does not fit the model (" << problems.size() << (problems.size() == 1 ? " problem" : " problems")
     << "; nothing was loaded): ";
  constexpr size_t kShown = 8;
  for (size_t i = 0; i < problems.size() && i < kShown; ++i) os << (i ? "; " : "") << problems[i];
  if (problems.size() > kShown) os << "; and " << problems.size() - kShown << " more";
  throw std::runtime_error(os.str());
}

void assign(const NamedTensors& state, const std::vector<Tensor>& values) {
  NoGradGuard no_grad;
  for (size_t i = 0; i < state.size(); ++i) {
    if (!values[i].defined()) continue;
    Tensor t = state[i].second;
    t.copy_(values[i]);
  }
}

}  // namespace detail

namespace {
using detail::state_of;
std::string describe(const Tensor& t) { return detail::describe(t.dtype(), t.sizes()); }
}  // namespace

void Module::save(serialize::OutputArchive& archive, const std::string& prefix) const {
  for (const auto& [name, t] : state_of(*this)) archive.write(prefix + name, t);
}

void Module::load(const serialize::InputArchive& archive, const std::string& prefix) {
  const NamedTensors state = state_of(*this);
  std::vector<std::string> problems;
  std::vector<Tensor> stored(state.size());
  std::set<std::string> expected;
  for (size_t i = 0; i < state.size(); ++i) {
    const std::string key = prefix + state[i].first;
    const Tensor& t = state[i].second;
    expected.insert(key);
    if (!archive.contains(key)) {
      problems.push_back("missing tensor '" + key + "' (" + describe(t) + " in the model)");
      continue;
    }
    try {
      stored[i] = archive.read_tensor(key);
    } catch (const std::exception&) {
      problems.push_back("entry '" + key + "' is not a tensor");
      continue;
    }
    if (stored[i].dtype() != t.dtype() || !(stored[i].sizes() == t.sizes()))
      problems.push_back("tensor '" + key + "' is " + describe(stored[i]) + " in the file but " + describe(t) +
                         " in the model");
  }
  for (const std::string& key : archive.keys())
    if (key.compare(0, prefix.size(), prefix) == 0 && !expected.count(key))
      problems.push_back("unexpected entry '" + key + "' (the model has no such tensor)");

  detail::throw_if_problems(problems, "checkpoint " + archive.path());
  detail::assign(state, stored);
}

}  // namespace descent::nn
