// NAdam's update, one fused pass per parameter. At step t:
//   g ← g + λ·θ                                        (coupled weight decay)
//   μ_t = β1·(1 − ½·0.96^(t·ψ)),  μ_{t+1} likewise;   P_t = Π_{i ≤ t} μ_i
//   m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²
//   d = √v / √(1 − β2^t) + ε
//   θ ← θ − η·(1 − μ_t)/(1 − P_t) · g/d − η·μ_{t+1}/(1 − P_t·μ_{t+1}) · m/d
// The first term is the gradient's share of the Nesterov step, the second the momentum's
// share one step ahead. P_t·μ_{t+1} enters once: torch 1.13's default path uses P_t·μ_t·μ_{t+1}.
#include "optim/nadam.h"

#include <cmath>

#include "tensor/check.h"
#include "tensor/factory.h"
#include "tensor/parallel.h"

namespace descent::optim {

NAdam::NAdam(std::vector<Tensor> params, const NAdamOptions& options)
    : Optimizer("NAdam", std::make_unique<NAdamOptions>(options)) {
  add_param_group(std::move(params));
}

void NAdam::check_options(const OptimizerOptions& base) const {
  const auto* o = dynamic_cast<const NAdamOptions*>(&base);
  CHECK(o, "NAdam: a parameter group needs NAdamOptions");
  const auto [beta1, beta2] = o->betas();
  CHECK(o->lr() >= 0, "NAdam: lr must be >= 0, got ", o->lr());
  CHECK(o->eps() >= 0, "NAdam: eps must be >= 0, got ", o->eps());
  CHECK(beta1 >= 0 && beta1 < 1, "NAdam: betas[0] must be in [0, 1), got ", beta1);
  CHECK(beta2 >= 0 && beta2 < 1, "NAdam: betas[1] must be in [0, 1), got ", beta2);
  CHECK(o->weight_decay() >= 0, "NAdam: weight_decay must be >= 0, got ", o->weight_decay());
  CHECK(o->momentum_decay() >= 0, "NAdam: momentum_decay must be >= 0, got ", o->momentum_decay());
}

std::unique_ptr<ParamState> NAdam::make_state(const Tensor& param, const OptimizerOptions&) const {
  auto state = std::make_unique<NAdamState>();
  state->exp_avg = zeros_like(param);
  state->exp_avg_sq = zeros_like(param);
  return state;
}

void NAdam::update(const Tensor& param, const Tensor& grad, ParamState& base_state, const OptimizerOptions& base) {
  const auto& o = static_cast<const NAdamOptions&>(base);
  auto& state = static_cast<NAdamState&>(base_state);
  if (!state.exp_avg.defined()) state.exp_avg = zeros_like(param);
  if (!state.exp_avg_sq.defined()) state.exp_avg_sq = zeros_like(param);
  state.step += 1;
  // (plain variables: clang 14, which the fuzz build uses, cannot capture structured bindings)
  const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
  const double lr = o.lr(), eps = o.eps(), wd = o.weight_decay(), psi = o.momentum_decay();
  const double t = double(state.step);
  const double bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2, t));
  const double mu = beta1 * (1 - 0.5 * std::pow(0.96, t * psi));            // μ_t
  const double mu_next = beta1 * (1 - 0.5 * std::pow(0.96, (t + 1) * psi));  // μ_{t+1}
  state.mu_product *= mu;                                                    // P_t
  const double grad_step = lr * (1 - mu) / (1 - state.mu_product);
  const double momentum_step = lr * mu_next / (1 - state.mu_product * mu_next);

  dispatch_floating(param.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = state.exp_avg.data_ptr<T>();
    T* v = state.exp_avg_sq.data_ptr<T>();
    parallel_for(0, param.numel(), kUpdateGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        T gi = g[i];
        if (wd != 0) gi += T(wd) * p[i];                        // coupled weight decay
        m[i] = T(beta1) * m[i] + T(1 - beta1) * gi;
        v[i] = T(beta2) * v[i] + T(1 - beta2) * (gi * gi);
        const T denom = std::sqrt(v[i]) / T(bias_correction2_sqrt) + T(eps);
        p[i] -= T(grad_step) * (gi / denom);                    // the gradient's share
        p[i] -= T(momentum_step) * (m[i] / denom);              // the momentum's, one step ahead
      }
    });
  });
  param.bump_version();
}

}  // namespace descent::optim
