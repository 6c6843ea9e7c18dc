// RMSprop's update (torch.optim.RMSprop), one fused pass per parameter:
//   g ← −g if maximize;   g ← g + λ·θ                (coupled weight decay)
//   v ← α·v + (1 − α)·g²
//   centered:  m ← α·m + (1 − α)·g,   a ← √(v − m²) + ε
//   otherwise:                         a ← √v + ε     (ε after the root, as torch)
//   momentum:  b ← μ·b + g/a,   θ ← θ − η·b
//   otherwise:                  θ ← θ − η·g/a
#include "optim/rmsprop.h"

#include <cmath>

#include "tensor/check.h"
#include "tensor/factory.h"
#include "tensor/parallel.h"

namespace descent::optim {

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& options)
    : Optimizer("RMSprop", std::make_unique<RMSpropOptions>(options)) {
  add_param_group(std::move(params));
}

void RMSprop::check_options(const OptimizerOptions& base) const {
  const auto* o = dynamic_cast<const RMSpropOptions*>(&base);
  CHECK(o, "RMSprop: a parameter group needs RMSpropOptions");
  CHECK(o->lr() >= 0, "RMSprop: lr must be >= 0, got ", o->lr());
  CHECK(o->eps() >= 0, "RMSprop: eps must be >= 0, got ", o->eps());
  CHECK(o->momentum() >= 0, "RMSprop: momentum must be >= 0, got ", o->momentum());
  CHECK(o->weight_decay() >= 0, "RMSprop: weight_decay must be >= 0, got ", o->weight_decay());
  CHECK(o->alpha() >= 0 && o->alpha() <= 1, "RMSprop: alpha must be in [0, 1], got ", o->alpha());
}

std::unique_ptr<ParamState> RMSprop::make_state(const Tensor& param, const OptimizerOptions& base) const {
  const auto& o = static_cast<const RMSpropOptions&>(base);
  auto state = std::make_unique<RMSpropState>();
  state->square_avg = zeros_like(param);
  if (o.momentum() > 0) state->momentum_buffer = zeros_like(param);
  if (o.centered()) state->grad_avg = zeros_like(param);
  return state;
}

void RMSprop::update(const Tensor& param, const Tensor& grad, ParamState& base_state, const OptimizerOptions& base) {
  const auto& o = static_cast<const RMSpropOptions&>(base);
  auto& state = static_cast<RMSpropState&>(base_state);
  state.step += 1;
  const double lr = o.lr(), alpha = o.alpha(), eps = o.eps(), wd = o.weight_decay(), mu = o.momentum();
  const bool centered = o.centered(), maximize = o.maximize();
  // A buffer an option needs but the state lacks (momentum turned on by a scheduler) starts at 0.
  if (!state.square_avg.defined()) state.square_avg = zeros_like(param);
  if (mu > 0 && !state.momentum_buffer.defined()) state.momentum_buffer = zeros_like(param);
  if (centered && !state.grad_avg.defined()) state.grad_avg = zeros_like(param);

  dispatch_floating(param.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* v = state.square_avg.data_ptr<T>();
    T* b = mu > 0 ? state.momentum_buffer.data_ptr<T>() : nullptr;
    T* m = centered ? state.grad_avg.data_ptr<T>() : nullptr;
    parallel_for(0, param.numel(), kUpdateGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        T gi = maximize ? -g[i] : g[i];
        if (wd != 0) gi += T(wd) * p[i];                    // coupled weight decay
        v[i] = T(alpha) * v[i] + T(1 - alpha) * (gi * gi);  // mean square
        T avg;
        if (m) {
          m[i] = T(alpha) * m[i] + T(1 - alpha) * gi;       // mean, to subtract its square
          avg = std::sqrt(v[i] - m[i] * m[i]) + T(eps);
        } else {
          avg = std::sqrt(v[i]) + T(eps);
        }
        if (b) {
          b[i] = T(mu) * b[i] + gi / avg;
          p[i] -= T(lr) * b[i];
        } else {
          p[i] -= T(lr) * (gi / avg);
        }
      }
    });
  });
  param.bump_version();
}

}  // namespace descent::optim
