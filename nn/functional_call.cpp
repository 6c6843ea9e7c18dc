// nn::functional_call's table of replacements (see functional_call.h).
#include "nn/functional_call.h"

#include <stdexcept>

#include "tensor/check.h"

namespace descent::nn {
namespace {
// The table of the functional_call running on this thread, if any.
thread_local detail::ParameterSubstitution* active = nullptr;
}  // namespace

const Tensor& param(const Tensor& p) {
  if (!active || !p.defined()) return p;
  for (auto& e : active->entries) {
    if (e.original == p.impl()) {
      e.read = true;
      return e.replacement;
    }
  }
  return p;
}

std::vector<Tensor> values(const NamedTensors& named) {
  std::vector<Tensor> out;
  out.reserve(named.size());
  for (const auto& [name, t] : named) out.push_back(t);
  return out;
}

namespace detail {

ParameterSubstitution::ParameterSubstitution(const Module& module, const NamedTensors& params) {
  CHECK(!active, "functional_call: already inside a functional_call on this thread (calls do not nest)");
  const NamedTensors own = module.named_parameters();
  for (const auto& [name, t] : params) {
    const Tensor* found = nullptr;
    for (const auto& [own_name, own_t] : own)
      if (own_name == name) found = &own_t;
    CHECK(found, "functional_call: the module has no parameter named '", name, "'");
    CHECK(t.defined(), "functional_call: the tensor given for '", name, "' is undefined");
    CHECK(t.sizes() == found->sizes() && t.dtype() == found->dtype(), "functional_call: '", name, "' is ",
          dtype_name(found->dtype()), " ", found->sizes(), ", got ", dtype_name(t.dtype()), " ", t.sizes());
    entries.push_back({found->impl(), t, name});
  }
  active = this;
}

ParameterSubstitution::~ParameterSubstitution() { active = nullptr; }

void ParameterSubstitution::check_all_read() const {
  for (const auto& e : entries)
    CHECK(e.read, "functional_call: '", e.name, "' was given but the forward never read it through nn::param(); ",
          "a module whose forward reads its parameters directly cannot be called functionally");
}

}  // namespace detail
}  // namespace descent::nn
