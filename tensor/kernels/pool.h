#pragma once
// 2-D pooling kernels: max pooling with argmax indices and its scatter, average pooling and its
// adjoint. No graph here (autograd/ops/pool.cpp records it); inputs are checked by the caller.
//
// Shapes:  x: [P, H, W] planes (P = N·C, any leading dims flattened)   out: [P, HO, WO]
// Indices are int64 positions inside a plane, ih·W + iw, as PyTorch's max_pool2d returns them.
#include <tuple>

#include "tensor/tensor.h"

namespace descent::kernels {

struct Pool2dParams {
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  bool count_include_pad = true;  // average pooling: divide by the window size including padding
  int64_t out_h(int64_t h) const { return (h + 2 * pad_h - kernel_h) / stride_h + 1; }
  int64_t out_w(int64_t w) const { return (w + 2 * pad_w - kernel_w) / stride_w + 1; }
};

// x: [.., H, W]  ->  values [.., HO, WO] and int64 indices of the same shape. The first maximum
// of a window wins; a NaN wins over any number (as in PyTorch). Padding never wins.
std::tuple<Tensor, Tensor> max_pool2d(const Tensor& x, const Pool2dParams& p);
// grad_out, indices: [.., HO, WO]  ->  [.., H, W] zeros with grad_out added at the indices.
Tensor max_pool2d_scatter(const Tensor& grad_out, const Tensor& indices, int64_t height, int64_t width);

// x: [.., H, W]  ->  [.., HO, WO] window means.
Tensor avg_pool2d(const Tensor& x, const Pool2dParams& p);
// The adjoint of avg_pool2d: grad_out [.., HO, WO] spread evenly over each window -> [.., H, W].
Tensor avg_pool2d_backward(const Tensor& grad_out, int64_t height, int64_t width, const Pool2dParams& p);

}  // namespace descent::kernels
