#pragma once
// exp, sigmoid, tanh and erf for float32 as plain arithmetic (Cephes' range reductions and
// polynomials; Abramowitz & Stegun 7.1.26 for erf), so that a loop calling them compiles to
// vector instructions on any x86-64 or aarch64 baseline: std::exp, std::tanh and std::erf are
// library calls, which keep a loop scalar. The recurrent cells, attention's softmax and GELU
// evaluate millions of these per training step. Accuracy (tests/tensor/test_sequence_kernels.cpp):
// exp within 2 float ulp of std::exp, sigmoid and tanh within 2e-7, erf within 4e-7 absolutely.
// double keeps std:: (it is what the golden tests run in).
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

// Inlined into every loop that calls them, or the loop cannot be vectorized: GCC otherwise keeps
// them (or a lambda that calls them, as the elementwise kernels hand their loops) out of line.
// A lambda marks itself with DESCENT_FAST_LAMBDA: [](float x) DESCENT_FAST_LAMBDA { ... }.
#if defined(__GNUC__)
#define DESCENT_FAST_INLINE inline __attribute__((always_inline))
#define DESCENT_FAST_LAMBDA __attribute__((always_inline))
#else
#define DESCENT_FAST_INLINE inline
#define DESCENT_FAST_LAMBDA
#endif

namespace descent::kernels::fast {

// e^x = 2^n · e^r with n = round(x / ln 2) and |r| <= ln 2 / 2; e^r by a degree-6 polynomial.
DESCENT_FAST_INLINE float exp(float x) {
  // (A NaN becomes 0 here and comes back through the final select: float to int of NaN is undefined.)
  const float clamped = x < -87.5f ? -87.5f : (x > 88.5f ? 88.5f : (x == x ? x : 0.0f));
  // Round to nearest by adding and removing 1.5·2^23 (no rounding instruction before SSE4.1).
  const float n = (clamped * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  // r = x − n·ln 2, with ln 2 split in two so that n·ln2_hi is exact.
  const float r = (clamped - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const float scale = std::bit_cast<float>(int32_t(int32_t(n) + 127) << 23);  // 2^n
  const float y = p * scale;
  // Beyond float's range: 0 and inf as std::exp; NaN stays NaN.
  return x < -87.5f ? 0.0f : (x > 88.5f ? std::numeric_limits<float>::infinity() : (x == x ? y : x));
}
inline double exp(double x) { return std::exp(x); }

DESCENT_FAST_INLINE float sigmoid(float x) { return 1.0f / (1.0f + fast::exp(-x)); }
inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// tanh: an odd polynomial near 0 (where 1 − 2/(e^2x + 1) would cancel), that formula elsewhere.
DESCENT_FAST_INLINE float tanh(float x) {
  const float ax = std::fabs(x);
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float big = 1.0f - 2.0f / (fast::exp(2.0f * ax) + 1.0f);
  return ax < 0.625f ? small : std::copysign(big, x);
}
inline double tanh(double x) { return std::tanh(x); }

// erf(|x|) = 1 − t·P(t)·e^(−x²) with t = 1/(1 + p·|x|) (A&S 7.1.26, |error| <= 1.5e-7), odd.
DESCENT_FAST_INLINE float erf(float x) {
  const float ax = std::fabs(x);
  const float t = 1.0f / (1.0f + 0.3275911f * ax);
  const float p = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
  return std::copysign(1.0f - p * fast::exp(-ax * ax), x);
}
inline double erf(double x) { return std::erf(x); }

}  // namespace descent::kernels::fast
