#pragma once
// Adam: momentum (a moving mean of gradients) divided by a moving RMS of gradients, both
// bias-corrected for their zero start (torch.optim.Adam), with the AMSGrad variant. Weight
// decay here is coupled, λ·θ added to the gradient and then normalized with it; for the
// decoupled kind use AdamW. Read optimizer.h first, then adam.cpp, the model for the others.
#include "optim/optimizer.h"

namespace descent::optim {

class AdamOptions : public OptimizerCloneableOptions<AdamOptions> {
 public:
  explicit AdamOptions(double lr = 1e-3) : lr_(lr) {}
  DESCENT_OPTIM_ARG(double, lr);
  DESCENT_OPTIM_ARG(Betas, betas) = {0.9, 0.999};  // β1 (mean), β2 (mean square)
  DESCENT_OPTIM_ARG(double, eps) = 1e-8;           // added after √v̂
  DESCENT_OPTIM_ARG(double, weight_decay) = 0;     // coupled: λ·θ added to g
  DESCENT_OPTIM_ARG(bool, amsgrad) = false;   // divide by the largest v seen so far
  DESCENT_OPTIM_ARG(bool, maximize) = false;

 public:
  bool has_momentum() const override { return true; }  // β1, which OneCycleLR cycles
  double get_momentum() const override { return std::get<0>(betas_); }
  void set_momentum(double m) override { std::get<0>(betas_) = m; }
};

struct AdamState : ParamState {
  Tensor exp_avg;         // m, the moving mean of g
  Tensor exp_avg_sq;      // v, the moving mean of g²
  Tensor max_exp_avg_sq;  // max over steps of v, with amsgrad
  std::vector<std::pair<const char*, Tensor*>> buffers() override {
    return {{"exp_avg", &exp_avg}, {"exp_avg_sq", &exp_avg_sq}, {"max_exp_avg_sq", &max_exp_avg_sq}};
  }
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = AdamOptions());

 protected:
  void check_options(const OptimizerOptions& options) const override;
  std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const override;
  void update(const Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options) override;
};

}  // namespace descent::optim
