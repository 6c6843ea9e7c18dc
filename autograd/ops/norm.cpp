// Batch normalization. In training it is a primitive: the forward computes the batch statistics
// once with the reduction kernels and updates the running statistics in place; the backward is
// the closed form below (cheaper than differentiating through mean and variance). In evaluation
// it is a composite: an affine map per channel with constant statistics, which needs no backward.
// nn::BatchNorm1d/2d (nn/batchnorm.h) own the parameters and buffers.
//
// Shapes:  x: [N, C, ...]   weight, bias, running_mean, running_var: [C]
//          statistics are kept as [1, C, 1, ...] so that they broadcast against x;
//          M = numel(x) / C values per channel
#include "autograd/ops/common.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/reduce.h"

namespace descent {

using namespace ops_detail;
using kernels::Binary;

namespace {

void check_channel_tensor(const Tensor& t, const Tensor& x, const char* what) {
  if (!t.defined()) return;
  const int64_t C = x.sizes()[1];
  CHECK(t.dim() == 1 && t.sizes()[0] == C, "batch_norm: ", what, " must have shape [", C, "] for input ", x.sizes(),
        ", got ", t.sizes());
  CHECK(t.dtype() == x.dtype(), "batch_norm: dtype mismatch: input is ", dtype_name(x.dtype()), ", ", what, " is ",
        dtype_name(t.dtype()));
}

}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  check_defined(input, "batch_norm");
  CHECK(is_floating(input.dtype()), "batch_norm: expected a floating-point input, got ", dtype_name(input.dtype()));
  CHECK(input.dim() >= 2, "batch_norm: expected an input [N, C, ...] with at least 2 dims, got ", input.sizes());
  check_channel_tensor(weight, input, "weight");
  check_channel_tensor(bias, input, "bias");
  check_channel_tensor(running_mean, input, "running_mean");
  check_channel_tensor(running_var, input, "running_var");
  CHECK(running_mean.defined() == running_var.defined(),
        "batch_norm: running_mean and running_var must be given together");
  const int64_t C = input.sizes()[1], M = input.numel() / std::max<int64_t>(C, 1);
  Shape stat_shape(size_t(input.dim()), 1);
  stat_shape[1] = C;
  Shape dims{0};  // every dim but the channels
  for (int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);

  if (!training) {
    CHECK(running_mean.defined(), "batch_norm: evaluation needs running_mean and running_var");
    // Composite: x·scale + shift with scale = w/√(var + eps), shift = b − mean·scale.
    Tensor scale = rsqrt(running_var + eps);
    if (weight.defined()) scale = scale * weight;
    Tensor shift = -(running_mean * scale);
    if (bias.defined()) shift = shift + bias;
    return input * reshape(scale, stat_shape) + reshape(shift, stat_shape);
  }

  CHECK(M > 1, "batch_norm: expected more than 1 value per channel when training, got input ", input.sizes());
  DimMask mask(size_t(input.dim()), true);
  mask[1] = false;
  Tensor mean = kernels::sum(input, mask, true, 1.0 / double(M));
  Tensor centered = kernels::binary(Binary::Sub, input, mean);
  Tensor var = kernels::sum(kernels::binary(Binary::Mul, centered, centered), mask, true, 1.0 / double(M));
  Tensor invstd = kernels::unary(kernels::Unary::Rsqrt, kernels::binary(Binary::Add, var, eps));
  Tensor scale = weight.defined() ? kernels::binary(Binary::Mul, invstd, reshape(weight.detach(), stat_shape)) : invstd;
  Tensor out = kernels::binary(Binary::Mul, centered, scale);
  if (bias.defined()) kernels::binary_(Binary::Add, out, reshape(bias.detach(), stat_shape));

  if (running_mean.defined()) {
    // r = (1 − momentum)·r + momentum·batch; the running variance is the unbiased one (·M/(M−1)).
    kernels::binary_(Binary::Mul, running_mean, 1.0 - momentum);
    kernels::add_scaled_(running_mean, reshape(mean, {C}), momentum);
    kernels::binary_(Binary::Mul, running_var, 1.0 - momentum);
    kernels::add_scaled_(running_var, reshape(var, {C}), momentum * double(M) / double(M - 1));
    running_mean.bump_version();
    running_var.bump_version();
  }

  // x: [N, C, ...]  w, b: [C]   x̂ = (x − μ)·σ⁻¹ with μ, σ² the channel's mean and biased variance
  // dL/db = Σ g   dL/dw = Σ g·x̂   dL/dx = w·σ⁻¹·(g − Σg/M − x̂·Σ(g·x̂)/M)   (Σ over all but C)
  if (auto node = record("batch_norm", out, {input, weight, bias})) {
    node->set_backward([x = node->save(input), w = node->save(weight), mean, invstd, dims, stat_shape, C, M,
                        eps](const Tensor& g, const Node& n) -> Grads {
      Tensor mu = mean, is = invstd;
      if (differentiating_backward()) {  // the statistics as functions of x, for create_graph
        mu = descent::mean(x, dims, true);
        Tensor xc = x - mu;
        is = rsqrt(descent::mean(xc * xc, dims, true) + eps);
      }
      Tensor xhat = (x - mu) * is;
      Tensor gsum = sum(g, dims, true), gxhat = sum(g * xhat, dims, true);
      Tensor gx;
      if (n.needs_grad(0)) {
        Tensor k = w.defined() ? is * reshape(w, stat_shape) : is;
        gx = (g - gsum * (1.0 / double(M)) - xhat * (gxhat * (1.0 / double(M)))) * k;
      }
      return {gx, n.needs_grad(1) ? reshape(gxhat, {C}) : Tensor(), n.needs_grad(2) ? reshape(gsum, {C}) : Tensor()};
    });
  }
  return out;
}

}  // namespace descent
