// conv2d as im2col + GEMM. Threads split the batch: each task takes whole images and runs its
// own single-threaded GEMMs (kernels::gemm_serial) on them (MEASURED.md: two threads with
// single-threaded OpenBLAS on half the batch each beat OpenBLAS's own threading on these shapes).
// One im2col buffer of K·L elements per task is reused for every image of the task, so it stays
// in cache between the copy and the GEMM. Most stride-1 layers skip im2col for the forward, and
// layers with few input channels (K ≤ 32: a network's first layer) for the weight gradient too,
// running the direct kernels of conv_direct.cpp on each image instead (that file says when).
// The other stride-1 backward passes use that file's flat layout with GEMMs (backward_flat).
//
// The weight gradient is a sum over images. To make it independent of the thread count, images
// are taken in fixed groups of kImagesPerPartial: each group accumulates its own partial sum
// (GEMMs with beta = 1), and the partials are added in group order at the end.
#include "tensor/kernels/conv.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <type_traits>
#include <vector>

#include "tensor/factory.h"
#include "tensor/kernels/conv_direct.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/matmul.h"
#include "tensor/parallel.h"

namespace descent::kernels {
namespace {

constexpr int64_t kImagesPerPartial = 4;
constexpr int64_t kParallelFlops = 1 << 20;  // below this much work per task, stay on one thread

struct Geometry {
  int64_t N, C, H, W, O, HO, WO, K, L;
  Geometry(const Tensor& x, int64_t out_channels, const Conv2dParams& p)
      : N(x.sizes()[0]), C(x.sizes()[1]), H(x.sizes()[2]), W(x.sizes()[3]), O(out_channels), HO(p.out_h(H)),
        WO(p.out_w(W)), K(C * p.kernel_h * p.kernel_w), L(HO * WO) {}
  // 1×1 kernel, stride 1, no padding: an image [C, H·W] is already its own im2col matrix.
  static bool pointwise(const Conv2dParams& p) {
    return p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 0 && p.pad_w == 0;
  }
  // stride_w = 1: im2col rows are runs of consecutive input elements (the fast path below).
  static bool unit_stride(const Conv2dParams& p) { return p.stride_w == 1; }
  int64_t images_per_task(int64_t flops_per_image) const {
    return std::max<int64_t>(1, kParallelFlops / std::max<int64_t>(flops_per_image, 1));
  }
};

// Σ of a contiguous run in double, in eight independent lanes so that the loop vectorizes
// (a single running sum would have to add in order).
template <class T> double sum_run(const T* p, int64_t n) {
  double lanes[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) lanes[k] += double(p[i + k]);
  double s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; i < n; ++i) s += double(p[i]);
  return s;
}

// out[i] = Σ_group partials[group][i], added in group order whatever the threads (so that a
// weight gradient does not depend on how the batch was split).
template <class S, class T> void sum_partials(const S* partials, int64_t groups, int64_t size, T* out) {
  parallel_for(0, size, 1 << 15, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      S s = 0;
      for (int64_t group = 0; group < groups; ++group) s += partials[group * size + i];
      out[i] = T(s);
    }
  });
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

// The fast path for stride_w = 1 (every conv in the examples). Each image is first copied into
// a zero-padded [C, Hp, Wp] buffer; then every piece of an im2col row is WO consecutive elements
// of that buffer, with no clipping at the borders. The general loops above stay the reference
// (and serve other strides and kernels::im2col/col2im); both give the same numbers.
constexpr int64_t kBlock = 16;  // elements per fixed-size copy; buffers get this much slack

// dst[0, n) = src[0, n) in whole blocks of kBlock, so up to kBlock − 1 elements past n are read
// and written too. A fixed-size copy is a vector move or two; a copy of n elements is a loop
// with a scalar tail, and on LeNet's 10- and 28-wide rows that tail was most of im2col's time.
// Callers write pieces in increasing order, so what spills past one piece is overwritten by the
// next, and give both buffers kBlock elements of slack at their end.
template <class T> void copy_blocks(T* dst, const T* src, int64_t n) {
  for (int64_t i = 0; i < n; i += kBlock) std::memcpy(dst + i, src + i, kBlock * sizeof(T));
}

template <class T> void add_run(T* __restrict dst, const T* __restrict src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
}

// A per-task [C, Hp, Wp] buffer (+ slack) whose border is zeroed once and stays zero: load()
// only rewrites the interior.
template <class T> struct PaddedImage {
  int64_t C, H, W, pad_h, pad_w, Hp, Wp;
  Tensor storage;
  T* base;
  PaddedImage(const Geometry& g, const Conv2dParams& p, int64_t slack = kBlock)
      : C(g.C), H(g.H), W(g.W), pad_h(p.pad_h), pad_w(p.pad_w), Hp(g.H + 2 * p.pad_h), Wp(g.W + 2 * p.pad_w),
        storage(zeros({C * Hp * Wp + slack}, dtype_of<T>())), base(storage.data_ptr<T>()) {}
  T* data() const { return base; }
  void load(const T* x) const {
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        std::copy(x + (c * H + h) * W, x + (c * H + h + 1) * W, data() + (c * Hp + h + pad_h) * Wp + pad_w);
  }
  // x = the interior (the adjoint of load, for a gradient accumulated in the buffer)
  void store(T* x) const {
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h) {
        const T* row = data() + (c * Hp + h + pad_h) * Wp + pad_w;
        std::copy(row, row + W, x + (c * H + h) * W);
      }
  }
};

// im2col_image from a padded image; cols needs kBlock elements of slack.
template <class T>
void im2col_padded(const PaddedImage<T>& xp, int64_t HO, int64_t WO, const Conv2dParams& p, T* cols) {
  for (int64_t c = 0; c < xp.C; ++c)
    for (int64_t ki = 0; ki < p.kernel_h; ++ki)
      for (int64_t kj = 0; kj < p.kernel_w; ++kj) {
        T* row = cols + ((c * p.kernel_h + ki) * p.kernel_w + kj) * HO * WO;
        const T* src = xp.data() + (c * xp.Hp + ki * p.dilation_h) * xp.Wp + kj * p.dilation_w;
        for (int64_t oh = 0; oh < HO; ++oh) copy_blocks(row + oh * WO, src + oh * p.stride_h * xp.Wp, WO);
      }
}

// col2im_image into a padded image (zeroed by the caller): the same additions in the same order.
template <class T>
void col2im_padded(const T* cols, int64_t HO, int64_t WO, const Conv2dParams& p, const PaddedImage<T>& xp) {
  for (int64_t c = 0; c < xp.C; ++c)
    for (int64_t ki = 0; ki < p.kernel_h; ++ki)
      for (int64_t kj = 0; kj < p.kernel_w; ++kj) {
        const T* row = cols + ((c * p.kernel_h + ki) * p.kernel_w + kj) * HO * WO;
        T* dst = xp.data() + (c * xp.Hp + ki * p.dilation_h) * xp.Wp + kj * p.dilation_w;
        for (int64_t oh = 0; oh < HO; ++oh) add_run(dst + oh * p.stride_h * xp.Wp, row + oh * WO, WO);
      }
}

// One image's im2col matrix, by whichever path fits; `padded` is null off the fast path.
template <class T>
void image_cols(const T* x_n, const Geometry& g, const Conv2dParams& p, const PaddedImage<T>* padded, T* cols) {
  if (padded) {
    padded->load(x_n);
    im2col_padded(*padded, g.HO, g.WO, p, cols);
  } else {
    im2col_image(x_n, g.C, g.H, g.W, g.HO, g.WO, p, cols);
  }
}

// The direct forward (direct_conv::suits_forward): per image, the padded copy, the direct
// kernel into a flat output, and the crop. Weights and bias are padded to whole tiles once.
void forward_direct(const float* x, const float* w, const float* b, float* out, const Geometry& g,
                    const Conv2dParams& p) {
  const direct_conv::Plan plan(g.C, g.H, g.W, g.O, p);
  Tensor w_tiles = zeros({plan.O_tiles * plan.taps}), b_tiles = zeros({plan.O_tiles});
  std::copy(w, w + g.O * g.K, w_tiles.data_ptr<float>());
  if (b) std::copy(b, b + g.O, b_tiles.data_ptr<float>());
  parallel_for(0, g.N, g.images_per_task(g.O * g.K * g.L), [&](int64_t n0, int64_t n1) {
    const PaddedImage<float> padded(g, p, plan.slack);
    Tensor out_flat = empty({plan.O_tiles * plan.Q_tiles});
    for (int64_t n = n0; n < n1; ++n) {
      padded.load(x + n * g.C * g.H * g.W);
      direct_conv::forward(plan, padded.data(), w_tiles.data_ptr<float>(), b_tiles.data_ptr<float>(),
                           out_flat.data_ptr<float>());
      direct_conv::crop(plan, out_flat.data_ptr<float>(), out + n * g.O * g.L);
    }
  });
}

// out_n = weight · cols_n (+ bias, written first so that one GEMM with beta = 1 adds onto it).
template <class T>
void forward(const T* x, const T* w, const T* b, T* out, const Geometry& g, const Conv2dParams& p) {
  if constexpr (std::is_same_v<T, float>) {
    if (direct_conv::suits_forward(g.C, g.H, g.W, p)) return forward_direct(x, w, b, out, g, p);
  }
  const bool pointwise = Geometry::pointwise(p), fast = !pointwise && Geometry::unit_stride(p);
  parallel_for(0, g.N, g.images_per_task(g.O * g.K * g.L), [&](int64_t n0, int64_t n1) {
    Tensor buffer = pointwise ? Tensor() : empty({g.K * g.L + kBlock}, dtype_of<T>());
    std::optional<PaddedImage<T>> padded;
    if (fast) padded.emplace(g, p);
    for (int64_t n = n0; n < n1; ++n) {
      const T* x_n = x + n * g.C * g.H * g.W;
      const T* cols = x_n;
      if (!pointwise) {
        image_cols(x_n, g, p, padded ? &*padded : nullptr, buffer.data_ptr<T>());
        cols = buffer.data_ptr<T>();
      }
      T* out_n = out + n * g.O * g.L;
      if (b)
        for (int64_t o = 0; o < g.O; ++o) std::fill(out_n + o * g.L, out_n + (o + 1) * g.L, b[o]);
      gemm_serial(false, false, g.O, g.L, g.K, T(1), w, g.K, cols, g.L, T(b ? 1 : 0), out_n, g.L);
    }
  });
}

// Stride 1 in the flat layout of conv_direct.cpp: with q = oh·Wp + ow running over all HO·Wp
// positions of an image (the columns ow >= WO are junk), tap t = (c, ki, kj) of position q reads
// the padded image at q + offset(t). An im2col row is then one contiguous run of the padded image,
// and col2im adds one run back, where the [K, L] layout needs HO runs of WO (10 on LeNet's second
// layer, whose col2im took as long as its GEMM). g is spread into the same layout with zeros in
// the junk columns, so they add nothing to either gradient; the GEMMs grow by Wp / WO. Images of
// a partial-sum group share GEMMs, their flat columns side by side, as many as fit kFlatBudget.
//   cols: [K, m·Q]   g_flat: [O, m·Q]   grad_w += g_flat · colsᵀ   cols = weightᵀ · g_flat
constexpr int64_t kFlatBudget = 1 << 17;  // elements of one task's cols buffer (512 KiB in float)

template <class T>
void backward_flat(const T* x, const T* w, const T* go, T* gx, T* gw, T* gb, const Geometry& g,
                   const Conv2dParams& p) {
  const int64_t Hp = g.H + 2 * p.pad_h, Wp = g.W + 2 * p.pad_w, Q = g.HO * Wp;
  const int64_t slack = (p.kernel_w - 1) * p.dilation_w;  // the last tap's run ends this far past the image
  const int64_t per_gemm = std::clamp(kFlatBudget / (g.K * Q), int64_t(1), kImagesPerPartial);
  const int64_t ld = per_gemm * Q;  // a fixed row length, so the junk columns stay where the zeros are
  Tensor offsets_storage = empty({g.K}, kInt64);
  int64_t* offsets = offsets_storage.data_ptr<int64_t>();
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t ki = 0; ki < p.kernel_h; ++ki)
      for (int64_t kj = 0; kj < p.kernel_w; ++kj)
        offsets[(c * p.kernel_h + ki) * p.kernel_w + kj] = (c * Hp + ki * p.dilation_h) * Wp + kj * p.dilation_w;
  const int64_t groups = (g.N + kImagesPerPartial - 1) / kImagesPerPartial;
  Tensor partial_w = gw ? empty({groups, g.O, g.K}, dtype_of<T>()) : Tensor();
  Tensor partial_b_sums = gb ? zeros({groups * g.O}, kFloat64) : Tensor();
  double* partial_b = gb ? partial_b_sums.data_ptr<double>() : nullptr;
  parallel_for(0, groups, 1, [&](int64_t g0, int64_t g1) {
    Tensor cols_storage = empty({g.K * ld}, dtype_of<T>()), g_storage = zeros({g.O * ld}, dtype_of<T>());
    T* cols = cols_storage.data_ptr<T>();
    T* g_flat = g_storage.data_ptr<T>();
    std::optional<PaddedImage<T>> padded, padded_grad;
    if (gw) padded.emplace(g, p, slack);
    if (gx) padded_grad.emplace(g, p, slack);
    for (int64_t group = g0; group < g1; ++group) {
      const int64_t group_end = std::min(g.N, (group + 1) * kImagesPerPartial);
      for (int64_t first = group * kImagesPerPartial; first < group_end; first += per_gemm) {
        const int64_t m = std::min(per_gemm, group_end - first);
        for (int64_t i = 0; i < m; ++i) {
          const T* g_n = go + (first + i) * g.O * g.L;
          for (int64_t o = 0; o < g.O; ++o)
            for (int64_t oh = 0; oh < g.HO; ++oh)
              std::copy(g_n + (o * g.HO + oh) * g.WO, g_n + (o * g.HO + oh + 1) * g.WO, g_flat + o * ld + i * Q + oh * Wp);
          if (gb) {
            double* pb = partial_b + group * g.O;
            for (int64_t o = 0; o < g.O; ++o) pb[o] += sum_run(g_n + o * g.L, g.L);
          }
        }
        if (gw) {
          for (int64_t i = 0; i < m; ++i) {
            padded->load(x + (first + i) * g.C * g.H * g.W);
            for (int64_t t = 0; t < g.K; ++t) {
              const T* run = padded->data() + offsets[t];
              std::copy(run, run + Q, cols + t * ld + i * Q);
            }
          }
          T* partial = partial_w.data_ptr<T>() + group * g.O * g.K;
          const bool accumulate = first > group * kImagesPerPartial;
          gemm_serial(false, true, g.O, g.K, m * Q, T(1), g_flat, ld, cols, ld, T(accumulate ? 1 : 0), partial, g.K);
        }
        if (gx) {
          gemm_serial(true, false, g.K, m * Q, g.O, T(1), w, g.K, g_flat, ld, T(0), cols, ld);
          T* gp = padded_grad->data();
          for (int64_t i = 0; i < m; ++i) {
            std::fill(gp, gp + g.C * Hp * Wp, T(0));
            // Taps in (ki, kj, c) order: consecutive runs then land in different channels. In
            // (c, ki, kj) order each run overlaps the previous one shifted by one element, and
            // every load waited for the store just before it.
            for (int64_t kk = 0; kk < p.kernel_h * p.kernel_w; ++kk)
              for (int64_t c = 0; c < g.C; ++c) {
                const int64_t t = c * p.kernel_h * p.kernel_w + kk;
                add_run(gp + offsets[t], cols + t * ld + i * Q, Q);
              }
            padded_grad->store(gx + (first + i) * g.C * g.H * g.W);
          }
        }
      }
    }
  });
  if (gw) sum_partials(partial_w.data_ptr<T>(), groups, g.O * g.K, gw);
  if (gb) sum_partials(partial_b, groups, g.O, gb);
}

// grad_x_n = col2im(weightᵀ · g_n)   grad_w = Σ_n g_n · cols_nᵀ   grad_b = Σ_n Σ_pixels g_n
template <class T>
void backward(const T* x, const T* w, const T* go, T* gx, T* gw, T* gb, const Geometry& g, const Conv2dParams& p) {
  const bool pointwise = Geometry::pointwise(p), fast = !pointwise && Geometry::unit_stride(p);
  // A first layer's weight gradient takes the direct kernel (the input gradient never does).
  const bool direct = std::is_same_v<T, float> && gw && direct_conv::suits_weight_grad(g.C, p);
  if (p.stride_h == 1 && p.stride_w == 1 && !pointwise && !direct) return backward_flat(x, w, go, gx, gw, gb, g, p);
  std::optional<direct_conv::Plan> plan;
  if (direct) plan.emplace(g.C, g.H, g.W, g.O, p);
  const int64_t groups = (g.N + kImagesPerPartial - 1) / kImagesPerPartial;
  Tensor partial_w = gw ? empty({groups, g.O, g.K}, dtype_of<T>()) : Tensor();
  Tensor partial_b_sums = gb ? zeros({groups * g.O}, kFloat64) : Tensor();  // in double, then rounded once
  double* partial_b = gb ? partial_b_sums.data_ptr<double>() : nullptr;
  parallel_for(0, groups, 1, [&](int64_t g0, int64_t g1) {
    const bool cols_needed = !pointwise && (gx || (gw && !direct));
    Tensor buffer = cols_needed ? empty({g.K * g.L + kBlock}, dtype_of<T>()) : Tensor();
    T* buf = cols_needed ? buffer.data_ptr<T>() : nullptr;
    std::optional<PaddedImage<T>> padded, padded_grad;  // the image, and its gradient being summed
    if (direct) padded.emplace(g, p, plan->slack);
    else if (fast && gw) padded.emplace(g, p);
    if (fast && gx) padded_grad.emplace(g, p);
    Tensor g_flat = direct ? zeros({plan->O_tiles * plan->Q_tiles}, dtype_of<T>()) : Tensor();
    for (int64_t group = g0; group < g1; ++group) {
      const int64_t first = group * kImagesPerPartial, last = std::min(g.N, first + kImagesPerPartial);
      for (int64_t n = first; n < last; ++n) {
        const T* x_n = x + n * g.C * g.H * g.W;
        const T* g_n = go + n * g.O * g.L;
        T* partial = gw ? partial_w.data_ptr<T>() + group * g.O * g.K : nullptr;
        if (direct) {
          if constexpr (std::is_same_v<T, float>) {
            padded->load(x_n);
            direct_conv::spread(*plan, g_n, g_flat.data_ptr<float>());
            direct_conv::weight_grad(*plan, padded->data(), g_flat.data_ptr<float>(), partial, n != first);
          }
        } else if (gw) {
          const T* cols = x_n;
          if (!pointwise) {
            image_cols(x_n, g, p, padded ? &*padded : nullptr, buf);
            cols = buf;
          }
          // [O, L] · [L, K]: cols is [K, L], read transposed
          gemm_serial(false, true, g.O, g.K, g.L, T(1), g_n, g.L, cols, g.L, T(n == first ? 0 : 1), partial, g.K);
        }
        if (gb) {
          double* pb = partial_b + group * g.O;
          for (int64_t o = 0; o < g.O; ++o) pb[o] += sum_run(g_n + o * g.L, g.L);
        }
        if (gx) {
          T* gx_n = gx + n * g.C * g.H * g.W;
          if (pointwise) {  // [K, O] · [O, L] straight into the image (K = C here)
            gemm_serial(true, false, g.K, g.L, g.O, T(1), w, g.K, g_n, g.L, T(0), gx_n, g.L);
          } else {
            gemm_serial(true, false, g.K, g.L, g.O, T(1), w, g.K, g_n, g.L, T(0), buf, g.L);
            if (padded_grad) {
              T* gp = padded_grad->data();
              std::fill(gp, gp + g.C * padded_grad->Hp * padded_grad->Wp, T(0));
              col2im_padded(buf, g.HO, g.WO, p, *padded_grad);
              padded_grad->store(gx_n);
            } else {
              std::fill(gx_n, gx_n + g.C * g.H * g.W, T(0));
              col2im_image(buf, g.C, g.H, g.W, g.HO, g.WO, p, gx_n);
            }
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
  const Geometry g(in, weight.sizes()[0], p);
  Tensor out = empty({g.N, g.O, g.HO, g.WO}, x.dtype());
  if (out.numel() == 0) return out;
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    forward<T>(in.data_ptr<T>(), w.data_ptr<T>(), b.defined() ? b.data_ptr<T>() : nullptr, out.data_ptr<T>(), g, p);
  });
  return out;
}

std::tuple<Tensor, Tensor, Tensor> conv2d_backward(const Tensor& x, const Tensor& weight, const Tensor& grad_out,
                                                   const Conv2dParams& p, bool need_input, bool need_weight,
                                                   bool need_bias) {
  Tensor in = contiguous(x), w = contiguous(weight), go = contiguous(grad_out);
  const Geometry g(in, weight.sizes()[0], p);
  Tensor gx = need_input ? empty(x.sizes(), x.dtype()) : Tensor();
  Tensor gw = need_weight ? empty(weight.sizes(), x.dtype()) : Tensor();
  Tensor gb = need_bias ? empty({g.O}, x.dtype()) : Tensor();
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto ptr = [](const Tensor& t) { return t.defined() ? t.data_ptr<T>() : nullptr; };
    backward<T>(in.data_ptr<T>(), w.data_ptr<T>(), go.data_ptr<T>(), ptr(gx), ptr(gw), ptr(gb), g, p);
  });
  return {gx, gw, gb};
}

Tensor conv2d_naive(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p) {
  const Geometry g(x, weight.sizes()[0], p);
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
