// softmax and log_softmax along a dim: one fused, numerically stable kernel each
// (subtract the row max before exp), with hand-written backward formulas.
#include "autograd/ops/common.h"
#include "tensor/kernels/reduce.h"

namespace descent {

using namespace ops_detail;

// y = softmax(a) along dim   dL/da = y·(g - Σ_dim g·y)
Tensor softmax(const Tensor& a, int64_t dim) {
  Tensor x = floating(a, "softmax");
  int64_t d = wrap_dim(dim, x.dim(), "softmax");
  Tensor out = kernels::softmax(x, d, false);
  if (auto node = record("softmax", out, {x})) {
    node->set_backward([x = node->save(x), y = out.detach(), d](const Tensor& g, const Node&) -> Grads {
      Tensor s = differentiating_backward() ? softmax(x, d) : y;
      Tensor gs = g * s;
      return {gs - s * sum(gs, {d}, true)};
    });
  }
  return out;
}

// y = log_softmax(a) along dim   dL/da = g - softmax(a)·Σ_dim g
Tensor log_softmax(const Tensor& a, int64_t dim) {
  Tensor x = floating(a, "log_softmax");
  int64_t d = wrap_dim(dim, x.dim(), "log_softmax");
  Tensor out = kernels::softmax(x, d, true);
  if (auto node = record("log_softmax", out, {x})) {
    node->set_backward([x = node->save(x), y = out.detach(), d](const Tensor& g, const Node&) -> Grads {
      Tensor s = differentiating_backward() ? softmax(x, d) : exp(y);
      return {g - s * sum(g, {d}, true)};
    });
  }
  return out;
}

}  // namespace descent
