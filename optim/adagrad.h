#pragma once
// Adagrad: per-element learning rates that shrink with the sum of all squared gradients seen,
// torch.optim.Adagrad's update. Suits sparse features (rare ones keep a large step); on long
// dense runs the steps decay towards zero, which RMSprop and Adam fix with a moving average.
// Read optimizer.h first, then adagrad.cpp.
#include "optim/optimizer.h"

namespace descent::optim {

class AdagradOptions : public OptimizerCloneableOptions<AdagradOptions> {
 public:
  explicit AdagradOptions(double lr = 1e-2) : lr_(lr) {}
  DESCENT_OPTIM_ARG(double, lr);
  DESCENT_OPTIM_ARG(double, lr_decay) = 0;                   // η_t = η / (1 + (t − 1)·lr_decay)
  DESCENT_OPTIM_ARG(double, weight_decay) = 0;               // coupled: λ·θ added to the gradient
  DESCENT_OPTIM_ARG(double, initial_accumulator_value) = 0;  // the sum of squares starts here
  DESCENT_OPTIM_ARG(double, eps) = 1e-10;                    // added to √sum
  DESCENT_OPTIM_ARG(bool, maximize) = false;
};

struct AdagradState : ParamState {
  Tensor sum;  // Σ g², from initial_accumulator_value
  std::vector<std::pair<const char*, Tensor*>> buffers() override { return {{"sum", &sum}}; }
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, const AdagradOptions& options = AdagradOptions());

 protected:
  void check_options(const OptimizerOptions& options) const override;
  std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const override;
  void update(const Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options) override;
};

}  // namespace descent::optim
