// conv2d as im2col + GEMM: the plain path, which runs on every CPU and which the tuned variants
// are tested against. For float32, conv2d and its backward first offer the work to this CPU's
// tuned kernels (tensor/kernels/simd/conv_tuned.cpp: direct convolution for stride 1), which
// take what their measured rules say they do better; everything else is done here.
//
// Threads split the batch: each task takes whole images and runs its own single-threaded GEMMs
// (kernels::gemm_serial) on them (MEASURED.md: two threads with single-threaded OpenBLAS on half
// the batch each beat OpenBLAS's own threading on these shapes). One im2col buffer of K·L
// elements per task is reused for every image of the task, so it stays in cache between the
// copy and the GEMM. The weight and bias gradients are summed in fixed groups of images
// (kImagesPerPartial, conv.h), so they do not depend on the thread count.
#include "tensor/kernels/conv.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "tensor/factory.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/matmul.h"
#include "tensor/kernels/simd/conv_tuned.h"
#include "tensor/parallel.h"

namespace descent::kernels {
namespace {

// 1×1 kernel, stride 1, no padding: an image [C, H·W] is already its own im2col matrix.
bool pointwise(const Conv2dParams& p) {
  return p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 0 && p.pad_w == 0;
}

// Output columns ow in [lo, hi) read input column ow·stride + offset inside [0, width).
void valid_columns(int64_t offset, int64_t stride, int64_t width, int64_t out_w, int64_t* lo, int64_t* hi) {
  const int64_t first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int64_t end = width - 1 - offset < 0 ? 0 : (width - 1 - offset) / stride + 1;
  *lo = std::min(first, out_w);
  *hi = std::max(*lo, std::min(end, out_w));
}

// One image x: [C, H, W] -> cols: [C·KH·KW, HO·WO]. Row (c, ki, kj) holds, for every output
// pixel (oh, ow), the input pixel (oh·sh − ph + ki·dh, ow·sw − pw + kj·dw), or 0 in the padding.
template <class T>
void im2col_image(const T* x, int64_t C, int64_t H, int64_t W, int64_t HO, int64_t WO, const Conv2dParams& p, T* cols) {
  for (int64_t c = 0; c < C; ++c)
    for (int64_t ki = 0; ki < p.kernel_h; ++ki)
      for (int64_t kj = 0; kj < p.kernel_w; ++kj) {
        T* row = cols + ((c * p.kernel_h + ki) * p.kernel_w + kj) * HO * WO;
        const int64_t col_offset = kj * p.dilation_w - p.pad_w;
        int64_t lo, hi;
        valid_columns(col_offset, p.stride_w, W, WO, &lo, &hi);
        for (int64_t oh = 0; oh < HO; ++oh) {
          T* dst = row + oh * WO;
          const int64_t ih = oh * p.stride_h - p.pad_h + ki * p.dilation_h;
          if (ih < 0 || ih >= H) {
            std::fill(dst, dst + WO, T(0));
            continue;
          }
          const T* src = x + (c * H + ih) * W;
          std::fill(dst, dst + lo, T(0));
          if (p.stride_w == 1) {
            for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = src[ow + col_offset];
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = src[ow * p.stride_w + col_offset];
          }
          std::fill(dst + hi, dst + WO, T(0));
        }
      }
}

// The adjoint: every entry of cols is added to the input pixel it was copied from (x zeroed first
// by the caller). Loops run in a fixed order, so the sums are reproducible.
template <class T>
void col2im_image(const T* cols, int64_t C, int64_t H, int64_t W, int64_t HO, int64_t WO, const Conv2dParams& p, T* x) {
  for (int64_t c = 0; c < C; ++c)
    for (int64_t ki = 0; ki < p.kernel_h; ++ki)
      for (int64_t kj = 0; kj < p.kernel_w; ++kj) {
        const T* row = cols + ((c * p.kernel_h + ki) * p.kernel_w + kj) * HO * WO;
        const int64_t col_offset = kj * p.dilation_w - p.pad_w;
        int64_t lo, hi;
        valid_columns(col_offset, p.stride_w, W, WO, &lo, &hi);
        for (int64_t oh = 0; oh < HO; ++oh) {
          const int64_t ih = oh * p.stride_h - p.pad_h + ki * p.dilation_h;
          if (ih < 0 || ih >= H) continue;
          const T* src = row + oh * WO;
          T* dst = x + (c * H + ih) * W;
          if (p.stride_w == 1) {
            for (int64_t ow = lo; ow < hi; ++ow) dst[ow + col_offset] += src[ow];
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) dst[ow * p.stride_w + col_offset] += src[ow];
          }
        }
      }
}

// out_n = weight · cols_n (+ bias, written first so that one GEMM with beta = 1 adds onto it).
template <class T>
void forward(const T* x, const T* w, const T* b, T* out, const ConvGeometry& g, const Conv2dParams& p) {
  const bool direct_cols = pointwise(p);
  parallel_for(0, g.N, g.images_per_task(g.O * g.K * g.L), [&](int64_t n0, int64_t n1) {
    Tensor buffer = direct_cols ? Tensor() : empty({g.K * g.L}, dtype_of<T>());
    for (int64_t n = n0; n < n1; ++n) {
      const T* x_n = x + n * g.C * g.H * g.W;
      const T* cols = x_n;
      if (!direct_cols) {
        im2col_image(x_n, g.C, g.H, g.W, g.HO, g.WO, p, buffer.data_ptr<T>());
        cols = buffer.data_ptr<T>();
      }
      T* out_n = out + n * g.O * g.L;
      if (b)
        for (int64_t o = 0; o < g.O; ++o) std::fill(out_n + o * g.L, out_n + (o + 1) * g.L, b[o]);
      gemm_serial(false, false, g.O, g.L, g.K, T(1), w, g.K, cols, g.L, T(b ? 1 : 0), out_n, g.L);
    }
  });
}

// grad_x_n = col2im(weightᵀ · g_n)   grad_w = Σ_n g_n · cols_nᵀ   grad_b = Σ_n Σ_pixels g_n
// Any of gx, gw, gb may be null (not wanted, or already computed by a tuned kernel).
template <class T>
void backward(const T* x, const T* w, const T* go, T* gx, T* gw, T* gb, const ConvGeometry& g, const Conv2dParams& p) {
  const bool direct_cols = pointwise(p);
  const int64_t groups = (g.N + kImagesPerPartial - 1) / kImagesPerPartial;
  Tensor partial_w = gw ? empty({groups, g.O, g.K}, dtype_of<T>()) : Tensor();
  Tensor partial_b_sums = gb ? zeros({groups * g.O}, kFloat64) : Tensor();  // in double, then rounded once
  double* partial_b = gb ? partial_b_sums.data_ptr<double>() : nullptr;
  parallel_for(0, groups, 1, [&](int64_t g0, int64_t g1) {
    const bool cols_needed = !direct_cols && (gx || gw);
    Tensor buffer = cols_needed ? empty({g.K * g.L}, dtype_of<T>()) : Tensor();
    T* buf = cols_needed ? buffer.data_ptr<T>() : nullptr;
    for (int64_t group = g0; group < g1; ++group) {
      const int64_t first = group * kImagesPerPartial, last = std::min(g.N, first + kImagesPerPartial);
      for (int64_t n = first; n < last; ++n) {
        const T* x_n = x + n * g.C * g.H * g.W;
        const T* g_n = go + n * g.O * g.L;
        if (gw) {
          const T* cols = x_n;
          if (!direct_cols) {
            im2col_image(x_n, g.C, g.H, g.W, g.HO, g.WO, p, buf);
            cols = buf;
          }
          // [O, L] · [L, K]: cols is [K, L], read transposed
          T* partial = partial_w.data_ptr<T>() + group * g.O * g.K;
          gemm_serial(false, true, g.O, g.K, g.L, T(1), g_n, g.L, cols, g.L, T(n == first ? 0 : 1), partial, g.K);
        }
        if (gb) {
          double* pb = partial_b + group * g.O;
          for (int64_t o = 0; o < g.O; ++o) pb[o] += sum_run(g_n + o * g.L, g.L);
        }
        if (gx) {
          T* gx_n = gx + n * g.C * g.H * g.W;
          if (direct_cols) {  // [K, O] · [O, L] straight into the image (K = C here)
            gemm_serial(true, false, g.K, g.L, g.O, T(1), w, g.K, g_n, g.L, T(0), gx_n, g.L);
          } else {
            gemm_serial(true, false, g.K, g.L, g.O, T(1), w, g.K, g_n, g.L, T(0), buf, g.L);
            std::fill(gx_n, gx_n + g.C * g.H * g.W, T(0));
            col2im_image(buf, g.C, g.H, g.W, g.HO, g.WO, p, gx_n);
          }
        }
      }
    }
  });
  if (gw) sum_partials(partial_w.data_ptr<T>(), groups, g.O * g.K, gw);
  if (gb) sum_partials(partial_b, groups, g.O, gb);
}

}  // namespace

Tensor im2col(const Tensor& x, const Conv2dParams& p) {
  Tensor in = contiguous(x);
  const int64_t N = x.sizes()[0], C = x.sizes()[1], H = x.sizes()[2], W = x.sizes()[3];
  const int64_t HO = p.out_h(H), WO = p.out_w(W), K = C * p.kernel_h * p.kernel_w;
  Tensor out = empty({N, K, HO * WO}, x.dtype());
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = in.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    parallel_for(0, N, std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(K * HO * WO, 1)), [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) im2col_image(src + n * C * H * W, C, H, W, HO, WO, p, dst + n * K * HO * WO);
    });
  });
  return out;
}

Tensor col2im(const Tensor& cols, int64_t C, int64_t H, int64_t W, const Conv2dParams& p) {
  Tensor in = contiguous(cols);
  const int64_t N = cols.sizes()[0], HO = p.out_h(H), WO = p.out_w(W), K = C * p.kernel_h * p.kernel_w;
  Tensor out = empty({N, C, H, W}, cols.dtype());
  dispatch_floating(cols.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = in.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    parallel_for(0, N, std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(K * HO * WO, 1)), [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) {
        std::fill(dst + n * C * H * W, dst + (n + 1) * C * H * W, T(0));
        col2im_image(src + n * K * HO * WO, C, H, W, HO, WO, p, dst + n * C * H * W);
      }
    });
  });
  return out;
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p) {
  Tensor in = contiguous(x), w = contiguous(weight), b = bias.defined() ? contiguous(bias) : Tensor();
  const ConvGeometry g(in, weight.sizes()[0], p);
  Tensor out = empty({g.N, g.O, g.HO, g.WO}, x.dtype());
  if (out.numel() == 0) return out;
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pb = b.defined() ? b.data_ptr<T>() : nullptr;
    if constexpr (std::is_same_v<T, float>) {
      if (simd::conv2d_forward(in.data_ptr<T>(), w.data_ptr<T>(), pb, out.data_ptr<T>(), g, p)) return;
    }
    forward<T>(in.data_ptr<T>(), w.data_ptr<T>(), pb, out.data_ptr<T>(), g, p);
  });
  return out;
}

std::tuple<Tensor, Tensor, Tensor> conv2d_backward(const Tensor& x, const Tensor& weight, const Tensor& grad_out,
                                                   const Conv2dParams& p, bool need_input, bool need_weight,
                                                   bool need_bias) {
  Tensor in = contiguous(x), w = contiguous(weight), go = contiguous(grad_out);
  const ConvGeometry g(in, weight.sizes()[0], p);
  Tensor gx = need_input ? empty(x.sizes(), x.dtype()) : Tensor();
  Tensor gw = need_weight ? empty(weight.sizes(), x.dtype()) : Tensor();
  Tensor gb = need_bias ? empty({g.O}, x.dtype()) : Tensor();
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto ptr = [](const Tensor& t) { return t.defined() ? t.data_ptr<T>() : nullptr; };
    T *px = ptr(gx), *pw = ptr(gw), *pb = ptr(gb);
    if constexpr (std::is_same_v<T, float>) {
      simd::conv2d_backward(in.data_ptr<T>(), w.data_ptr<T>(), go.data_ptr<T>(), px, pw, pb, g, p);  // takes what it can
    }
    if (px || pw || pb) backward<T>(in.data_ptr<T>(), w.data_ptr<T>(), go.data_ptr<T>(), px, pw, pb, g, p);
  });
  return {gx, gw, gb};
}

Tensor conv2d_naive(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p) {
  const ConvGeometry g(x, weight.sizes()[0], p);
  std::vector<double> in = x.to_vector<double>(), w = weight.to_vector<double>();
  std::vector<double> b = bias.defined() ? bias.to_vector<double>() : std::vector<double>(size_t(g.O), 0.0);
  std::vector<double> out(size_t(g.N * g.O * g.L));
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t oh = 0; oh < g.HO; ++oh)
        for (int64_t ow = 0; ow < g.WO; ++ow) {
          double s = b[size_t(o)];
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t ki = 0; ki < p.kernel_h; ++ki)
              for (int64_t kj = 0; kj < p.kernel_w; ++kj) {
                const int64_t ih = oh * p.stride_h - p.pad_h + ki * p.dilation_h;
                const int64_t iw = ow * p.stride_w - p.pad_w + kj * p.dilation_w;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                s += in[size_t(((n * g.C + c) * g.H + ih) * g.W + iw)] *
                     w[size_t(((o * g.C + c) * p.kernel_h + ki) * p.kernel_w + kj)];
              }
          out[size_t(((n * g.O + o) * g.HO + oh) * g.WO + ow)] = s;
        }
  return tensor(out, {g.N, g.O, g.HO, g.WO}, x.dtype());
}

}  // namespace descent::kernels
