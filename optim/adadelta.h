#pragma once
// Adadelta: RMSprop's normalization with the step rescaled by a moving RMS of past updates,
// so the units of the update match the parameter's and lr = 1 is a sensible default
// (torch.optim.Adadelta). Read optimizer.h first, then adadelta.cpp.
#include "optim/optimizer.h"

namespace descent::optim {

class AdadeltaOptions : public OptimizerCloneableOptions<AdadeltaOptions> {
 public:
  explicit AdadeltaOptions(double lr = 1.0) : lr_(lr) {}
  DESCENT_OPTIM_ARG(double, lr);
  DESCENT_OPTIM_ARG(double, rho) = 0.9;         // smoothing of both moving averages
  DESCENT_OPTIM_ARG(double, eps) = 1e-6;        // inside both square roots
  DESCENT_OPTIM_ARG(double, weight_decay) = 0;  // coupled: λ·θ added to the gradient
  DESCENT_OPTIM_ARG(bool, maximize) = false;
};

struct AdadeltaState : ParamState {
  Tensor square_avg;  // E[g²]
  Tensor acc_delta;   // E[Δ²]
  std::vector<std::pair<const char*, Tensor*>> buffers() override {
    return {{"square_avg", &square_avg}, {"acc_delta", &acc_delta}};
  }
};

class Adadelta : public Optimizer {
 public:
  Adadelta(std::vector<Tensor> params, const AdadeltaOptions& options = AdadeltaOptions());

 protected:
  void check_options(const OptimizerOptions& options) const override;
  std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const override;
  void update(const Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options) override;
};

}  // namespace descent::optim
