#pragma once
// SGD: stochastic gradient descent with optional momentum (heavy ball or Nesterov), coupled
// weight decay and maximization, exactly torch.optim.SGD's update. "Stochastic" only says what
// the gradient is computed from: the same optimizer does batch, stochastic and mini-batch
// gradient descent (the data loader's batch size decides which; see docs/optimizers.md).
// Read optimizer.h first; sgd.cpp is the shortest update in optim/.
#include "optim/optimizer.h"

namespace descent::optim {

class SGDOptions : public OptimizerCloneableOptions<SGDOptions> {
 public:
  explicit SGDOptions(double lr) : lr_(lr) {}
  DESCENT_OPTIM_ARG(double, lr);
  DESCENT_OPTIM_ARG(double, momentum) = 0;      // μ: weight of the previous step in the next
  DESCENT_OPTIM_ARG(double, dampening) = 0;     // τ: the gradient enters the buffer times (1 − τ)
  DESCENT_OPTIM_ARG(double, weight_decay) = 0;  // λ: coupled, λ·θ added to the gradient (an L2 penalty)
  DESCENT_OPTIM_ARG(bool, nesterov) = false;    // look ahead: step along g + μ·b instead of b
  DESCENT_OPTIM_ARG(bool, maximize) = false;    // ascend the objective instead

 public:
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return momentum_; }
  void set_momentum(double m) override { momentum_ = m; }
};

struct SGDState : ParamState {
  Tensor momentum_buffer;  // b; undefined until the first step with momentum
  std::vector<std::pair<const char*, Tensor*>> buffers() override { return {{"momentum_buffer", &momentum_buffer}}; }
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options);

 protected:
  void check_options(const OptimizerOptions& options) const override;
  std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const override;
  void update(const Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options) override;
};

}  // namespace descent::optim
