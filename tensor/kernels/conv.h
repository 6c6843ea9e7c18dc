#pragma once
// 2-D convolution kernels: im2col / col2im and conv2d forward and backward as im2col + GEMM.
// They record no graph (autograd/ops/conv.cpp does) and assume checked arguments: contiguous
// float tensors of one dtype, shapes that fit. Read autograd/ops/conv.cpp next.
//
// Shapes, used throughout:  x: [N, C, H, W]   weight: [O, C, KH, KW]   out: [N, O, HO, WO]
//   K = C·KH·KW (one column of im2col per output pixel)   L = HO·WO (output pixels per image)
// so one image's convolution is the GEMM  out_n[O, L] = weight[O, K] · cols_n[K, L].
#include <algorithm>
#include <tuple>

#include "tensor/parallel.h"
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

// ---- Shared by conv.cpp and the tuned variants (tensor/kernels/simd/conv_tuned.cpp) --------

// The sizes of one convolution, named as above.
struct ConvGeometry {
  int64_t N, C, H, W, O, HO, WO, K, L;
  ConvGeometry(const Tensor& x, int64_t out_channels, const Conv2dParams& p)
      : N(x.sizes()[0]), C(x.sizes()[1]), H(x.sizes()[2]), W(x.sizes()[3]), O(out_channels), HO(p.out_h(H)),
        WO(p.out_w(W)), K(C * p.kernel_h * p.kernel_w), L(HO * WO) {}
  // Threads take whole images, enough of them for about 2^20 multiply-adds per task.
  int64_t images_per_task(int64_t flops_per_image) const {
    return std::max<int64_t>(1, (int64_t(1) << 20) / std::max<int64_t>(flops_per_image, 1));
  }
};

// The weight and bias gradients are sums over images. So that they do not depend on the thread
// count, images are taken in fixed groups of kImagesPerPartial: each group sums into its own
// partial, and the partials are added in group order at the end (sum_partials).
inline constexpr int64_t kImagesPerPartial = 4;

// out[i] = Σ_group partials[group·size + i], in group order.
template <class S, class T> void sum_partials(const S* partials, int64_t groups, int64_t size, T* out) {
  parallel_for(0, size, 1 << 15, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      S s = 0;
      for (int64_t group = 0; group < groups; ++group) s += partials[group * size + i];
      out[i] = T(s);
    }
  });
}

// Σ of a contiguous run in double (a bias gradient's share of one image), in eight lanes so that
// the loop vectorizes.
template <class T> double sum_run(const T* p, int64_t n) {
  double lanes[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) lanes[k] += double(p[i + k]);
  double s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; i < n; ++i) s += double(p[i]);
  return s;
}

}  // namespace descent::kernels
