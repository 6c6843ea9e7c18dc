#pragma once
// NAdam: Adam with Nesterov momentum (Dozat 2016, torch.optim.NAdam): the step mixes the
// current gradient and the momentum buffer as if looking one step ahead, with a momentum
// coefficient μ_t that warms up over the first thousands of steps (momentum_decay).
// Matches torch 1.13's `foreach=True` path, which is the correct formula: its default path
// multiplies μ_t into the running product twice (fixed in torch 2.0).
// Read adam.h/adam.cpp first, then nadam.cpp.
#include "optim/optimizer.h"

namespace descent::optim {

class NAdamOptions : public OptimizerCloneableOptions<NAdamOptions> {
 public:
  explicit NAdamOptions(double lr = 2e-3) : lr_(lr) {}
  DESCENT_OPTIM_ARG(double, lr);
  DESCENT_OPTIM_ARG(Betas, betas) = {0.9, 0.999};      // β1 (mean), β2 (mean square)
  DESCENT_OPTIM_ARG(double, eps) = 1e-8;
  DESCENT_OPTIM_ARG(double, weight_decay) = 0;         // coupled: λ·θ added to g
  DESCENT_OPTIM_ARG(double, momentum_decay) = 4e-3;    // ψ in μ_t = β1·(1 − ½·0.96^(t·ψ))

 public:
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return std::get<0>(betas_); }
  void set_momentum(double m) override { std::get<0>(betas_) = m; }
};

struct NAdamState : ParamState {
  Tensor exp_avg, exp_avg_sq;  // m, v
  double mu_product = 1.0;     // Π_{i ≤ t} μ_i
  std::vector<std::pair<const char*, Tensor*>> buffers() override {
    return {{"exp_avg", &exp_avg}, {"exp_avg_sq", &exp_avg_sq}};
  }
  std::vector<std::pair<const char*, double*>> scalars() override { return {{"mu_product", &mu_product}}; }
};

class NAdam : public Optimizer {
 public:
  NAdam(std::vector<Tensor> params, const NAdamOptions& options = NAdamOptions());

 protected:
  void check_options(const OptimizerOptions& options) const override;
  std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const override;
  void update(const Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options) override;
};

}  // namespace descent::optim
