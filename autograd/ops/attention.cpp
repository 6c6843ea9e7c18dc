// masked_softmax: the weights of attention, softmax(a·scale + mask) along the last dim, as one
// primitive so that the scale, the mask and the softmax are one pass over the scores (and one
// over their gradient) instead of three ops with a [.., L, S] temporary each. With is_causal the
// causal mask is applied by index (tensor/kernels/attention.cpp): no [L, S] tensor exists at all.
// scaled_dot_product_attention and nn::MultiheadAttention (nn/attention.cpp) are built on it:
// two batched matmuls around this op.
//
// Shapes:  a: [.., L, S] scores   mask: broadcastable to a's shape, or undefined   out: a's shape
#include <cmath>

#include "autograd/ops/common.h"
#include "tensor/kernels/attention.h"
#include "tensor/kernels/elementwise.h"

namespace descent {

using namespace ops_detail;

// z = a·scale + mask (−∞ where is_causal hides key j > query i)   y = softmax(z) along the last dim
// dL/dz = y·(g − Σ_j g·y)   dL/da = scale·dL/dz   dL/dmask = dL/dz (summed over broadcast dims)
Tensor masked_softmax(const Tensor& a, const Tensor& mask, double scale, bool is_causal) {
  check_defined(a, "masked_softmax");
  CHECK(is_floating(a.dtype()), "masked_softmax: expected floating-point scores, got ", dtype_name(a.dtype()));
  CHECK(a.dim() >= (is_causal ? 2 : 1), "masked_softmax: expected scores [.., L, S]", is_causal ? " (is_causal)" : "",
        ", got ", a.sizes());
  if (mask.defined()) {
    CHECK(mask.dtype() == a.dtype(), "masked_softmax: the mask is added to the scores, so it must have their dtype (",
          dtype_name(a.dtype()), "), got ", dtype_name(mask.dtype()), "; turn a bool mask into 0 and -inf first");
    CHECK(is_expandable_to(mask.sizes(), a.sizes()), "masked_softmax: mask of shape ", mask.sizes(),
          " cannot be broadcast to the scores' shape ", a.sizes());
  }
  Tensor out = kernels::masked_softmax(kernels::contiguous(a), mask, scale, is_causal);
  if (auto node = record("masked_softmax", out, {a, mask})) {
    node->set_backward([a = node->save(a), mask = node->save(mask), y = out.detach(), scale,
                        is_causal](const Tensor& g, const Node& n) -> Grads {
      if (differentiating_backward()) {  // create_graph: y as a function of a and mask
        Tensor yy = masked_softmax(a, mask, scale, is_causal);
        Tensor gy = g * yy;
        Tensor dz = gy - yy * sum(gy, {-1}, true);
        return {n.needs_grad(0) ? dz * scale : Tensor(), n.needs_grad(1) ? dz : Tensor()};
      }
      // One fused pass; with a mask that needs its gradient, dL/dz unscaled and a's from it.
      const bool mask_grad = n.needs_grad(1);
      Tensor dz = kernels::masked_softmax_backward(kernels::contiguous(g), y, mask_grad ? 1.0 : scale, is_causal);
      if (!mask_grad) return {dz, Tensor()};
      return {n.needs_grad(0) ? kernels::binary(kernels::Binary::Mul, dz, scale) : Tensor(), dz};
    });
  }
  return out;
}

}  // namespace descent
