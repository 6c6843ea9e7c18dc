#pragma once
// Running a module with parameters it does not own (torch.func.functional_call): the forward of
// `module`, with each parameter named in `params` replaced by the tensor given for it.
//
//   nn::NamedTensors fast = model->named_parameters();          // θ, as (name, tensor) pairs
//   Tensor loss = mse(nn::functional_call(*model, fast, x), y);
//   std::vector<Tensor> g = autograd::grad({loss}, nn::values(fast), {}, std::nullopt, /*create_graph=*/true);
//   for (size_t i = 0; i < fast.size(); ++i) fast[i].second = fast[i].second - 0.01 * g[i];   // θ' = θ − α∇L
//   Tensor meta_loss = mse(nn::functional_call(*model, fast, x_query), y_query);
//   meta_loss.backward();   // reaches θ through θ' and through the gradient itself
//
// This is what MAML's inner loop needs (examples/maml_sinusoid.cpp): θ' is not a parameter but
// the result of ops on θ, so the forward must read it instead of the module's own tensors
// while the graph records the path back to θ. The module's tensors are never modified.
//
// How: a layer's forward reads each parameter through nn::param(p), which returns p itself
// except during functional_call, when it returns the replacement (a lookup in a per-thread
// table that functional_call fills and clears). Every layer of nn/ does so; a module of your own
// that reads its parameters directly is refused with an error naming the parameter that was
// given but never read, rather than silently running with the old values.
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"

namespace descent::nn {

// In a forward: the tensor to compute with for parameter p (p, or its replacement).
const Tensor& param(const Tensor& p);

// The tensors of a list of named tensors, in order (for autograd::grad and optimizers).
std::vector<Tensor> values(const NamedTensors& named);

namespace detail {
// Installs the replacements for `module`'s parameters on this thread for its lifetime; checks
// names, shapes and dtypes first, and on leaving (without an exception in flight) that every
// replacement was read. Not nestable: one functional_call at a time per thread.
class ParameterSubstitution {
 public:
  ParameterSubstitution(const Module& module, const NamedTensors& params);
  ~ParameterSubstitution();
  ParameterSubstitution(const ParameterSubstitution&) = delete;
  ParameterSubstitution& operator=(const ParameterSubstitution&) = delete;
  void check_all_read() const;

  struct Entry {
    const TensorImpl* original;
    Tensor replacement;
    std::string name;
    bool read = false;
  };
  std::vector<Entry> entries;
};
}  // namespace detail

// module.forward(args...) with the parameters named in `params` replaced; parameters not
// named keep the module's own tensors. Each name must be one of module.named_parameters() and
// each tensor must have that parameter's shape and dtype.
template <class M, class... Args> auto functional_call(M& module, const NamedTensors& params, Args&&... args) {
  detail::ParameterSubstitution substitution(module, params);
  auto result = module.forward(std::forward<Args>(args)...);
  substitution.check_all_read();
  return result;
}

}  // namespace descent::nn
