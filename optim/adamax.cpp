// Adamax's update (torch.optim.Adamax), one fused pass per parameter. At step t:
//   g ← −g if maximize;   g ← g + λ·θ          (coupled weight decay)
//   m ← β1·m + (1 − β1)·g
//   u ← max(β2·u, |g| + ε)                      (the infinity norm replaces √v)
//   θ ← θ − η/(1 − β1^t) · m/u
#include "optim/adamax.h"

#include <algorithm>
#include <cmath>

#include "tensor/check.h"
#include "tensor/factory.h"
#include "tensor/parallel.h"

namespace descent::optim {

Adamax::Adamax(std::vector<Tensor> params, const AdamaxOptions& options)
    : Optimizer("Adamax", std::make_unique<AdamaxOptions>(options)) {
  add_param_group(std::move(params));
}

void Adamax::check_options(const OptimizerOptions& base) const {
  const auto* o = dynamic_cast<const AdamaxOptions*>(&base);
  CHECK(o, "Adamax: a parameter group needs AdamaxOptions");
  const auto [beta1, beta2] = o->betas();
  CHECK(o->lr() >= 0, "Adamax: lr must be >= 0, got ", o->lr());
  CHECK(o->eps() >= 0, "Adamax: eps must be >= 0, got ", o->eps());
  CHECK(beta1 >= 0 && beta1 < 1, "Adamax: betas[0] must be in [0, 1), got ", beta1);
  CHECK(beta2 >= 0 && beta2 < 1, "Adamax: betas[1] must be in [0, 1), got ", beta2);
  CHECK(o->weight_decay() >= 0, "Adamax: weight_decay must be >= 0, got ", o->weight_decay());
}

std::unique_ptr<ParamState> Adamax::make_state(const Tensor& param, const OptimizerOptions&) const {
  auto state = std::make_unique<AdamaxState>();
  state->exp_avg = zeros_like(param);
  state->exp_inf = zeros_like(param);
  return state;
}

void Adamax::update(const Tensor& param, const Tensor& grad, ParamState& base_state, const OptimizerOptions& base) {
  const auto& o = static_cast<const AdamaxOptions&>(base);
  auto& state = static_cast<AdamaxState&>(base_state);
  if (!state.exp_avg.defined()) state.exp_avg = zeros_like(param);
  if (!state.exp_inf.defined()) state.exp_inf = zeros_like(param);
  state.step += 1;
  // (plain variables: clang 14, which the fuzz build uses, cannot capture structured bindings)
  const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
  const double eps = o.eps(), wd = o.weight_decay();
  const bool maximize = o.maximize();
  const double clr = o.lr() / (1 - std::pow(beta1, double(state.step)));  // bias-corrected lr

  dispatch_floating(param.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = state.exp_avg.data_ptr<T>();
    T* u = state.exp_inf.data_ptr<T>();
    parallel_for(0, param.numel(), kUpdateGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        T gi = maximize ? -g[i] : g[i];
        if (wd != 0) gi += T(wd) * p[i];                      // coupled weight decay
        m[i] = T(beta1) * m[i] + T(1 - beta1) * gi;
        u[i] = std::max(T(beta2) * u[i], std::abs(gi) + T(eps));  // decayed running max of |g|
        p[i] -= T(clr) * (m[i] / u[i]);
      }
    });
  });
  param.bump_version();
}

}  // namespace descent::optim
