#pragma once
// Direct convolution for stride 1 (conv_direct.cpp says how, why and when).
// Internal to tensor/kernels/conv.cpp, which owns the threads, the per-task buffers and the
// zero-padded image copies these functions read; float32 only.
//
// Shapes as in conv.h: x: [C, H, W] per image, padded to [C, Hp, Wp]   w: [O, T] with
// T = C·KH·KW taps   out: [O, HO, WO].
#include <array>
#include <cstdint>

#include "tensor/kernels/conv.h"

namespace descent::kernels::direct_conv {

inline constexpr int64_t kMaxTaps = 1024;

// Whether the direct kernels beat im2col + GEMM (conv_direct.cpp has the measurements):
// forward: stride 1, at least 16 taps, and the junk columns (with the tile rounding) add at
// most a quarter to the work; weight gradient: stride 1 and at most 32 taps (a first layer).
bool suits_forward(int64_t channels, int64_t height, int64_t width, const Conv2dParams& p);
bool suits_weight_grad(int64_t channels, const Conv2dParams& p);

// Where everything is in the flat layout: output pixel (oh, ow) is at q = oh·Wp + ow, and tap t
// = (c, ki, kj) reads the padded image at q + offsets[t].
struct Plan {
  int64_t O, taps, HO, WO, Wp;
  int64_t Q;                 // HO·Wp flat positions, the columns ow >= WO being junk
  int64_t O_tiles, Q_tiles;  // O and Q rounded up to whole tiles
  int64_t slack;             // elements the padded image needs past its end, for the last tiles' reads
  std::array<int64_t, kMaxTaps + 4> offsets{};  // then zeros: taps that pad `taps` to whole tiles
  Plan(int64_t channels, int64_t height, int64_t width, int64_t out_channels, const Conv2dParams& p);
};

// w_tiles: [O_tiles, taps] (rows past O zero)   b_tiles: [O_tiles] or null
// out_flat: [O_tiles, Q_tiles] = b + w · (the image's taps), junk columns included.
void forward(const Plan& plan, const float* x_pad, const float* w_tiles, const float* b_tiles, float* out_flat);
// out: [O, HO, WO] = out_flat without its junk columns and padding rows.
void crop(const Plan& plan, const float* out_flat, float* out);
// g_flat: [O_tiles, Q_tiles], zero everywhere but the valid pixels, which take g: [O, HO, WO].
// The zeros are written by the caller once; this only rewrites the valid pixels.
void spread(const Plan& plan, const float* g, float* g_flat);
// gw: [O, taps] = (or += when accumulate) Σ_q g_flat[o][q] · x_pad[q + offsets[t]].
void weight_grad(const Plan& plan, const float* x_pad, const float* g_flat, float* gw, bool accumulate);

}  // namespace descent::kernels::direct_conv
