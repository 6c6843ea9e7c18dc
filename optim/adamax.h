#pragma once
// Adamax: Adam with the second moment replaced by an exponentially weighted infinity norm,
// u ← max(β2·u, |g| + ε), which needs no bias correction (Kingma & Ba §7.1, torch.optim.Adamax).
// Read adam.h/adam.cpp first, then adamax.cpp.
#include "optim/optimizer.h"

namespace descent::optim {

class AdamaxOptions : public OptimizerCloneableOptions<AdamaxOptions> {
 public:
  explicit AdamaxOptions(double lr = 2e-3) : lr_(lr) {}
  DESCENT_OPTIM_ARG(double, lr);
  DESCENT_OPTIM_ARG(Betas, betas) = {0.9, 0.999};  // β1 (mean), β2 (decay of the max)
  DESCENT_OPTIM_ARG(double, eps) = 1e-8;           // added to |g| inside the max
  DESCENT_OPTIM_ARG(double, weight_decay) = 0;     // coupled: λ·θ added to g
  DESCENT_OPTIM_ARG(bool, maximize) = false;

 public:
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return std::get<0>(betas_); }
  void set_momentum(double m) override { std::get<0>(betas_) = m; }
};

struct AdamaxState : ParamState {
  Tensor exp_avg;  // m
  Tensor exp_inf;  // u, the decayed running max of |g|
  std::vector<std::pair<const char*, Tensor*>> buffers() override {
    return {{"exp_avg", &exp_avg}, {"exp_inf", &exp_inf}};
  }
};

class Adamax : public Optimizer {
 public:
  Adamax(std::vector<Tensor> params, const AdamaxOptions& options = AdamaxOptions());

 protected:
  void check_options(const OptimizerOptions& options) const override;
  std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const override;
  void update(const Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options) override;
};

}  // namespace descent::optim
