// Max and average pooling over the last two dims. Max pooling keeps the int64 argmax of every
// window; its backward scatters the gradient to those positions, an op of its own
// (max_pool2d_backward) whose backward gathers from them. Average pooling's backward is its
// adjoint, avg_pool2d_backward, whose backward is avg_pool2d again. So both differentiate twice.
// The kernels are in tensor/kernels/pool.cpp; nn::MaxPool2d and nn::AvgPool2d (nn/pooling.h)
// are the modules.
//
// Shapes:  x: [N, C, H, W] (or [C, H, W])   out, indices, g: [N, C, HO, WO]
#include <array>

#include "autograd/ops/common.h"
#include "tensor/kernels/pool.h"

namespace descent {

using namespace ops_detail;

namespace {

std::array<int64_t, 2> pair_arg(const Shape& v, const char* op, const char* what, int64_t min) {
  CHECK(v.size() == 1 || v.size() == 2, op, ": ", what, " must have 1 or 2 values, got ", Dims(v));
  std::array<int64_t, 2> out{v[0], v.size() == 2 ? v[1] : v[0]};
  CHECK(out[0] >= min && out[1] >= min, op, ": ", what, " must be at least ", min, ", got ", Dims(v));
  return out;
}

// Checks the arguments against the input's shape and returns the kernel's parameters.
kernels::Pool2dParams pool_params(const Dims& shape, Dtype dtype, const Shape& kernel_size, const Shape& stride,
                                  const Shape& padding, bool count_include_pad, const char* op) {
  CHECK(is_floating(dtype), op, ": expected a floating-point input, got ", dtype_name(dtype));
  CHECK(shape.size() == 3 || shape.size() == 4, op, ": expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got ",
        shape);
  auto k = pair_arg(kernel_size, op, "kernel_size", 1);
  auto s = stride.empty() ? k : pair_arg(stride, op, "stride", 1);
  auto p = pair_arg(padding, op, "padding", 0);
  CHECK(p[0] <= k[0] / 2 && p[1] <= k[1] / 2, op, ": padding must be at most half the kernel size, got padding ",
        Dims(padding), " for kernel ", Dims(kernel_size));
  kernels::Pool2dParams params{k[0], k[1], s[0], s[1], p[0], p[1], count_include_pad};
  for (int64_t size : shape) CHECK(size >= 0, op, ": negative size in input shape ", shape);
  const int64_t H = shape[shape.size() - 2], W = shape.back();
  // (the kernel computes H + 2·pad; with pad <= kernel / 2 only a huge H can overflow it)
  int64_t padded_h, padded_w;
  CHECK(!__builtin_add_overflow(H, 2 * p[0], &padded_h) && !__builtin_add_overflow(W, 2 * p[1], &padded_w), op,
        ": the padded input overflows int64 (input shape ", shape, ", padding ", Dims(padding), ")");
  CHECK(padded_h >= k[0] && padded_w >= k[1], op, ": the kernel ", k[0], "x", k[1],
        " is larger than the padded input ", padded_h, "x", padded_w, " (input shape ", shape, ")");
  checked_numel(shape, op);
  return params;
}

// g: [.., HO, WO]  out: [.., H, W]   out = zeros, then out[idx[o]] += g[o] per plane
// dL/dg = gg at each window's argmax, i.e. gather(gg, idx) per plane
Tensor scatter_at_indices(const Tensor& g, const Tensor& indices, const Dims& input_size) {
  const int64_t H = input_size[input_size.size() - 2], W = input_size.back();
  Tensor out = kernels::max_pool2d_scatter(g, indices, H, W);
  if (auto node = record("max_pool2d_backward", out, {g})) {
    node->set_backward([indices, g_shape = g.sizes(), H, W](const Tensor& gg, const Node&) -> Grads {
      const int64_t windows = g_shape[g_shape.size() - 2] * g_shape.back();
      Tensor planes = reshape(gg, {-1, H * W});
      return {reshape(gather(planes, 1, reshape(indices, {-1, windows})), g_shape)};
    });
  }
  return out;
}

}  // namespace

// x: [.., H, W]  out, indices: [.., HO, WO]   dL/dx = g added at each window's argmax
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Shape& kernel_size, const Shape& stride,
                                                   const Shape& padding) {
  check_defined(input, "max_pool2d");
  const auto p = pool_params(input.sizes(), input.dtype(), kernel_size, stride, padding, true, "max_pool2d");
  auto [out, indices] = kernels::max_pool2d(input, p);
  if (auto node = record("max_pool2d", out, {input})) {
    node->set_backward([indices = indices, shape = input.sizes()](const Tensor& g, const Node&) -> Grads {
      return {scatter_at_indices(g, indices, shape)};
    });
  }
  return {out, indices};
}

Tensor max_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride, const Shape& padding) {
  return std::get<0>(max_pool2d_with_indices(input, kernel_size, stride, padding));
}

Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& indices, const Shape& input_size) {
  check_defined(grad_output, "max_pool2d_backward");
  check_defined(indices, "max_pool2d_backward");
  CHECK(indices.dtype() == kInt64, "max_pool2d_backward: indices must be int64, got ", dtype_name(indices.dtype()));
  CHECK(grad_output.sizes() == indices.sizes(), "max_pool2d_backward: grad_output ", grad_output.sizes(),
        " and indices ", indices.sizes(), " must have the same shape");
  CHECK(int64_t(input_size.size()) == grad_output.dim() && grad_output.dim() >= 3 &&
            std::equal(input_size.begin(), input_size.end() - 2, grad_output.sizes().begin()),
        "max_pool2d_backward: input_size ", Dims(input_size), " does not fit grad_output ", grad_output.sizes());
  for (int64_t size : input_size) CHECK(size >= 0, "max_pool2d_backward: negative size in input_size ", Dims(input_size));
  checked_numel(input_size, "max_pool2d_backward");
  const int64_t plane = input_size[input_size.size() - 2] * input_size.back();
  for (int64_t i : contiguous(indices).to_vector<int64_t>())
    CHECK(i >= 0 && i < plane, "max_pool2d_backward: index ", i, " is out of range for a plane of ", plane,
          " elements");
  return scatter_at_indices(grad_output, indices, input_size);
}

// x: [.., H, W]  out: [.., HO, WO] window means   dL/dx = avg_pool2d_backward(g) (each window's
// gradient shared evenly among its elements)
Tensor avg_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  bool count_include_pad) {
  check_defined(input, "avg_pool2d");
  const auto p = pool_params(input.sizes(), input.dtype(), kernel_size, stride, padding, count_include_pad,
                             "avg_pool2d");
  Tensor out = kernels::avg_pool2d(input, p);
  if (auto node = record("avg_pool2d", out, {input})) {
    node->set_backward([=, shape = input.sizes()](const Tensor& g, const Node&) -> Grads {
      return {avg_pool2d_backward(g, shape, kernel_size, stride, padding, count_include_pad)};
    });
  }
  return out;
}

// g: [.., HO, WO]  out: [.., H, W] = Aᵀ·g for the linear map A = avg_pool2d   dL/dg = A·gg
Tensor avg_pool2d_backward(const Tensor& grad_output, const Shape& input_size, const Shape& kernel_size,
                           const Shape& stride, const Shape& padding, bool count_include_pad) {
  check_defined(grad_output, "avg_pool2d_backward");
  CHECK(int64_t(input_size.size()) == grad_output.dim() && grad_output.dim() >= 3 &&
            std::equal(input_size.begin(), input_size.end() - 2, grad_output.sizes().begin()),
        "avg_pool2d_backward: input_size ", Dims(input_size), " does not fit grad_output ", grad_output.sizes());
  const auto p = pool_params(input_size, grad_output.dtype(), kernel_size, stride, padding, count_include_pad,
                             "avg_pool2d_backward");
  const int64_t H = input_size[input_size.size() - 2], W = input_size.back();
  CHECK(grad_output.sizes()[size_t(grad_output.dim() - 2)] == p.out_h(H) && grad_output.sizes().back() == p.out_w(W),
        "avg_pool2d_backward: grad_output ", grad_output.sizes(), " is not the pooled size of ", Dims(input_size));
  Tensor out = kernels::avg_pool2d_backward(grad_output, H, W, p);
  if (auto node = record("avg_pool2d_backward", out, {grad_output})) {
    node->set_backward([=](const Tensor& gg, const Node&) -> Grads {
      return {avg_pool2d(gg, kernel_size, stride, padding, count_include_pad)};
    });
  }
  return out;
}

}  // namespace descent
