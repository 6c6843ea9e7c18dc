// AdamW's update (torch.optim.AdamW), one fused pass per parameter. Adam's, except for where
// weight decay enters:
//   θ ← θ·(1 − η·λ)                                    (decoupled weight decay, first)
//   g ← −g if maximize                                  (no λ·θ in the gradient)
//   m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²;   amsgrad: v_max ← max(v_max, v)
//   θ ← θ − η/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
#include "optim/adamw.h"

#include <algorithm>
#include <cmath>

#include "tensor/check.h"
#include "tensor/factory.h"
#include "tensor/parallel.h"

namespace descent::optim {

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& options)
    : Optimizer("AdamW", std::make_unique<AdamWOptions>(options)) {
  add_param_group(std::move(params));
}

void AdamW::check_options(const OptimizerOptions& base) const {
  const auto* o = dynamic_cast<const AdamWOptions*>(&base);
  CHECK(o, "AdamW: a parameter group needs AdamWOptions");
  const auto [beta1, beta2] = o->betas();
  CHECK(o->lr() >= 0, "AdamW: lr must be >= 0, got ", o->lr());
  CHECK(o->eps() >= 0, "AdamW: eps must be >= 0, got ", o->eps());
  CHECK(beta1 >= 0 && beta1 < 1, "AdamW: betas[0] must be in [0, 1), got ", beta1);
  CHECK(beta2 >= 0 && beta2 < 1, "AdamW: betas[1] must be in [0, 1), got ", beta2);
  CHECK(o->weight_decay() >= 0, "AdamW: weight_decay must be >= 0, got ", o->weight_decay());
}

std::unique_ptr<ParamState> AdamW::make_state(const Tensor& param, const OptimizerOptions& base) const {
  const auto& o = static_cast<const AdamWOptions&>(base);
  auto state = std::make_unique<AdamWState>();
  state->exp_avg = zeros_like(param);
  state->exp_avg_sq = zeros_like(param);
  if (o.amsgrad()) state->max_exp_avg_sq = zeros_like(param);
  return state;
}

void AdamW::update(const Tensor& param, const Tensor& grad, ParamState& base_state, const OptimizerOptions& base) {
  const auto& o = static_cast<const AdamWOptions&>(base);
  auto& state = static_cast<AdamWState&>(base_state);
  if (!state.exp_avg.defined()) state.exp_avg = zeros_like(param);
  if (!state.exp_avg_sq.defined()) state.exp_avg_sq = zeros_like(param);
  if (o.amsgrad() && !state.max_exp_avg_sq.defined()) state.max_exp_avg_sq = zeros_like(param);
  state.step += 1;
  // (plain variables: clang 14, which the fuzz build uses, cannot capture structured bindings)
  const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
  const double lr = o.lr(), eps = o.eps();
  const bool maximize = o.maximize();
  const double t = double(state.step);
  const double decay = 1 - lr * o.weight_decay();  // the decoupled shrink factor
  const double bias_correction1 = 1 - std::pow(beta1, t);
  const double bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2, t));
  const double step_size = lr / bias_correction1;

  dispatch_floating(param.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = state.exp_avg.data_ptr<T>();
    T* v = state.exp_avg_sq.data_ptr<T>();
    T* v_max = o.amsgrad() ? state.max_exp_avg_sq.data_ptr<T>() : nullptr;
    parallel_for(0, param.numel(), kUpdateGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        p[i] *= T(decay);                                         // decoupled weight decay
        const T gi = maximize ? -g[i] : g[i];
        m[i] = T(beta1) * m[i] + T(1 - beta1) * gi;
        v[i] = T(beta2) * v[i] + T(1 - beta2) * (gi * gi);
        T v_used = v[i];
        if (v_max) v_used = v_max[i] = std::max(v_max[i], v[i]);
        const T denom = std::sqrt(v_used) / T(bias_correction2_sqrt) + T(eps);
        p[i] -= T(step_size) * (m[i] / denom);
      }
    });
  });
  param.bump_version();
}

}  // namespace descent::optim
