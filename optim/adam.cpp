// Adam's update (torch.optim.Adam), one fused pass per parameter, commented line by line.
// At step t, for every element (g the gradient, θ the parameter):
//   g ← −g if maximize;   g ← g + λ·θ                  (coupled weight decay, an L2 penalty)
//   m ← β1·m + (1 − β1)·g                             (first moment: momentum)
//   v ← β2·v + (1 − β2)·g²                            (second moment: per-element scale)
//   amsgrad: v_max ← max(v_max, v), and v_max replaces v below (the raw v, corrected after)
//   θ ← θ − η/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
// The two (1 − β^t) factors undo the bias of m and v towards their zero start.
#include "optim/adam.h"

#include <algorithm>
#include <cmath>

#include "tensor/check.h"
#include "tensor/factory.h"
#include "tensor/parallel.h"

namespace descent::optim {

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Optimizer("Adam", std::make_unique<AdamOptions>(options)) {
  add_param_group(std::move(params));
}

void Adam::check_options(const OptimizerOptions& base) const {
  const auto* o = dynamic_cast<const AdamOptions*>(&base);
  CHECK(o, "Adam: a parameter group needs AdamOptions");
  const auto [beta1, beta2] = o->betas();
  CHECK(o->lr() >= 0, "Adam: lr must be >= 0, got ", o->lr());
  CHECK(o->eps() >= 0, "Adam: eps must be >= 0, got ", o->eps());
  CHECK(beta1 >= 0 && beta1 < 1, "Adam: betas[0] must be in [0, 1), got ", beta1);
  CHECK(beta2 >= 0 && beta2 < 1, "Adam: betas[1] must be in [0, 1), got ", beta2);
  CHECK(o->weight_decay() >= 0, "Adam: weight_decay must be >= 0, got ", o->weight_decay());
}

std::unique_ptr<ParamState> Adam::make_state(const Tensor& param, const OptimizerOptions& base) const {
  const auto& o = static_cast<const AdamOptions&>(base);
  auto state = std::make_unique<AdamState>();  // m and v start at zero, as llm.c allocates them lazily
  state->exp_avg = zeros_like(param);
  state->exp_avg_sq = zeros_like(param);
  if (o.amsgrad()) state->max_exp_avg_sq = zeros_like(param);
  return state;
}

void Adam::update(const Tensor& param, const Tensor& grad, ParamState& base_state, const OptimizerOptions& base) {
  const auto& o = static_cast<const AdamOptions&>(base);
  auto& state = static_cast<AdamState&>(base_state);
  if (!state.exp_avg.defined()) state.exp_avg = zeros_like(param);
  if (!state.exp_avg_sq.defined()) state.exp_avg_sq = zeros_like(param);
  if (o.amsgrad() && !state.max_exp_avg_sq.defined()) state.max_exp_avg_sq = zeros_like(param);
  state.step += 1;
  // (plain variables: clang 14, which the fuzz build uses, cannot capture structured bindings)
  const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
  const double wd = o.weight_decay(), eps = o.eps();
  const bool maximize = o.maximize();
  const double t = double(state.step);
  const double bias_correction1 = 1 - std::pow(beta1, t);                  // m's missing mass
  const double bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2, t));  // √ of v's
  const double step_size = o.lr() / bias_correction1;

  dispatch_floating(param.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* p = param.data_ptr<T>();                 // parameter, written in place
    const T* g = grad.data_ptr<T>();            // gradient, only read
    T* m = state.exp_avg.data_ptr<T>();         // first moment
    T* v = state.exp_avg_sq.data_ptr<T>();      // second moment
    T* v_max = o.amsgrad() ? state.max_exp_avg_sq.data_ptr<T>() : nullptr;
    // Every element is independent: threads take contiguous chunks, one pass over each array.
    parallel_for(0, param.numel(), kUpdateGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        T gi = maximize ? -g[i] : g[i];
        if (wd != 0) gi += T(wd) * p[i];                          // coupled weight decay
        m[i] = T(beta1) * m[i] + T(1 - beta1) * gi;               // update the first moment
        v[i] = T(beta2) * v[i] + T(1 - beta2) * (gi * gi);        // update the second moment
        T v_used = v[i];
        if (v_max) v_used = v_max[i] = std::max(v_max[i], v[i]);  // AMSGrad: never let the scale shrink
        const T denom = std::sqrt(v_used) / T(bias_correction2_sqrt) + T(eps);
        p[i] -= T(step_size) * (m[i] / denom);                    // the bias-corrected step
      }
    });
  });
  param.bump_version();
}

}  // namespace descent::optim
