// Adagrad's update (torch.optim.Adagrad), one fused pass per parameter. At step t:
//   g ← −g if maximize;   g ← g + λ·θ            (coupled weight decay)
//   η_t ← η / (1 + (t − 1)·lr_decay)
//   s ← s + g²                                   (s starts at initial_accumulator_value)
//   θ ← θ − η_t · g / (√s + ε)
#include "optim/adagrad.h"

#include <cmath>

#include "tensor/check.h"
#include "tensor/factory.h"
#include "tensor/parallel.h"

namespace descent::optim {

Adagrad::Adagrad(std::vector<Tensor> params, const AdagradOptions& options)
    : Optimizer("Adagrad", std::make_unique<AdagradOptions>(options)) {
  add_param_group(std::move(params));
}

void Adagrad::check_options(const OptimizerOptions& base) const {
  const auto* o = dynamic_cast<const AdagradOptions*>(&base);
  CHECK(o, "Adagrad: a parameter group needs AdagradOptions");
  CHECK(o->lr() >= 0, "Adagrad: lr must be >= 0, got ", o->lr());
  CHECK(o->lr_decay() >= 0, "Adagrad: lr_decay must be >= 0, got ", o->lr_decay());
  CHECK(o->weight_decay() >= 0, "Adagrad: weight_decay must be >= 0, got ", o->weight_decay());
  CHECK(o->initial_accumulator_value() >= 0, "Adagrad: initial_accumulator_value must be >= 0, got ",
        o->initial_accumulator_value());
  CHECK(o->eps() >= 0, "Adagrad: eps must be >= 0, got ", o->eps());
}

std::unique_ptr<ParamState> Adagrad::make_state(const Tensor& param, const OptimizerOptions& base) const {
  const auto& o = static_cast<const AdagradOptions&>(base);
  auto state = std::make_unique<AdagradState>();
  state->sum = full_like(param, o.initial_accumulator_value());
  return state;
}

void Adagrad::update(const Tensor& param, const Tensor& grad, ParamState& base_state, const OptimizerOptions& base) {
  const auto& o = static_cast<const AdagradOptions&>(base);
  auto& state = static_cast<AdagradState&>(base_state);
  if (!state.sum.defined()) state.sum = full_like(param, o.initial_accumulator_value());
  state.step += 1;
  const double wd = o.weight_decay(), eps = o.eps();
  const bool maximize = o.maximize();
  const double clr = o.lr() / (1 + double(state.step - 1) * o.lr_decay());  // decayed lr of this step

  dispatch_floating(param.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* s = state.sum.data_ptr<T>();
    parallel_for(0, param.numel(), kUpdateGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        T gi = maximize ? -g[i] : g[i];
        if (wd != 0) gi += T(wd) * p[i];                  // coupled weight decay
        s[i] += gi * gi;                                  // accumulate squares, never forget
        p[i] -= T(clr) * (gi / (std::sqrt(s[i]) + T(eps)));
      }
    });
  });
  param.bump_version();
}

}  // namespace descent::optim
