#pragma once
// 2-D convolution kernels: im2col / col2im and conv2d forward and backward as im2col + GEMM.
// They record no graph (autograd/ops/conv.cpp does) and assume checked arguments: contiguous
// float tensors of one dtype, shapes that fit. Read autograd/ops/conv.cpp next.
//
// Shapes, used throughout:  x: [N, C, H, W]   weight: [O, C, KH, KW]   out: [N, O, HO, WO]
//   K = C·KH·KW (one column of im2col per output pixel)   L = HO·WO (output pixels per image)
// so one image's convolution is the GEMM  out_n[O, L] = weight[O, K] · cols_n[K, L].
#include <tuple>

#include "tensor/tensor.h"

namespace descent::kernels {

struct Conv2dParams {
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  // floor((H + 2·pad − dilation·(KH − 1) − 1) / stride) + 1, which is < 1 when the kernel does not fit
  int64_t out_h(int64_t h) const { return out_size(h, pad_h, dilation_h, kernel_h, stride_h); }
  int64_t out_w(int64_t w) const { return out_size(w, pad_w, dilation_w, kernel_w, stride_w); }
  static int64_t out_size(int64_t in, int64_t pad, int64_t dilation, int64_t kernel, int64_t stride) {
    const int64_t span = in + 2 * pad - dilation * (kernel - 1) - 1;
    return span < 0 ? 0 : span / stride + 1;
  }
};

// x: [N, C, H, W]  ->  [N, C·KH·KW, HO·WO]; zeros where the window reaches into the padding.
Tensor im2col(const Tensor& x, const Conv2dParams& p);
// cols: [N, C·KH·KW, HO·WO]  ->  [N, C, H, W], each column added back to the pixels it came from
// (the adjoint of im2col).
Tensor col2im(const Tensor& cols, int64_t channels, int64_t height, int64_t width, const Conv2dParams& p);

// x: [N, C, H, W]  weight: [O, C, KH, KW]  bias: [O] or undefined  ->  [N, O, HO, WO]
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p);

// The three gradients of conv2d for grad_out g: [N, O, HO, WO]; an undefined tensor where the
// flag is false. The results do not depend on the thread count.
std::tuple<Tensor, Tensor, Tensor> conv2d_backward(const Tensor& x, const Tensor& weight, const Tensor& grad_out,
                                                   const Conv2dParams& p, bool need_input, bool need_weight,
                                                   bool need_bias);

// Reference for tests: the seven nested loops, in double.
Tensor conv2d_naive(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p);

}  // namespace descent::kernels
