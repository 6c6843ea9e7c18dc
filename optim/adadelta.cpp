// Adadelta's update (torch.optim.Adadelta), one fused pass per parameter:
//   g ← −g if maximize;   g ← g + λ·θ               (coupled weight decay)
//   v ← ρ·v + (1 − ρ)·g²
//   Δ ← √(u + ε) / √(v + ε) · g                      (u: the moving mean of past Δ²)
//   u ← ρ·u + (1 − ρ)·Δ²
//   θ ← θ − η·Δ
#include "optim/adadelta.h"

#include <cmath>

#include "tensor/check.h"
#include "tensor/factory.h"
#include "tensor/parallel.h"

namespace descent::optim {

Adadelta::Adadelta(std::vector<Tensor> params, const AdadeltaOptions& options)
    : Optimizer("Adadelta", std::make_unique<AdadeltaOptions>(options)) {
  add_param_group(std::move(params));
}

void Adadelta::check_options(const OptimizerOptions& base) const {
  const auto* o = dynamic_cast<const AdadeltaOptions*>(&base);
  CHECK(o, "Adadelta: a parameter group needs AdadeltaOptions");
  CHECK(o->lr() >= 0, "Adadelta: lr must be >= 0, got ", o->lr());
  CHECK(o->rho() >= 0 && o->rho() <= 1, "Adadelta: rho must be in [0, 1], got ", o->rho());
  CHECK(o->eps() >= 0, "Adadelta: eps must be >= 0, got ", o->eps());
  CHECK(o->weight_decay() >= 0, "Adadelta: weight_decay must be >= 0, got ", o->weight_decay());
}

std::unique_ptr<ParamState> Adadelta::make_state(const Tensor& param, const OptimizerOptions&) const {
  auto state = std::make_unique<AdadeltaState>();
  state->square_avg = zeros_like(param);
  state->acc_delta = zeros_like(param);
  return state;
}

void Adadelta::update(const Tensor& param, const Tensor& grad, ParamState& base_state, const OptimizerOptions& base) {
  const auto& o = static_cast<const AdadeltaOptions&>(base);
  auto& state = static_cast<AdadeltaState&>(base_state);
  if (!state.square_avg.defined()) state.square_avg = zeros_like(param);
  if (!state.acc_delta.defined()) state.acc_delta = zeros_like(param);
  state.step += 1;
  const double lr = o.lr(), rho = o.rho(), eps = o.eps(), wd = o.weight_decay();
  const bool maximize = o.maximize();

  dispatch_floating(param.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* v = state.square_avg.data_ptr<T>();
    T* u = state.acc_delta.data_ptr<T>();
    parallel_for(0, param.numel(), kUpdateGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        T gi = maximize ? -g[i] : g[i];
        if (wd != 0) gi += T(wd) * p[i];                                // coupled weight decay
        v[i] = T(rho) * v[i] + T(1 - rho) * (gi * gi);                  // E[g²]
        const T delta = std::sqrt(u[i] + T(eps)) / std::sqrt(v[i] + T(eps)) * gi;  // unit-correct step
        u[i] = T(rho) * u[i] + T(1 - rho) * (delta * delta);            // E[Δ²]
        p[i] -= T(lr) * delta;
      }
    });
  });
  param.bump_version();
}

}  // namespace descent::optim
