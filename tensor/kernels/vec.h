#pragma once
// Fixed-width float vectors for the few kernels that block for registers by hand: the blocked
// GEMM (matmul.cpp) and direct convolution (conv_direct.cpp). Internal to tensor/kernels.
//
// These are GCC's and Clang's vector types: arithmetic on a VecF is elementwise and compiles to
// one register per value where the CPU has 64-byte vectors (AVX-512), to pairs or quadruples of
// narrower ones elsewhere. Plain loops over small arrays compile to the same thing only when the
// compiler decides to unroll them and keep the arrays in registers, which small edits change;
// with vector types, an array of accumulators is registers by construction.
#include <cstring>

namespace descent::kernels {

using VecF = float __attribute__((vector_size(64)));
inline constexpr int kVecLanes = 16;

inline VecF load(const float* p) {  // any alignment
  VecF v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, VecF v) { std::memcpy(p, &v, sizeof v); }

// x in every lane: x − 0 is exactly x, so this compiles to one broadcast (x + 0 would not fold,
// since −0 + 0 is +0).
inline VecF broadcast(float x) { return x - VecF{}; }

// The sum of the lanes, always in the same pairwise order.
inline float sum_lanes(VecF v) {
  float s[kVecLanes];
  std::memcpy(s, &v, sizeof v);
  for (int width = kVecLanes / 2; width > 0; width /= 2)
    for (int i = 0; i < width; ++i) s[i] += s[i + width];
  return s[0];
}

}  // namespace descent::kernels
