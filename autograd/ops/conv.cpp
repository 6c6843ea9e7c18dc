// 2-D convolution: im2col, col2im and conv2d, each a differentiable op. conv2d's forward and
// backward are one fused kernel each (tensor/kernels/conv.cpp: im2col + GEMM per image); under
// create_graph its backward is instead spelled with im2col, col2im and matmul, so a gradient of
// a gradient works (gradgradcheck in tests/nn/). nn::Conv2d (nn/conv.h) is the module on top.
//
// Shapes:  x: [N, C, H, W]   w: [O, C, KH, KW]   out, g: [N, O, HO, WO]
//          K = C·KH·KW   L = HO·WO   im2col(x): [N, K, L]
#include <algorithm>
#include <array>

#include "autograd/ops/common.h"
#include "tensor/kernels/conv.h"

namespace descent {

using namespace ops_detail;

namespace {

// A 2-D size argument: {v} means {v, v}.
std::array<int64_t, 2> pair_arg(const Dims& v, const char* op, const char* what, int64_t min) {
  CHECK(v.size() == 1 || v.size() == 2, op, ": ", what, " must have 1 or 2 values, got ", Dims(v));
  std::array<int64_t, 2> out{v[0], v.size() == 2 ? v[1] : v[0]};
  CHECK(out[0] >= min && out[1] >= min, op, ": ", what, " must be at least ", min, ", got ", Dims(v));
  return out;
}

kernels::Conv2dParams conv_params(const Dims& kernel, const Dims& stride, const Dims& padding, const Dims& dilation,
                                  const char* op) {
  auto k = pair_arg(kernel, op, "kernel_size", 1), s = pair_arg(stride, op, "stride", 1);
  auto p = pair_arg(padding, op, "padding", 0), d = pair_arg(dilation, op, "dilation", 1);
  return {k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]};
}

// The output must have at least one pixel: the dilated kernel has to fit the padded image. The
// kernels compute H + 2·pad − dilation·(KH − 1) − 1 in int64, so first that must not overflow.
void check_fits(const kernels::Conv2dParams& p, int64_t H, int64_t W, const Dims& shape, const char* op) {
  auto span_fits = [](int64_t in, int64_t pad, int64_t dilation, int64_t kernel) {
    int64_t twice_pad, padded, reach;
    return !__builtin_mul_overflow(pad, int64_t(2), &twice_pad) && !__builtin_add_overflow(in, twice_pad, &padded) &&
           !__builtin_mul_overflow(dilation, kernel - 1, &reach);
  };
  CHECK(span_fits(H, p.pad_h, p.dilation_h, p.kernel_h) && span_fits(W, p.pad_w, p.dilation_w, p.kernel_w), op,
        ": padding ", p.pad_h, "x", p.pad_w, " and dilation ", p.dilation_h, "x", p.dilation_w,
        " overflow int64 for the input shape ", shape, " and kernel ", p.kernel_h, "x", p.kernel_w);
  CHECK(p.out_h(H) >= 1 && p.out_w(W) >= 1, op, ": the kernel ", p.kernel_h, "x", p.kernel_w, " (dilation ",
        p.dilation_h, "x", p.dilation_w, ") does not fit the padded input ", H + 2 * p.pad_h, "x", W + 2 * p.pad_w,
        " (input shape ", shape, ")");
}

// Each buffer an op allocates is a product of sizes; it must be countable in int64.
void check_buffer(const char* op, const char* what, const Dims& sizes, const Dims& input_shape) {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t s : sizes) overflow |= __builtin_mul_overflow(n, std::max<int64_t>(s, 1), &n);
  CHECK(!overflow, op, ": ", what, " ", sizes, " has too many elements (the count overflows int64) for the input shape ",
        input_shape);
}

void check_floating(const Tensor& t, const char* op, const char* what) {
  check_defined(t, op);
  CHECK(is_floating(t.dtype()), op, ": ", what, " must be floating point, got ", dtype_name(t.dtype()));
}

}  // namespace

// x: [N, C, H, W]  out: [N, K, L]   dL/dx = col2im(g)
Tensor im2col(const Tensor& input, const Shape& kernel_size, const Shape& dilation, const Shape& padding,
              const Shape& stride) {
  check_floating(input, "im2col", "input");
  CHECK(input.dim() == 4, "im2col: expected a 4-D input [N, C, H, W], got ", input.sizes());
  const auto p = conv_params(kernel_size, stride, padding, dilation, "im2col");
  const int64_t H = input.sizes()[2], W = input.sizes()[3];
  check_fits(p, H, W, input.sizes(), "im2col");
  check_buffer("im2col", "the output [N, C, kH, kW, HO, WO]",
               {input.sizes()[0], input.sizes()[1], p.kernel_h, p.kernel_w, p.out_h(H), p.out_w(W)}, input.sizes());
  Tensor out = kernels::im2col(input, p);
  if (auto node = record("im2col", out, {input})) {
    node->set_backward([=](const Tensor& g, const Node&) -> Grads {
      return {col2im(g, {H, W}, kernel_size, dilation, padding, stride)};
    });
  }
  return out;
}

// cols: [N, K, L]  out: [N, C, H, W] (C = K / (KH·KW))   dL/dcols = im2col(g)
Tensor col2im(const Tensor& input, const Shape& output_size, const Shape& kernel_size, const Shape& dilation,
              const Shape& padding, const Shape& stride) {
  check_floating(input, "col2im", "input");
  CHECK(input.dim() == 3, "col2im: expected a 3-D input [N, C·kH·kW, L], got ", input.sizes());
  const auto p = conv_params(kernel_size, stride, padding, dilation, "col2im");
  const auto hw = pair_arg(output_size, "col2im", "output_size", 1);
  check_buffer("col2im", "the kernel", {p.kernel_h, p.kernel_w}, input.sizes());
  const int64_t H = hw[0], W = hw[1], kk = p.kernel_h * p.kernel_w;
  CHECK(input.sizes()[1] % kk == 0, "col2im: dim 1 of the input (", input.sizes()[1],
        ") must be divisible by the kernel's ", kk, " elements, input shape ", input.sizes());
  check_fits(p, H, W, Dims{H, W}, "col2im");
  check_buffer("col2im", "the output [N, C, H, W]", {input.sizes()[0], input.sizes()[1] / kk, H, W}, input.sizes());
  check_buffer("col2im", "the windows [HO, WO]", {p.out_h(H), p.out_w(W)}, input.sizes());
  CHECK(input.sizes()[2] == p.out_h(H) * p.out_w(W), "col2im: input has ", input.sizes()[2], " columns but output ",
        H, "x", W, " has ", p.out_h(H) * p.out_w(W), " windows, input shape ", input.sizes());
  Tensor out = kernels::col2im(input, input.sizes()[1] / kk, H, W, p);
  if (auto node = record("col2im", out, {input})) {
    node->set_backward([=](const Tensor& g, const Node&) -> Grads {
      return {im2col(g, kernel_size, dilation, padding, stride)};
    });
  }
  return out;
}

// x: [N, C, H, W]  w: [O, C, KH, KW]  b: [O]  out: [N, O, HO, WO]
// dL/dx = col2im(wᵀ·g)   dL/dw = Σ_n g_n·im2col(x)_nᵀ   dL/db = Σ_{n, pixels} g
// (w viewed as [O, K], g_n as [O, L])
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const Shape& padding, const Shape& dilation) {
  check_floating(input, "conv2d", "input");
  check_floating(weight, "conv2d", "weight");
  if (input.dim() == 3) return squeeze(conv2d(unsqueeze(input, 0), weight, bias, stride, padding, dilation), 0);
  CHECK(input.dim() == 4, "conv2d: expected a 4-D input [N, C, H, W] (or 3-D [C, H, W]), got ", input.sizes());
  CHECK(weight.dim() == 4, "conv2d: weight must be 4-D [out_channels, in_channels, kH, kW], got ", weight.sizes());
  CHECK(input.sizes()[1] == weight.sizes()[1], "conv2d: input has ", input.sizes()[1], " channels (shape ",
        input.sizes(), ") but weight expects ", weight.sizes()[1], " (shape ", weight.sizes(), ")");
  CHECK(input.dtype() == weight.dtype(), "conv2d: dtype mismatch: input is ", dtype_name(input.dtype()),
        ", weight is ", dtype_name(weight.dtype()));
  const int64_t O = weight.sizes()[0];
  if (bias.defined()) {
    CHECK(bias.dim() == 1 && bias.sizes()[0] == O, "conv2d: bias must have shape [", O, "], got ", bias.sizes());
    CHECK(bias.dtype() == input.dtype(), "conv2d: dtype mismatch: input is ", dtype_name(input.dtype()),
          ", bias is ", dtype_name(bias.dtype()));
  }
  const auto p = conv_params({weight.sizes()[2], weight.sizes()[3]}, stride, padding, dilation, "conv2d");
  const int64_t N = input.sizes()[0], H = input.sizes()[2], W = input.sizes()[3];
  check_fits(p, H, W, input.sizes(), "conv2d");
  // The output, and per image the im2col columns [K, L] and the weight gradient's partial sums.
  const int64_t K = weight.numel() / std::max<int64_t>(O, 1), HO = p.out_h(H), WO = p.out_w(W);
  check_buffer("conv2d", "the output", {N, O, HO, WO}, input.sizes());
  check_buffer("conv2d", "the im2col columns [K, L]", {K, HO, WO}, input.sizes());
  check_buffer("conv2d", "the weight gradient's partial sums [N, O, K]", {N, O, K}, input.sizes());

  Tensor out = kernels::conv2d(input, weight, bias, p);
  if (auto node = record("conv2d", out, {input, weight, bias})) {
    node->set_backward([x = node->save(input), w = node->save(weight), p, N, O, H, W](const Tensor& g,
                                                                                      const Node& n) -> Grads {
      if (!differentiating_backward()) {
        auto [gx, gw, gb] = kernels::conv2d_backward(x, w, g, p, n.needs_grad(0), n.needs_grad(1), n.needs_grad(2));
        return {gx, gw, gb};
      }
      // The same formulas in differentiable ops (create_graph): matmul broadcasts wᵀ over the batch.
      const Shape kernel{p.kernel_h, p.kernel_w}, stride{p.stride_h, p.stride_w}, padding{p.pad_h, p.pad_w},
          dilation{p.dilation_h, p.dilation_w};
      const int64_t L = g.sizes()[2] * g.sizes()[3];
      Tensor g3 = reshape(g, {N, O, L});
      Tensor gx, gw, gb;
      if (n.needs_grad(0))
        gx = col2im(matmul(t(reshape(w, {O, -1})), g3), {H, W}, kernel, dilation, padding, stride);
      if (n.needs_grad(1))
        gw = reshape(sum(matmul(g3, transpose(im2col(x, kernel, dilation, padding, stride), 1, 2)), {0}), w.sizes());
      if (n.needs_grad(2)) gb = sum(g, {0, 2, 3});
      return {gx, gw, gb};
    });
  }
  return out;
}

}  // namespace descent
