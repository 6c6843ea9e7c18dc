// conv2d's tuned strategies (stride 1): the direct kernels of this CPU's table (isa/
// conv_direct.cpp) in the flat layout, and GEMMs in that layout. Compiled once; the plain path,
// im2col + GEMM in tensor/kernels/conv.cpp, calls these first and does what they leave.
//
// The flat layout. Pad an image to [C, Hp, Wp]. Output pixel (oh, ow) reads, for tap
// t = (c, ki, kj), element q + offset(t) with q = oh·Wp + ow and offset(t) = c·Hp·Wp +
// ki·dh·Wp + kj·dw. Letting q run over all of [0, HO·Wp) — the columns ow >= WO are junk,
// cropped afterwards — every tap becomes one contiguous run of the image:
//   forward          out[o][q] = b[o] + Σ_t w[o][t] · x_pad[q + offset(t)]
//   weight gradient  dL/dw[o][t] = Σ_q g_flat[o][q] · x_pad[q + offset(t)]   (g_flat: g at the
//                    valid pixels, zeros in the junk columns, so they add nothing)
//   input gradient   the forward again, run on g padded by (KH−1)·dh − ph rows and
//                    (KW−1)·dw − pw columns, with the kernel flipped and its two channel dims
//                    swapped: dL/dx[c][ih][iw] = Σ_{o,ki,kj} w[o][c][KH−1−ki][KW−1−kj] ·
//                    g_pad[o][ih + ki·dh][iw + kj·dw]
// Junk columns cost work (Wp / WO more), so the rules in the table say where this still wins.
//
// Which pass of which layer runs direct, on each CPU, is the table's rule (conv_direct in
// isa/table.cpp, measured per instruction set); the gradients it leaves go to GEMMs in the flat
// layout (backward_flat below), the forward to im2col + GEMM.
#include "tensor/kernels/simd/conv_tuned.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "tensor/factory.h"
#include "tensor/kernels/matmul.h"
#include "tensor/kernels/simd/kernels.h"
#include "tensor/parallel.h"

namespace descent::kernels::simd {
namespace {

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// A per-task zero-padded copy of an image [C, H, W] -> [C, H + 2·pad_h, W + 2·pad_w], followed
// by `slack` zeros for the reads of the last tiles. The border is zeroed once and stays zero:
// load() rewrites only the interior.
struct PaddedImage {
  int64_t C, H, W, pad_h, pad_w, Hp, Wp;
  Tensor storage;
  float* data;
  PaddedImage(int64_t channels, int64_t height, int64_t width, int64_t ph, int64_t pw, int64_t slack)
      : C(channels), H(height), W(width), pad_h(ph), pad_w(pw), Hp(height + 2 * ph), Wp(width + 2 * pw),
        storage(zeros({C * Hp * Wp + slack})), data(storage.data_ptr<float>()) {}
  void load(const float* x) const {
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        std::memcpy(data + (c * Hp + h + pad_h) * Wp + pad_w, x + (c * H + h) * W, W * sizeof(float));
  }
  // x = the interior (the adjoint of load, for a gradient summed in the buffer)
  void store(float* x) const {
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        std::memcpy(x + (c * H + h) * W, data + (c * Hp + h + pad_h) * Wp + pad_w, W * sizeof(float));
  }
};

// offset(t) for taps t = (c, ki, kj) over `channels` padded planes [Hp, Wp]; zeros past the
// last tap up to `count`.
Tensor tap_offsets(int64_t channels, const Conv2dParams& p, int64_t Hp, int64_t Wp, int64_t count) {
  Tensor t = zeros({count}, kInt64);
  int64_t* offsets = t.data_ptr<int64_t>();
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t ki = 0; ki < p.kernel_h; ++ki)
      for (int64_t kj = 0; kj < p.kernel_w; ++kj)
        offsets[(c * p.kernel_h + ki) * p.kernel_w + kj] = (c * Hp + ki * p.dilation_h) * Wp + kj * p.dilation_w;
  return t;
}

// Weights for the direct forward: w[o][t] = value(o, t), o < rows (a multiple of `tile`, zero
// past `real_rows`), laid out [rows / tile][taps][tile].
template <class Value> Tensor pack_weights(int64_t real_rows, int64_t taps, int64_t rows, int64_t tile, Value value) {
  Tensor packed = zeros({rows * taps});
  float* w = packed.data_ptr<float>();
  for (int64_t o = 0; o < real_rows; ++o)
    for (int64_t t = 0; t < taps; ++t) w[(o / tile * taps + t) * tile + o % tile] = value(o, t);
  return packed;
}

// out: [rows, height, width] = the valid part of flat: [rows, positions] with rows `stride` wide.
void crop(const float* flat, int64_t positions, int64_t stride, int64_t rows, int64_t height, int64_t width,
          float* out) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t h = 0; h < height; ++h)
      std::memcpy(out + (r * height + h) * width, flat + r * positions + h * stride, width * sizeof(float));
}

// ---- Forward --------------------------------------------------------------------------------

// Per image: the padded copy, the direct kernel into a flat output, and the crop.
void forward_direct(const Kernels& k, const float* x, const float* w, const float* b, float* out,
                    const ConvGeometry& g, const Conv2dParams& p) {
  const int64_t Hp = g.H + 2 * p.pad_h, Wp = g.W + 2 * p.pad_w;
  const int64_t rows = round_up(g.O, k.conv_row_tile), positions = round_up(g.HO * Wp, k.conv_position_tile);
  const Tensor offsets = tap_offsets(g.C, p, Hp, Wp, g.K);
  const Tensor packed = pack_weights(g.O, g.K, rows, k.conv_row_tile, [&](int64_t o, int64_t t) { return w[o * g.K + t]; });
  Tensor bias = zeros({rows});
  if (b) std::memcpy(bias.data_ptr<float>(), b, g.O * sizeof(float));
  const FlatConv conv{g.K, offsets.data_ptr<int64_t>(), rows, positions};
  const int64_t slack = positions - g.HO * Wp + (p.kernel_w - 1) * p.dilation_w;
  parallel_for(0, g.N, g.images_per_task(g.O * g.K * g.L), [&](int64_t n0, int64_t n1) {
    const PaddedImage padded(g.C, g.H, g.W, p.pad_h, p.pad_w, slack);
    Tensor flat = empty({rows * positions});
    for (int64_t n = n0; n < n1; ++n) {
      padded.load(x + n * g.C * g.H * g.W);
      k.conv_forward(conv, padded.data, packed.data_ptr<float>(), bias.data_ptr<float>(), flat.data_ptr<float>());
      crop(flat.data_ptr<float>(), positions, Wp, g.O, g.HO, g.WO, out + n * g.O * g.L);
    }
  });
}

// ---- Input gradient -------------------------------------------------------------------------

// The padding of g that turns the input gradient into a forward (the file's comment); negative
// when the layer's own padding exceeds the kernel's reach (then this strategy does not apply).
int64_t transposed_pad(int64_t kernel, int64_t dilation, int64_t pad) { return (kernel - 1) * dilation - pad; }

void input_grad_direct(const Kernels& k, const float* w, const float* go, float* gx, const ConvGeometry& g,
                       const Conv2dParams& p) {
  const int64_t KH = p.kernel_h, KW = p.kernel_w;
  const int64_t Ph = transposed_pad(KH, p.dilation_h, p.pad_h), Pw = transposed_pad(KW, p.dilation_w, p.pad_w);
  const int64_t Hgp = g.HO + 2 * Ph, Wgp = g.WO + 2 * Pw, taps = g.O * KH * KW;
  const int64_t rows = round_up(g.C, k.conv_row_tile), positions = round_up(g.H * Wgp, k.conv_position_tile);
  const Tensor offsets = tap_offsets(g.O, p, Hgp, Wgp, taps);
  // row c, tap (o, ki, kj) = w[o][c][KH−1−ki][KW−1−kj]
  const Tensor packed = pack_weights(g.C, taps, rows, k.conv_row_tile, [&](int64_t c, int64_t t) {
    const int64_t o = t / (KH * KW), ki = t / KW % KH, kj = t % KW;
    return w[((o * g.C + c) * KH + KH - 1 - ki) * KW + KW - 1 - kj];
  });
  const FlatConv conv{taps, offsets.data_ptr<int64_t>(), rows, positions};
  const int64_t slack = positions - g.H * Wgp + (KW - 1) * p.dilation_w;
  parallel_for(0, g.N, g.images_per_task(g.O * g.K * g.L), [&](int64_t n0, int64_t n1) {
    const PaddedImage padded(g.O, g.HO, g.WO, Ph, Pw, slack);
    Tensor flat = empty({rows * positions});
    for (int64_t n = n0; n < n1; ++n) {
      padded.load(go + n * g.O * g.L);
      k.conv_forward(conv, padded.data, packed.data_ptr<float>(), nullptr, flat.data_ptr<float>());
      crop(flat.data_ptr<float>(), positions, Wgp, g.C, g.H, g.W, gx + n * g.C * g.H * g.W);
    }
  });
}

// ---- Weight gradient ------------------------------------------------------------------------

// Images in groups of kImagesPerPartial (conv.h): each group's padded images and flat gradients
// go to the kernel together, which writes the group's partial sum; the partials are added in
// group order at the end. The bias gradient comes along, from the same pass over g.
void weight_grad_direct(const Kernels& k, const float* x, const float* go, float* gw, float* gb,
                        const ConvGeometry& g, const Conv2dParams& p) {
  const int64_t Hp = g.H + 2 * p.pad_h, Wp = g.W + 2 * p.pad_w;
  const int64_t positions = round_up(g.HO * Wp, k.grad_position_tile);
  const int64_t rows = round_up(g.O, k.grad_row_tile);
  const Tensor offsets = tap_offsets(g.C, p, Hp, Wp, round_up(g.K, k.grad_tap_tile));
  const FlatConv conv{g.K, offsets.data_ptr<int64_t>(), rows, positions};
  const int64_t slack = positions - g.HO * Wp + (p.kernel_w - 1) * p.dilation_w;
  const int64_t groups = (g.N + kImagesPerPartial - 1) / kImagesPerPartial;
  Tensor partial_w = empty({groups, g.O, g.K});
  Tensor partial_b_sums = gb ? zeros({groups * g.O}, kFloat64) : Tensor();
  parallel_for(0, groups, 1, [&](int64_t g0, int64_t g1) {
    std::optional<PaddedImage> padded[kImagesPerPartial];
    Tensor flat_g[kImagesPerPartial];
    Tensor workspace = empty({round_up(g.K, k.grad_tap_tile) * k.grad_row_tile * k.grad_position_tile});
    const float* xs[kImagesPerPartial];
    const float* gs[kImagesPerPartial];
    for (int64_t i = 0; i < kImagesPerPartial; ++i) {
      padded[i].emplace(g.C, g.H, g.W, p.pad_h, p.pad_w, slack);
      flat_g[i] = zeros({rows * positions});  // junk columns and padding rows stay zero
      xs[i] = padded[i]->data;
      gs[i] = flat_g[i].data_ptr<float>();
    }
    for (int64_t group = g0; group < g1; ++group) {
      const int64_t first = group * kImagesPerPartial, m = std::min(kImagesPerPartial, g.N - first);
      for (int64_t i = 0; i < m; ++i) {
        const float* g_n = go + (first + i) * g.O * g.L;
        padded[i]->load(x + (first + i) * g.C * g.H * g.W);
        float* flat = flat_g[i].data_ptr<float>();
        for (int64_t o = 0; o < g.O; ++o)
          for (int64_t oh = 0; oh < g.HO; ++oh)
            std::memcpy(flat + o * positions + oh * Wp, g_n + (o * g.HO + oh) * g.WO, g.WO * sizeof(float));
        if (gb) {
          double* pb = partial_b_sums.data_ptr<double>() + group * g.O;
          for (int64_t o = 0; o < g.O; ++o) pb[o] += sum_run(g_n + o * g.L, g.L);
        }
      }
      k.conv_weight_grad(conv, xs, gs, m, positions, g.O, partial_w.data_ptr<float>() + group * g.O * g.K, false,
                         workspace.data_ptr<float>());
    }
  });
  sum_partials(partial_w.data_ptr<float>(), groups, g.O * g.K, gw);
  if (gb) sum_partials(partial_b_sums.data_ptr<double>(), groups, g.O, gb);
}

// ---- Both gradients by GEMMs in the flat layout ----------------------------------------------

// With q running over all HO·Wp positions, an im2col row is one contiguous run of the padded
// image and col2im adds one run back, where the [K, L] layout needs HO runs of WO (10 on LeNet's
// second layer, whose col2im took as long as its GEMM). g is spread into the same layout with
// zeros in the junk columns. Images of a partial-sum group share GEMMs, their flat columns side
// by side, as many as fit kFlatBudget.
//   cols: [K, m·Q]   g_flat: [O, m·Q]   grad_w += g_flat · colsᵀ   cols = weightᵀ · g_flat
constexpr int64_t kFlatBudget = 1 << 17;  // elements of one task's cols buffer (512 KiB)

void backward_flat(const float* x, const float* w, const float* go, float* gx, float* gw, float* gb,
                   const ConvGeometry& g, const Conv2dParams& p) {
  const int64_t Hp = g.H + 2 * p.pad_h, Wp = g.W + 2 * p.pad_w, Q = g.HO * Wp;
  const int64_t slack = (p.kernel_w - 1) * p.dilation_w;  // the last tap's run ends this far past the image
  const int64_t per_gemm = std::clamp(kFlatBudget / (g.K * Q), int64_t(1), kImagesPerPartial);
  const int64_t ld = per_gemm * Q;  // a fixed row length, so the junk columns stay where the zeros are
  const Tensor offsets_storage = tap_offsets(g.C, p, Hp, Wp, g.K);
  const int64_t* offsets = offsets_storage.data_ptr<int64_t>();
  const int64_t groups = (g.N + kImagesPerPartial - 1) / kImagesPerPartial;
  Tensor partial_w = gw ? empty({groups, g.O, g.K}) : Tensor();
  Tensor partial_b_sums = gb ? zeros({groups * g.O}, kFloat64) : Tensor();
  parallel_for(0, groups, 1, [&](int64_t g0, int64_t g1) {
    Tensor cols_storage = empty({g.K * ld}), g_storage = zeros({g.O * ld});
    float* cols = cols_storage.data_ptr<float>();
    float* g_flat = g_storage.data_ptr<float>();
    std::optional<PaddedImage> padded, padded_grad;
    if (gw) padded.emplace(g.C, g.H, g.W, p.pad_h, p.pad_w, slack);
    if (gx) padded_grad.emplace(g.C, g.H, g.W, p.pad_h, p.pad_w, slack);
    for (int64_t group = g0; group < g1; ++group) {
      const int64_t group_end = std::min(g.N, (group + 1) * kImagesPerPartial);
      for (int64_t first = group * kImagesPerPartial; first < group_end; first += per_gemm) {
        const int64_t m = std::min(per_gemm, group_end - first);
        for (int64_t i = 0; i < m; ++i) {
          const float* g_n = go + (first + i) * g.O * g.L;
          for (int64_t o = 0; o < g.O; ++o)
            for (int64_t oh = 0; oh < g.HO; ++oh)
              std::memcpy(g_flat + o * ld + i * Q + oh * Wp, g_n + (o * g.HO + oh) * g.WO, g.WO * sizeof(float));
          if (gb) {
            double* pb = partial_b_sums.data_ptr<double>() + group * g.O;
            for (int64_t o = 0; o < g.O; ++o) pb[o] += sum_run(g_n + o * g.L, g.L);
          }
        }
        if (gw) {
          for (int64_t i = 0; i < m; ++i) {
            padded->load(x + (first + i) * g.C * g.H * g.W);
            for (int64_t t = 0; t < g.K; ++t) std::memcpy(cols + t * ld + i * Q, padded->data + offsets[t], Q * sizeof(float));
          }
          float* partial = partial_w.data_ptr<float>() + group * g.O * g.K;
          const bool accumulate = first > group * kImagesPerPartial;
          gemm_serial(false, true, g.O, g.K, m * Q, 1.0f, g_flat, ld, cols, ld, accumulate ? 1.0f : 0.0f, partial, g.K);
        }
        if (gx) {
          gemm_serial(true, false, g.K, m * Q, g.O, 1.0f, w, g.K, g_flat, ld, 0.0f, cols, ld);
          float* gp = padded_grad->data;
          for (int64_t i = 0; i < m; ++i) {
            std::fill(gp, gp + g.C * Hp * Wp, 0.0f);
            // Taps in (ki, kj, c) order: consecutive runs then land in different channels. In
            // (c, ki, kj) order each run overlaps the previous one shifted by one element, and
            // every load waited for the store just before it.
            for (int64_t kk = 0; kk < p.kernel_h * p.kernel_w; ++kk)
              for (int64_t c = 0; c < g.C; ++c) {
                const int64_t t = c * p.kernel_h * p.kernel_w + kk;
                float* dst = gp + offsets[t];
                const float* src = cols + t * ld + i * Q;
                for (int64_t q = 0; q < Q; ++q) dst[q] += src[q];
              }
            padded_grad->store(gx + (first + i) * g.C * g.H * g.W);
          }
        }
      }
    }
  });
  if (gw) sum_partials(partial_w.data_ptr<float>(), groups, g.O * g.K, gw);
  if (gb) sum_partials(partial_b_sums.data_ptr<double>(), groups, g.O, gb);
}

bool unit_stride(const Conv2dParams& p) { return p.stride_h == 1 && p.stride_w == 1; }
bool pointwise(const Conv2dParams& p) {  // 1×1, no padding: the plain path needs no im2col either
  return p.kernel_h == 1 && p.kernel_w == 1 && p.pad_h == 0 && p.pad_w == 0;
}

// The table's rule for this layer; nothing direct where the table has no direct kernels or
// the stride is not 1.
DirectPasses direct_passes(const Kernels& k, const ConvGeometry& g, const Conv2dParams& p) {
  if (!k.conv_direct || !unit_stride(p)) return {};
  return k.conv_direct(ConvLayer{g.C, g.H, g.W, g.O, p.kernel_h, p.kernel_w, p.pad_h, p.pad_w, p.dilation_h,
                                 p.dilation_w});
}

}  // namespace

bool conv2d_forward(const float* x, const float* w, const float* b, float* out, const ConvGeometry& g,
                    const Conv2dParams& p) {
  const Kernels& k = active();
  if (!direct_passes(k, g, p).forward) return false;
  forward_direct(k, x, w, b, out, g, p);
  return true;
}

void conv2d_backward(const float* x, const float* w, const float* go, float*& gx, float*& gw, float*& gb,
                     const ConvGeometry& g, const Conv2dParams& p) {
  const Kernels& k = active();
  if (!k.conv_direct || !unit_stride(p)) return;
  const DirectPasses direct = direct_passes(k, g, p);
  if (gw && direct.weight_grad) {
    weight_grad_direct(k, x, go, gw, gb, g, p);
    gw = gb = nullptr;
  }
  const bool transposable = transposed_pad(p.kernel_h, p.dilation_h, p.pad_h) >= 0 &&
                            transposed_pad(p.kernel_w, p.dilation_w, p.pad_w) >= 0;
  if (gx && direct.input_grad && transposable) {
    input_grad_direct(k, w, go, gx, g, p);
    gx = nullptr;
  }
  if ((gx || gw) && !pointwise(p)) {
    backward_flat(x, w, go, gx, gw, gb, g, p);
    gx = gw = gb = nullptr;
  }
}

}  // namespace descent::kernels::simd
