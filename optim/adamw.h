#pragma once
// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, torch.optim.AdamW). The decay
// shrinks the parameter directly, θ ← θ·(1 − η·λ), instead of entering the gradient, so it is
// not divided by Adam's per-element scale: every weight decays at the same relative rate.
// Read adam.h/adam.cpp first; this file differs in one line of the update.
#include "optim/optimizer.h"

namespace descent::optim {

class AdamWOptions : public OptimizerCloneableOptions<AdamWOptions> {
 public:
  explicit AdamWOptions(double lr = 1e-3) : lr_(lr) {}
  DESCENT_OPTIM_ARG(double, lr);
  DESCENT_OPTIM_ARG(Betas, betas) = {0.9, 0.999};  // β1 (mean), β2 (mean square)
  DESCENT_OPTIM_ARG(double, eps) = 1e-8;           // added after √v̂
  DESCENT_OPTIM_ARG(double, weight_decay) = 1e-2;  // decoupled: θ ← θ·(1 − η·λ) before the step
  DESCENT_OPTIM_ARG(bool, amsgrad) = false;
  DESCENT_OPTIM_ARG(bool, maximize) = false;

 public:
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return std::get<0>(betas_); }
  void set_momentum(double m) override { std::get<0>(betas_) = m; }
};

struct AdamWState : ParamState {
  Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;  // m, v, max v (amsgrad), as AdamState
  std::vector<std::pair<const char*, Tensor*>> buffers() override {
    return {{"exp_avg", &exp_avg}, {"exp_avg_sq", &exp_avg_sq}, {"max_exp_avg_sq", &max_exp_avg_sq}};
  }
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& options = AdamWOptions());

 protected:
  void check_options(const OptimizerOptions& options) const override;
  std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const override;
  void update(const Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options) override;
};

}  // namespace descent::optim
