// SGD's update, one fused pass per parameter. With g the gradient, θ the parameter, b the
// momentum buffer (torch.optim.SGD, docs/optimizers.md):
//   g ← −g                      if maximize
//   g ← g + λ·θ                 weight decay (coupled: the gradient of (λ/2)·‖θ‖²)
//   b ← g                       on the first step with momentum (no dampening yet)
//   b ← μ·b + (1 − τ)·g         afterwards
//   d ← g + μ·b  (Nesterov)  or  d ← b  (heavy ball)  or  d ← g  (μ = 0)
//   θ ← θ − η·d
#include "optim/sgd.h"

#include "tensor/check.h"
#include "tensor/factory.h"
#include "tensor/parallel.h"

namespace descent::optim {

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : Optimizer("SGD", std::make_unique<SGDOptions>(options)) {
  add_param_group(std::move(params));
}

void SGD::check_options(const OptimizerOptions& base) const {
  const auto* o = dynamic_cast<const SGDOptions*>(&base);
  CHECK(o, "SGD: a parameter group needs SGDOptions");
  CHECK(o->lr() >= 0, "SGD: lr must be >= 0, got ", o->lr());
  CHECK(o->momentum() >= 0, "SGD: momentum must be >= 0, got ", o->momentum());
  CHECK(o->weight_decay() >= 0, "SGD: weight_decay must be >= 0, got ", o->weight_decay());
  // Nesterov's look-ahead g + μ·b is only the Nesterov step when b is an undamped momentum sum.
  CHECK(!o->nesterov() || o->momentum() > 0, "SGD: nesterov needs momentum > 0, got momentum ", o->momentum());
  CHECK(!o->nesterov() || o->dampening() == 0, "SGD: nesterov needs dampening = 0, got dampening ", o->dampening());
}

std::unique_ptr<ParamState> SGD::make_state(const Tensor&, const OptimizerOptions&) const {
  return std::make_unique<SGDState>();  // the buffer is made from the first gradient, in update()
}

void SGD::update(const Tensor& param, const Tensor& grad, ParamState& base_state, const OptimizerOptions& base) {
  const auto& o = static_cast<const SGDOptions&>(base);
  auto& state = static_cast<SGDState&>(base_state);
  state.step += 1;
  const double lr = o.lr(), mu = o.momentum(), damp = o.dampening(), wd = o.weight_decay();
  const bool nesterov = o.nesterov(), maximize = o.maximize();
  // The buffer starts as a copy of the first (decayed) gradient: torch applies no dampening then.
  const bool first = mu != 0 && !state.momentum_buffer.defined();
  if (first) state.momentum_buffer = empty_like(param);

  dispatch_floating(param.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* b = mu != 0 ? state.momentum_buffer.data_ptr<T>() : nullptr;
    // Elements are independent: split them across threads, one pass over p, g and b.
    parallel_for(0, param.numel(), kUpdateGrain, [&](int64_t begin, int64_t end) {
      // The options become local constants and selects, so that the loop has no branch and no
      // reload after each store (a captured reference might alias p), and the compiler vectorizes
      // it; with an if per option it ran one element at a time, a fifth of an MLP step.
      const T rate = T(lr), momentum = T(mu), keep = T(1 - damp), decay = T(wd);
      const bool negate = maximize, decayed = wd != 0, fresh = first, look_ahead = nesterov;
      if (!b) {
        for (int64_t i = begin; i < end; ++i) {
          T d = negate ? -g[i] : g[i];
          d = decayed ? d + decay * p[i] : d;                         // coupled weight decay
          p[i] -= rate * d;
        }
        return;
      }
      for (int64_t i = begin; i < end; ++i) {
        T d = negate ? -g[i] : g[i];
        d = decayed ? d + decay * p[i] : d;                           // coupled weight decay
        const T buf = fresh ? d : momentum * b[i] + keep * d;         // momentum buffer
        b[i] = buf;
        d = look_ahead ? d + momentum * buf : buf;                    // Nesterov looks one step ahead
        p[i] -= rate * d;
      }
    });
  });
  param.bump_version();  // written through data_ptr: tell autograd the values changed
}

}  // namespace descent::optim
