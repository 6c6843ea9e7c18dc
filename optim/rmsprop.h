#pragma once
// RMSprop: divides each gradient element by a moving root-mean-square of its recent values,
// torch.optim.RMSprop's update, with optional momentum and the centered variant (which divides
// by an estimate of the standard deviation instead). Read optimizer.h first, then rmsprop.cpp.
#include "optim/optimizer.h"

namespace descent::optim {

class RMSpropOptions : public OptimizerCloneableOptions<RMSpropOptions> {
 public:
  explicit RMSpropOptions(double lr = 1e-2) : lr_(lr) {}
  DESCENT_OPTIM_ARG(double, lr);
  DESCENT_OPTIM_ARG(double, alpha) = 0.99;      // smoothing of the mean square
  DESCENT_OPTIM_ARG(double, eps) = 1e-8;        // added after the square root
  DESCENT_OPTIM_ARG(double, weight_decay) = 0;  // coupled: λ·θ added to the gradient
  DESCENT_OPTIM_ARG(double, momentum) = 0;      // a momentum buffer over the normalized steps
  DESCENT_OPTIM_ARG(bool, centered) = false;    // normalize by √(E[g²] − E[g]²)
  DESCENT_OPTIM_ARG(bool, maximize) = false;

 public:
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return momentum_; }
  void set_momentum(double m) override { momentum_ = m; }
};

struct RMSpropState : ParamState {
  Tensor square_avg;       // v, the moving mean of g²
  Tensor momentum_buffer;  // b, when momentum > 0
  Tensor grad_avg;         // m, the moving mean of g, when centered
  std::vector<std::pair<const char*, Tensor*>> buffers() override {
    return {{"square_avg", &square_avg}, {"momentum_buffer", &momentum_buffer}, {"grad_avg", &grad_avg}};
  }
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, const RMSpropOptions& options = RMSpropOptions());

 protected:
  void check_options(const OptimizerOptions& options) const override;
  std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const override;
  void update(const Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options) override;
};

}  // namespace descent::optim
