// Tensor's autograd methods and its in-place ops. An in-place op on a tensor whose history
// autograd tracks is recorded as the out-of-place op on a copy, and the tensor takes over that
// result's history: later gradients flow through the new op into the old history.
#include <cmath>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "tensor/check.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/random.h"

namespace descent {

using autograd::meta;

// ---- autograd state -----------------------------------------------------------------------

Tensor& Tensor::requires_grad_(bool requires_grad) {
  CHECK(defined(), "requires_grad_: the tensor is undefined");
  CHECK(is_leaf(), "requires_grad_: only leaf tensors can change requires_grad (this one was made by '",
        grad_fn()->name(), "'); use detach() to get a leaf");
  CHECK(!requires_grad || is_floating(dtype()), "requires_grad_: only floating-point tensors can require gradients, got ",
        dtype_name(dtype()));
  meta(*this).requires_grad = requires_grad;
  return *this;
}

bool Tensor::requires_grad() const {
  const auto* m = impl_->autograd.get();
  return m && (m->requires_grad || m->grad_fn);
}

bool Tensor::is_leaf() const { return !impl_->autograd || !impl_->autograd->grad_fn; }

const Tensor& Tensor::grad() const {
  static const Tensor undefined;
  return impl_->autograd ? impl_->autograd->grad : undefined;
}

Tensor& Tensor::mutable_grad() { return meta(*this).grad; }

const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<autograd::Node> none;
  return impl_->autograd ? impl_->autograd->grad_fn : none;
}

void Tensor::backward(const Tensor& grad, bool retain_graph, bool create_graph) const {
  autograd::backward(*this, grad, retain_graph, create_graph);
}

Tensor Tensor::detach() const {
  auto impl = make_cached<TensorImpl>();
  impl->storage = impl_->storage;
  impl->sizes = impl_->sizes;
  impl->strides = impl_->strides;
  impl->offset = impl_->offset;
  impl->dtype = impl_->dtype;
  return Tensor(std::move(impl));
}

void Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) const {
  CHECK(requires_grad(), "register_hook: the tensor does not require grad, so no gradient will reach the hook");
  if (is_leaf()) meta(*this).hooks.push_back(std::move(hook));
  else grad_fn()->add_pre_hook(std::move(hook));
}

void Tensor::register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const {
  CHECK(requires_grad() && is_leaf(),
        "register_post_accumulate_grad_hook: expected a leaf that requires grad (only leaves accumulate into grad())");
  meta(*this).post_accumulate_hooks.push_back(std::move(hook));
}

void Tensor::retain_grad() const {
  CHECK(requires_grad(), "retain_grad: the tensor does not require grad");
  if (is_leaf()) return;  // leaves keep their gradient anyway
  std::weak_ptr<autograd::AutogradMeta> target = impl_->autograd;  // weak: no cycle through the node
  grad_fn()->add_pre_hook([target](const Tensor& g) {
    if (auto m = target.lock()) m->grad = m->grad.defined() ? m->grad + g : g.detach().clone();
    return Tensor();
  });
}

// ---- in-place ops -------------------------------------------------------------------------

namespace {

// Runs `kernel` on self, or, when autograd must see the change, records out_of_place(copy of
// self) and makes self that result.
template <class Kernel, class OutOfPlace>
Tensor& inplace(Tensor& self, const char* op, const Tensor* other, const Kernel& kernel, const OutOfPlace& out_of_place) {
  CHECK(self.defined(), op, ": the tensor is undefined");
  if (other) {
    CHECK(other->defined(), op, ": the other tensor is undefined");
    CHECK(broadcast_shapes(self.sizes(), other->sizes(), op) == self.sizes(), op, ": shape ", other->sizes(),
          " cannot be broadcast to the shape ", self.sizes(), " being written");
    CHECK(is_floating(self.dtype()) || !is_floating(other->dtype()), op, ": the result would be ",
          dtype_name(other->dtype()), ", which cannot be stored in a ", dtype_name(self.dtype()), " tensor");
  }
  const bool tracked = GradMode::is_enabled() && (self.requires_grad() || (other && other->requires_grad()));
  if (!tracked) {
    kernel();
    self.bump_version();
    return self;
  }
  CHECK(!(self.is_leaf() && self.requires_grad()), op,
        ": a leaf tensor that requires grad cannot be modified in place while grad mode is on (update parameters "
        "inside a NoGradGuard, as optimizers do)");
  CHECK(!self.impl()->is_view, op, ": modifying a view in place is not supported while gradients are tracked; use the "
        "out-of-place op");
  Tensor result = out_of_place(clone(self));
  kernels::copy_(self, result);
  self.bump_version();
  meta(self).grad_fn = result.grad_fn();
  return self;
}

Tensor same_dtype(const Tensor& t, Dtype dtype) { return t.dtype() == dtype ? t : kernels::cast(t, dtype); }

}  // namespace

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  return inplace(*this, "add_", &other,
                 [&] { kernels::add_scaled_(*this, same_dtype(other, dtype()), alpha); },
                 [&](const Tensor& x) { return add(x, other, alpha); });
}
Tensor& Tensor::add_(double value) {
  return inplace(*this, "add_", nullptr, [&] { kernels::binary_(kernels::Binary::Add, *this, value); },
                 [&](const Tensor& x) { return add(x, value); });
}
Tensor& Tensor::sub_(const Tensor& other, double alpha) {
  return inplace(*this, "sub_", &other,
                 [&] { kernels::add_scaled_(*this, same_dtype(other, dtype()), -alpha); },
                 [&](const Tensor& x) { return sub(x, other, alpha); });
}
Tensor& Tensor::sub_(double value) {
  return inplace(*this, "sub_", nullptr, [&] { kernels::binary_(kernels::Binary::Sub, *this, value); },
                 [&](const Tensor& x) { return add(x, -value); });
}
Tensor& Tensor::mul_(const Tensor& other) {
  return inplace(*this, "mul_", &other, [&] { kernels::binary_(kernels::Binary::Mul, *this, same_dtype(other, dtype())); },
                 [&](const Tensor& x) { return mul(x, other); });
}
Tensor& Tensor::mul_(double value) {
  return inplace(*this, "mul_", nullptr, [&] { kernels::binary_(kernels::Binary::Mul, *this, value); },
                 [&](const Tensor& x) { return mul(x, value); });
}
Tensor& Tensor::div_(const Tensor& other) {
  CHECK(is_floating(dtype()), "div_: true division cannot be stored in a ", dtype_name(dtype()), " tensor");
  return inplace(*this, "div_", &other, [&] { kernels::binary_(kernels::Binary::Div, *this, same_dtype(other, dtype())); },
                 [&](const Tensor& x) { return div(x, other); });
}
Tensor& Tensor::div_(double value) {
  CHECK(is_floating(dtype()), "div_: true division cannot be stored in a ", dtype_name(dtype()), " tensor");
  return inplace(*this, "div_", nullptr, [&] { kernels::binary_(kernels::Binary::Div, *this, value); },
                 [&](const Tensor& x) { return div(x, value); });
}
Tensor& Tensor::clamp_(std::optional<double> min, std::optional<double> max) {
  CHECK(min || max, "clamp_: at least one of min and max must be given");
  return inplace(*this, "clamp_", nullptr,
                 [&] { kernels::clamp_(*this, min.value_or(-INFINITY), max.value_or(INFINITY)); },
                 [&](const Tensor& x) { return descent::clamp(x, min, max); });
}
Tensor& Tensor::zero_() { return fill_(0.0); }
Tensor& Tensor::fill_(double value) {
  return inplace(*this, "fill_", nullptr, [&] { kernels::fill_(*this, value); },
                 [&](const Tensor& x) { return full_like(x.detach(), value); });
}
Tensor& Tensor::copy_(const Tensor& src) {
  return inplace(*this, "copy_", &src, [&] { kernels::copy_(*this, src); },
                 [&](const Tensor& x) { return descent::clone(descent::to(descent::expand(src, x.sizes()), x.dtype())); });
}
Tensor& Tensor::uniform_(double from, double to) {
  return inplace(*this, "uniform_", nullptr, [&] { kernels::fill_uniform_(*this, from, to, default_generator()); },
                 [&](const Tensor&) -> Tensor { throw std::logic_error("unreachable"); });
}
Tensor& Tensor::normal_(double mean, double std) {
  return inplace(*this, "normal_", nullptr, [&] { kernels::fill_normal_(*this, mean, std, default_generator()); },
                 [&](const Tensor&) -> Tensor { throw std::logic_error("unreachable"); });
}

}  // namespace descent
