#pragma once
// One vector register of floats, for this instruction set's build (isa.h): kLanes floats.
//
// These are GCC's and Clang's vector types: arithmetic on a VecF is elementwise, compiles to one
// register per value, and `acc += a * b` becomes one fused multiply-add where the flags allow
// it (-mfma, AVX-512, NEON). Plain loops over small arrays compile to the same only when the
// compiler decides to unroll them and keep the arrays in registers, which small edits change;
// with vector types, an array of accumulators is registers by construction.
#include <cstring>

#include "tensor/kernels/simd/isa/isa.h"

namespace descent::kernels::simd::DESCENT_ISA {

using VecF = float __attribute__((vector_size(kLanes * sizeof(float))));

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
  float s[kLanes];
  std::memcpy(s, &v, sizeof v);
  for (int width = kLanes / 2; width > 0; width /= 2)
    for (int i = 0; i < width; ++i) s[i] += s[i + width];
  return s[0];
}

}  // namespace descent::kernels::simd::DESCENT_ISA
