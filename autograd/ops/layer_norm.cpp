// Layer normalization (Ba, Kiros, Hinton 2016): every sample is normalized over its last dims
// (the `normalized_shape`) by its own mean and variance, then scaled and shifted elementwise.
// Unlike batch norm there are no running statistics: training and evaluation compute the same.
// A primitive: the forward is one fused kernel (tensor/kernels/layer_norm.cpp) and so is the
// plain backward; under create_graph the backward is the same closed form written in public
// ops, so that second derivatives work. nn::LayerNorm (nn/layer_norm.h) owns the parameters.
//
// Shapes:  x: [.., *normalized_shape]   weight, bias: normalized_shape or undefined
//          D = numel(normalized_shape) values per row, R = numel(x) / D rows
#include "autograd/ops/common.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/layer_norm.h"

namespace descent {

using namespace ops_detail;

namespace {

void check_affine(const Tensor& t, const Shape& normalized_shape, const Tensor& x, const char* what) {
  if (!t.defined()) return;
  CHECK(t.sizes() == normalized_shape, "layer_norm: ", what, " must have the normalized shape ",
        Dims(normalized_shape), ", got ", t.sizes());
  CHECK(t.dtype() == x.dtype(), "layer_norm: dtype mismatch: input is ", dtype_name(x.dtype()), ", ", what, " is ",
        dtype_name(t.dtype()));
}

// The same gradients in public ops, for create_graph (the statistics recomputed from x, so that
// they are differentiated too). `k` is the number of normalized dims.
Grads layer_norm_backward_differentiable(const Tensor& g, const Tensor& x, const Tensor& w, int64_t k, double eps,
                                         const Node& n) {
  Shape dims, lead;
  for (int64_t d = 0; d < x.dim(); ++d) (d < x.dim() - k ? lead : dims).push_back(d);
  Tensor mu = mean(x, dims, true);
  Tensor xc = x - mu;
  Tensor rs = rsqrt(mean(xc * xc, dims, true) + eps);
  Tensor xhat = xc * rs;
  Tensor gh = w.defined() ? g * w : g;
  Tensor gx;
  if (n.needs_grad(0)) gx = rs * (gh - mean(gh, dims, true) - xhat * mean(gh * xhat, dims, true));
  return {gx, n.needs_grad(1) ? sum(g * xhat, lead) : Tensor(), n.needs_grad(2) ? sum(g, lead) : Tensor()};
}

}  // namespace

// x̂ = (x − μ)·rstd with μ, rstd = 1/√(σ² + eps) of each row (σ² biased)   out = x̂·w + b
// dL/db = Σ_rows g   dL/dw = Σ_rows g·x̂   dL/dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), ĝ = g·w
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  check_defined(input, "layer_norm");
  CHECK(is_floating(input.dtype()), "layer_norm: expected a floating-point input, got ", dtype_name(input.dtype()));
  const int64_t k = int64_t(normalized_shape.size());
  CHECK(k >= 1, "layer_norm: normalized_shape must name at least one dim, got []");
  bool fits = input.dim() >= k;
  for (int64_t i = 0; fits && i < k; ++i) fits = input.sizes()[size_t(input.dim() - k + i)] == normalized_shape[size_t(i)];
  CHECK(fits, "layer_norm: expected an input of shape [*, ", shape_str(normalized_shape).substr(1), " (the normalized ",
        "shape), got ", input.sizes());
  check_affine(weight, normalized_shape, input, "weight");
  check_affine(bias, normalized_shape, input, "bias");
  CHECK(eps >= 0, "layer_norm: eps must be >= 0, got ", eps);
  const int64_t D = numel_of(normalized_shape);
  if (input.numel() == 0) return empty(input.sizes(), input.dtype());

  Tensor x = kernels::contiguous(input);
  const Tensor w = weight.defined() ? kernels::contiguous(weight.detach()) : Tensor();
  const Tensor b = bias.defined() ? kernels::contiguous(bias.detach()) : Tensor();
  kernels::LayerNormResult r = kernels::layer_norm(x, D, w, b, eps);
  Tensor out = r.out;
  if (auto node = record("layer_norm", out, {input, weight, bias})) {
    node->set_backward([x = node->save(input), w = node->save(weight), mean = r.mean, rstd = r.rstd, k, D,
                        eps](const Tensor& g, const Node& n) -> Grads {
      if (differentiating_backward()) return layer_norm_backward_differentiable(g, x, w, k, eps, n);
      kernels::LayerNormGrads grads = kernels::layer_norm_backward(
          kernels::contiguous(g), kernels::contiguous(x), D, mean, rstd,
          w.defined() ? kernels::contiguous(w) : Tensor(), n.needs_grad(0), n.needs_grad(1), n.needs_grad(2));
      // The affine gradients come back flat [D]: give them the parameters' shape.
      if (grads.weight.defined()) grads.weight = reshape_to(grads.weight, w.sizes());
      if (grads.bias.defined()) grads.bias = reshape_to(grads.bias, w.defined() ? w.sizes() : Dims(x.sizes().end() - k, x.sizes().end()));
      return {grads.input, grads.weight, grads.bias};
    });
  }
  return out;
}

}  // namespace descent
