// Pooling kernels, one plane [H, W] at a time; planes are independent, so threads split them
// and every result (including the scatter's sums) is the same on any thread count.
// Window of output (oh, ow): rows oh·sh − ph .. + KH, columns ow·sw − pw .. + KW, clipped to
// the image for max pooling (padding never wins) and for the sums of average pooling.
#include "tensor/kernels/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "tensor/factory.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/loop.h"
#include "tensor/kernels/simd/kernels.h"

namespace descent::kernels {
namespace {

struct Planes {
  int64_t count, H, W, HO, WO;
};

Dims with_plane_size(const Dims& sizes, int64_t h, int64_t w) {
  Dims s = sizes;
  s[s.size() - 2] = h;
  s[s.size() - 1] = w;
  return s;
}

int64_t planes_per_task(int64_t plane_work) { return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(plane_work, 1)); }

// The window of one output element, clipped to [0, H) × [0, W).
struct Window {
  int64_t h0, h1, w0, w1;
  Window(int64_t oh, int64_t ow, const Pool2dParams& p, int64_t H, int64_t W) {
    h0 = oh * p.stride_h - p.pad_h;
    w0 = ow * p.stride_w - p.pad_w;
    h1 = std::min(h0 + p.kernel_h, H);
    w1 = std::min(w0 + p.kernel_w, W);
    h0 = std::max<int64_t>(h0, 0);
    w0 = std::max<int64_t>(w0, 0);
  }
};

// The common 2×2 / stride 2 / no padding case, one output row from input rows r and r + W.
// The same rule as the general loop below (candidates in scan order; a larger value or a NaN
// takes over), written with selects instead of branches: on real data a branch per candidate
// is mispredicted about half the time. Rows are short (LeNet's have 14 and 5 outputs), too
// short for a vectorized loop over the row to ever start, so each row goes in chunks of fixed
// length, which the compiler vectorizes whole. A chunk reads 2·kChunk elements of each row,
// past the row's end into the next one (those lanes are dropped); only where that would run
// past the end of the input (`end`) are the rows first copied into padded local arrays.
template <class T>
void max_pool_2x2_row(const T* r, int64_t W, int64_t WO, int64_t first_index, const T* end, T* out,
                      int64_t* indices) {
  constexpr int64_t kChunk = 16;
  for (int64_t ow0 = 0; ow0 < WO; ow0 += kChunk) {
    const int64_t n = std::min(kChunk, WO - ow0);
    const T* top = r + 2 * ow0;
    const T* bottom = top + W;
    T top_copy[2 * kChunk] = {}, bottom_copy[2 * kChunk] = {};
    if (bottom + 2 * kChunk > end) {
      std::copy(top, top + 2 * n, top_copy);
      std::copy(bottom, bottom + 2 * n, bottom_copy);
      top = top_copy;
      bottom = bottom_copy;
    }
    T best[kChunk];
    int64_t at[kChunk];
    for (int64_t k = 0; k < kChunk; ++k) {
      const T a = top[2 * k], b = top[2 * k + 1], c = bottom[2 * k], d = bottom[2 * k + 1];
      T m = a;
      int64_t offset = 0;
      const bool take_b = b > m || std::isnan(b);
      m = take_b ? b : m;
      offset = take_b ? 1 : offset;
      const bool take_c = c > m || std::isnan(c);
      m = take_c ? c : m;
      offset = take_c ? W : offset;
      const bool take_d = d > m || std::isnan(d);
      m = take_d ? d : m;
      offset = take_d ? W + 1 : offset;
      best[k] = m;
      at[k] = first_index + 2 * (ow0 + k) + offset;
    }
    std::copy(best, best + n, out + ow0);
    std::copy(at, at + n, indices + ow0);
  }
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d(const Tensor& x, const Pool2dParams& p) {
  Tensor in = contiguous(x);
  const int64_t H = x.sizes()[size_t(x.dim() - 2)], W = x.sizes().back();
  const Planes pl{H * W == 0 ? 0 : x.numel() / (H * W), H, W, p.out_h(H), p.out_w(W)};
  const Dims out_shape = with_plane_size(x.sizes(), pl.HO, pl.WO);
  Tensor out = empty(out_shape, x.dtype()), indices = empty(out_shape, kInt64);
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = in.data_ptr<T>();
    const T* src_end = src + in.numel();
    T* dst = out.data_ptr<T>();
    int64_t* idx = indices.data_ptr<int64_t>();
    const bool pairs = p.kernel_h == 2 && p.kernel_w == 2 && p.stride_h == 2 && p.stride_w == 2 && p.pad_h == 0 &&
                       p.pad_w == 0;
    // This CPU's vectorized kernel for the 2×2 case, in float32 (tensor/kernels/simd/isa/pool.cpp)
    simd::MaxPool2x2Fn tuned = nullptr;
    if constexpr (std::is_same_v<T, float>)
      if (pairs && H * W < (int64_t(1) << 31)) tuned = simd::active().max_pool_2x2;
    parallel_for(0, pl.count, planes_per_task(H * W), [&](int64_t b, int64_t e) {
      for (int64_t plane = b; plane < e; ++plane) {
        const T* xp = src + plane * H * W;
        T* op = dst + plane * pl.HO * pl.WO;
        int64_t* ip = idx + plane * pl.HO * pl.WO;
        if constexpr (std::is_same_v<T, float>) {
          if (tuned) {
            tuned(xp, H, W, op, ip);
            continue;
          }
        }
        if (pairs) {
          for (int64_t oh = 0; oh < pl.HO; ++oh)
            max_pool_2x2_row(xp + 2 * oh * W, W, pl.WO, 2 * oh * W, src_end, op + oh * pl.WO, ip + oh * pl.WO);
          continue;
        }
        for (int64_t oh = 0; oh < pl.HO; ++oh)
          for (int64_t ow = 0; ow < pl.WO; ++ow) {
            const Window win(oh, ow, p, H, W);
            T best = -std::numeric_limits<T>::infinity();
            int64_t at = win.h0 * W + win.w0;
            for (int64_t ih = win.h0; ih < win.h1; ++ih)
              for (int64_t iw = win.w0; iw < win.w1; ++iw) {
                const T v = xp[ih * W + iw];
                if (v > best || std::isnan(v)) {  // as PyTorch: a NaN replaces anything
                  best = v;
                  at = ih * W + iw;
                }
              }
            op[oh * pl.WO + ow] = best;
            ip[oh * pl.WO + ow] = at;
          }
      }
    });
  });
  return {out, indices};
}

Tensor max_pool2d_scatter(const Tensor& grad_out, const Tensor& indices, int64_t H, int64_t W) {
  Tensor g = contiguous(grad_out), ix = contiguous(indices);
  const int64_t per_plane = grad_out.sizes()[size_t(grad_out.dim() - 2)] * grad_out.sizes().back();
  const int64_t planes = per_plane == 0 ? 0 : grad_out.numel() / per_plane;
  Tensor out = empty(with_plane_size(grad_out.sizes(), H, W), grad_out.dtype());
  dispatch_floating(grad_out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = g.data_ptr<T>();
    const int64_t* idx = ix.data_ptr<int64_t>();
    T* dst = out.data_ptr<T>();
    parallel_for(0, planes, planes_per_task(H * W + per_plane), [&](int64_t b, int64_t e) {
      for (int64_t plane = b; plane < e; ++plane) {
        T* gp = dst + plane * H * W;
        std::fill(gp, gp + H * W, T(0));  // zeroed here, while the plane is about to be in cache
        for (int64_t i = plane * per_plane, end = i + per_plane; i < end; ++i) gp[idx[i]] += src[i];
      }
    });
  });
  return out;
}

namespace {
// The number average pooling divides a window's sum by (PyTorch's avg_pool2d rule): the window
// clipped to the padded image when padding counts, else clipped to the image itself.
int64_t divisor(int64_t oh, int64_t ow, const Pool2dParams& p, int64_t H, int64_t W) {
  if (!p.count_include_pad) {
    const Window win(oh, ow, p, H, W);
    return (win.h1 - win.h0) * (win.w1 - win.w0);
  }
  const int64_t h0 = oh * p.stride_h - p.pad_h, w0 = ow * p.stride_w - p.pad_w;
  return (std::min(h0 + p.kernel_h, H + p.pad_h) - h0) * (std::min(w0 + p.kernel_w, W + p.pad_w) - w0);
}
}  // namespace

Tensor avg_pool2d(const Tensor& x, const Pool2dParams& p) {
  Tensor in = contiguous(x);
  const int64_t H = x.sizes()[size_t(x.dim() - 2)], W = x.sizes().back(), HO = p.out_h(H), WO = p.out_w(W);
  const int64_t planes = H * W == 0 ? 0 : x.numel() / (H * W);
  Tensor out = empty(with_plane_size(x.sizes(), HO, WO), x.dtype());
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = in.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    parallel_for(0, planes, planes_per_task(H * W), [&](int64_t b, int64_t e) {
      for (int64_t plane = b; plane < e; ++plane) {
        const T* xp = src + plane * H * W;
        T* op = dst + plane * HO * WO;
        for (int64_t oh = 0; oh < HO; ++oh)
          for (int64_t ow = 0; ow < WO; ++ow) {
            const Window win(oh, ow, p, H, W);
            T s = 0;
            for (int64_t ih = win.h0; ih < win.h1; ++ih)
              for (int64_t iw = win.w0; iw < win.w1; ++iw) s += xp[ih * W + iw];
            op[oh * WO + ow] = s / T(divisor(oh, ow, p, H, W));
          }
      }
    });
  });
  return out;
}

Tensor avg_pool2d_backward(const Tensor& grad_out, int64_t H, int64_t W, const Pool2dParams& p) {
  Tensor g = contiguous(grad_out);
  const int64_t HO = grad_out.sizes()[size_t(grad_out.dim() - 2)], WO = grad_out.sizes().back();
  const int64_t planes = HO * WO == 0 ? 0 : grad_out.numel() / (HO * WO);
  Tensor out = empty(with_plane_size(grad_out.sizes(), H, W), grad_out.dtype());
  dispatch_floating(grad_out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = g.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    parallel_for(0, planes, planes_per_task(H * W), [&](int64_t b, int64_t e) {
      for (int64_t plane = b; plane < e; ++plane) {
        const T* gp = src + plane * HO * WO;
        T* xp = dst + plane * H * W;
        std::fill(xp, xp + H * W, T(0));
        for (int64_t oh = 0; oh < HO; ++oh)
          for (int64_t ow = 0; ow < WO; ++ow) {
            const Window win(oh, ow, p, H, W);
            const T share = gp[oh * WO + ow] / T(divisor(oh, ow, p, H, W));
            for (int64_t ih = win.h0; ih < win.h1; ++ih)
              for (int64_t iw = win.w0; iw < win.w1; ++iw) xp[ih * W + iw] += share;
          }
      }
    });
  });
  return out;
}

}  // namespace descent::kernels
