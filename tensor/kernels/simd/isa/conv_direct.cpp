// Direct convolution in the flat layout, compiled once per instruction set (isa.h). The layout,
// and when these kernels run, are conv_tuned.cpp's; here are only the two loops (kernels.h
// gives their exact contracts):
//   forward       out[o][q] = bias[o] + Σ_t w[o][t] · x[q + offsets[t]]
//   weight grad   gw[o][t]  = Σ_images Σ_q g[o][q] · x[q + offsets[t]]
// The forward is a GEMM whose second operand is never packed: each tap's run of x is contiguous,
// so the kernel loads it straight from the image. The weight gradient is a set of dot products
// along q, each kept in a vector of partial sums and added up across lanes at the end.
// Both sum in a fixed order: results do not depend on threads.
#include "tensor/kernels/simd/isa/vec.h"
#include "tensor/kernels/simd/kernels.h"

namespace descent::kernels::simd::DESCENT_ISA {

// w_packed: [rows / kConvRows][T][kConvRows], so that a tile's weights for one tap are adjacent.
// Tile: kConvRows rows × kConvVecs vectors of positions, in registers over every tap.
void conv_forward(const FlatConv& conv, const float* x, const float* w_packed, const float* bias, float* out) {
  constexpr int64_t NR = kConvVecs * kLanes;
  for (int64_t o0 = 0; o0 < conv.rows; o0 += kConvRows) {
    const float* w = w_packed + o0 * conv.taps;
    for (int64_t q0 = 0; q0 < conv.positions; q0 += NR) {
      VecF acc[kConvRows][kConvVecs];
      for (int o = 0; o < kConvRows; ++o)
        for (int v = 0; v < kConvVecs; ++v) acc[o][v] = broadcast(bias ? bias[o0 + o] : 0.0f);
      for (int64_t t = 0; t < conv.taps; ++t) {
        const float* xt = x + q0 + conv.offsets[t];
        VecF xv[kConvVecs];
#pragma GCC unroll 4
        for (int v = 0; v < kConvVecs; ++v) xv[v] = load(xt + v * kLanes);
#pragma GCC unroll 8
        for (int o = 0; o < kConvRows; ++o) {
          const VecF wo = broadcast(w[t * kConvRows + o]);
#pragma GCC unroll 4
          for (int v = 0; v < kConvVecs; ++v) acc[o][v] += wo * xv[v];
        }
      }
      for (int o = 0; o < kConvRows; ++o)
        for (int v = 0; v < kConvVecs; ++v) store(out + (o0 + o) * conv.positions + q0 + v * kLanes, acc[o][v]);
    }
  }
}

// Tile: kGradRows rows of g × kGradTaps taps, each a vector of partial sums over q. Loops: for
// each tile of rows, a block of images at a time (as many as keep their kGradRows rows of g
// within kGradL1Floats, so that those stay in L1 while the taps go by), every tile of taps runs
// over the block's positions. The partial sums of every tap tile wait in `workspace` from one
// block to the next, and lanes are added only once, at the end.
void conv_weight_grad(const FlatConv& conv, const float* const* x, const float* const* g, int64_t images,
                      int64_t ld_g, int64_t out_rows, float* gw, bool accumulate, float* workspace) {
  constexpr int64_t kTile = kGradRows * kGradTaps * kLanes;  // floats of one tile's partial sums
  const int64_t tap_tiles = (conv.taps + kGradTaps - 1) / kGradTaps;
  const int64_t block = kGradL1Floats / (kGradRows * conv.positions) > 1 ? kGradL1Floats / (kGradRows * conv.positions) : 1;
  for (int64_t o0 = 0; o0 < out_rows; o0 += kGradRows) {
    for (int64_t first = 0; first < images; first += block) {
      const int64_t last = min(images, first + block);
      for (int64_t tile = 0; tile < tap_tiles; ++tile) {
        float* partial = workspace + tile * kTile;
        VecF acc[kGradRows][kGradTaps] = {};
        if (first > 0)
          for (int o = 0; o < kGradRows; ++o)
            for (int t = 0; t < kGradTaps; ++t) acc[o][t] = load(partial + (o * kGradTaps + t) * kLanes);
        for (int64_t image = first; image < last; ++image) {
          const float* g_rows[kGradRows];
          const float* x_runs[kGradTaps];
          for (int o = 0; o < kGradRows; ++o) g_rows[o] = g[image] + (o0 + o) * ld_g;
          for (int t = 0; t < kGradTaps; ++t) x_runs[t] = x[image] + conv.offsets[tile * kGradTaps + t];
          for (int64_t q = 0; q < conv.positions; q += kLanes) {
            VecF gv[kGradRows];
#pragma GCC unroll 8
            for (int o = 0; o < kGradRows; ++o) gv[o] = load(g_rows[o] + q);
#pragma GCC unroll 4
            for (int t = 0; t < kGradTaps; ++t) {
              const VecF xv = load(x_runs[t] + q);
#pragma GCC unroll 8
              for (int o = 0; o < kGradRows; ++o) acc[o][t] += gv[o] * xv;
            }
          }
        }
        for (int o = 0; o < kGradRows; ++o)
          for (int t = 0; t < kGradTaps; ++t) store(partial + (o * kGradTaps + t) * kLanes, acc[o][t]);
      }
    }
    for (int64_t o = 0; o < min(kGradRows, out_rows - o0); ++o)
      for (int64_t t = 0; t < conv.taps; ++t) {
        const float* sums = workspace + t / kGradTaps * kTile + (o * kGradTaps + t % kGradTaps) * kLanes;
        const float s = sum_lanes(load(sums));
        float& out = gw[(o0 + o) * conv.taps + t];
        out = accumulate ? out + s : s;
      }
  }
}

}  // namespace descent::kernels::simd::DESCENT_ISA
