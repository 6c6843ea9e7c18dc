// Direct convolution for stride 1: the forward of most such layers and the weight gradient of
// layers with few input channels. A first layer (LeNet's 1 → 6 channels, 5×5) has C·KH·KW = 25
// taps: im2col + GEMM is then a product with k = 25 and m = 6, whose time goes to packing and to
// the edges of the GEMM's tiles (OpenBLAS: 65 GFLOP/s forward, 29 for the weight gradient), after
// im2col has written the image out 25 times. Here the taps are read straight from the padded image.
//
// The flat layout. In the padded image [C, Hp, Wp], output pixel (oh, ow) reads, for tap
// t = (c, ki, kj), element q + offsets[t] with q = oh·Wp + ow and offsets[t] = c·Hp·Wp +
// ki·dh·Wp + kj·dw. Letting q run over all of [0, HO·Wp) — the columns ow >= WO are junk, cropped
// afterwards — every tap becomes a contiguous run of the image:
//   forward          out_flat[o][q] = b[o] + Σ_t w[o][t] · x_pad[q + offsets[t]]
//   weight gradient  dL/dw[o][t]   = Σ_q g_flat[o][q] · x_pad[q + offsets[t]]
// (g_flat holds g at the valid pixels and zeros in the junk columns, so they add nothing).
// The forward keeps a tile of 8 channels × 32 pixels in registers while it runs over the taps;
// the weight gradient keeps 8 channels × 3 taps of 16-lane partial sums while it runs over q.
// Sums run in a fixed order: the results do not depend on threads. Input gradients go through
// conv.cpp's GEMM path.
//
// When it pays (one thread, forward / backward µs per batch, GEMM path → direct):
//   LeNet 1→6 5×5 on 28×28, 64 images     322 → 175 / 641 → 222
//   LeNet 6→16 5×5 on 14×14               430 → 271 (weight gradient: GEMM path kept)
//   small CNN 32→64 3×3 on 26×26         7931 → 7181
//   16→32 3×3 on 16×16, 128 images       2178 → 1723
// and it loses where the junk columns and the 32-pixel tiles add much work (64→64 3×3 on 8×8:
// 96 flat positions per 64 pixels) or with few taps (the small CNN's 1→32 3×3, 9 taps: 300 →
// 410 forward, though its weight gradient still gains, 675 → 472), and for the weight
// gradient of wide layers, whose short dot products spend their time summing lanes.
#include "tensor/kernels/conv_direct.h"

#include <algorithm>
#include <cstring>

#include "tensor/kernels/vec.h"

namespace descent::kernels::direct_conv {
namespace {

constexpr int64_t kOT = 8, kQT = 2 * kVecLanes;  // forward tile: 8 channels × 32 positions
constexpr int64_t kGO = 8, kGT = 3;              // weight-gradient tile: 8 channels × 3 taps

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

}  // namespace

bool suits_forward(int64_t channels, int64_t height, int64_t width, const Conv2dParams& p) {
  const int64_t taps = channels * p.kernel_h * p.kernel_w;
  if (p.stride_h != 1 || p.stride_w != 1 || taps < 16 || taps > kMaxTaps) return false;
  const int64_t HO = p.out_h(height), WO = p.out_w(width), Wp = width + 2 * p.pad_w;
  return 4 * round_up(HO * Wp, kQT) <= 5 * round_up(HO * WO, kQT);
}

bool suits_weight_grad(int64_t channels, const Conv2dParams& p) {
  return p.stride_h == 1 && p.stride_w == 1 && channels * p.kernel_h * p.kernel_w <= 32;
}

Plan::Plan(int64_t channels, int64_t height, int64_t width, int64_t out_channels, const Conv2dParams& p)
    : O(out_channels), taps(channels * p.kernel_h * p.kernel_w), HO(p.out_h(height)), WO(p.out_w(width)),
      Wp(width + 2 * p.pad_w), Q(HO * Wp), O_tiles(round_up(O, kOT)), Q_tiles(round_up(Q, kQT)),
      slack((p.kernel_w - 1) * p.dilation_w + kQT) {
  const int64_t Hp = height + 2 * p.pad_h;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t ki = 0; ki < p.kernel_h; ++ki)
      for (int64_t kj = 0; kj < p.kernel_w; ++kj)
        offsets[size_t((c * p.kernel_h + ki) * p.kernel_w + kj)] = c * Hp * Wp + ki * p.dilation_h * Wp + kj * p.dilation_w;
}

void forward(const Plan& plan, const float* x_pad, const float* w_tiles, const float* b_tiles, float* out_flat) {
  for (int64_t o0 = 0; o0 < plan.O_tiles; o0 += kOT)
    for (int64_t q0 = 0; q0 < plan.Q_tiles; q0 += kQT) {
      VecF acc[kOT][2];
      for (int o = 0; o < kOT; ++o) acc[o][0] = acc[o][1] = broadcast(b_tiles ? b_tiles[o0 + o] : 0.0f);
      for (int64_t t = 0; t < plan.taps; ++t) {
        const float* x = x_pad + q0 + plan.offsets[size_t(t)];
        const VecF x0 = load(x), x1 = load(x + kVecLanes);
#pragma GCC unroll 8
        for (int o = 0; o < kOT; ++o) {
          const VecF w = broadcast(w_tiles[(o0 + o) * plan.taps + t]);
          acc[o][0] += w * x0;
          acc[o][1] += w * x1;
        }
      }
      for (int o = 0; o < kOT; ++o) {
        float* row = out_flat + (o0 + o) * plan.Q_tiles + q0;
        store(row, acc[o][0]);
        store(row + kVecLanes, acc[o][1]);
      }
    }
}

void crop(const Plan& plan, const float* out_flat, float* out) {
  for (int64_t o = 0; o < plan.O; ++o)
    for (int64_t oh = 0; oh < plan.HO; ++oh)
      std::memcpy(out + (o * plan.HO + oh) * plan.WO, out_flat + o * plan.Q_tiles + oh * plan.Wp,
                  size_t(plan.WO) * sizeof(float));
}

void spread(const Plan& plan, const float* g, float* g_flat) {
  for (int64_t o = 0; o < plan.O; ++o)
    for (int64_t oh = 0; oh < plan.HO; ++oh)
      std::memcpy(g_flat + o * plan.Q_tiles + oh * plan.Wp, g + (o * plan.HO + oh) * plan.WO,
                  size_t(plan.WO) * sizeof(float));
}

void weight_grad(const Plan& plan, const float* x_pad, const float* g_flat, float* gw, bool accumulate) {
  for (int64_t o0 = 0; o0 < plan.O; o0 += kGO)  // rows up to O_tiles exist (zero past O)
    for (int64_t t0 = 0; t0 < plan.taps; t0 += kGT) {  // offsets exist past taps (zero there)
      const float* g_rows[kGO];
      const float* x_runs[kGT];
      for (int o = 0; o < kGO; ++o) g_rows[o] = g_flat + (o0 + o) * plan.Q_tiles;
      for (int t = 0; t < kGT; ++t) x_runs[t] = x_pad + plan.offsets[size_t(t0 + t)];
      VecF acc[kGO][kGT] = {};
      for (int64_t q = 0; q < plan.Q_tiles; q += kVecLanes) {
        VecF g[kGO];
#pragma GCC unroll 8
        for (int o = 0; o < kGO; ++o) g[o] = load(g_rows[o] + q);
#pragma GCC unroll 4
        for (int t = 0; t < kGT; ++t) {
          const VecF x = load(x_runs[t] + q);
#pragma GCC unroll 8
          for (int o = 0; o < kGO; ++o) acc[o][t] += g[o] * x;
        }
      }
      for (int64_t o = 0; o < std::min(kGO, plan.O - o0); ++o)
        for (int64_t t = 0; t < std::min(kGT, plan.taps - t0); ++t) {
          float& out = gw[(o0 + o) * plan.taps + t0 + t];
          const float s = sum_lanes(acc[o][t]);
          out = accumulate ? out + s : s;
        }
    }
}

}  // namespace descent::kernels::direct_conv
