// 2×2 max pooling with stride 2 and no padding (the pooling layer of every example network), one
// plane at a time, compiled once per instruction set (isa.h). The plain loop is in
// tensor/kernels/pool.cpp; this is the same rule, kLanes windows at once: the four candidates of
// a window in scan order, a larger value or a NaN taking over, the index of the winner as
// ih·W + iw. Each output row reads two input rows; the even and odd columns of each are split
// apart by shuffles, so that one vector holds the top-left candidates of kLanes windows, another
// their top-right ones, and so on.
#include <utility>

#include "tensor/kernels/simd/isa/vec.h"

namespace descent::kernels::simd::DESCENT_ISA {
namespace {

using VecI = int32_t __attribute__((vector_size(kLanes * sizeof(int32_t))));  // a comparison's mask
using VecL = int64_t __attribute__((vector_size(kLanes * sizeof(int64_t))));

// The even (Odd = 0) or odd (Odd = 1) elements of the 2·kLanes floats lo, hi.
template <int Odd, size_t... I> VecF every_other(VecF lo, VecF hi, std::index_sequence<I...>) {
  return __builtin_shufflevector(lo, hi, int(2 * I + Odd)...);
}
template <size_t... I> VecI lane_numbers(std::index_sequence<I...>) { return VecI{int32_t(I)...}; }

// kLanes windows whose top-left corners are top[0], top[2], ...; bottom = top + W.
void windows(const float* top, const float* bottom, int32_t first_index, int32_t W, VecF* best, VecL* index) {
  constexpr auto lanes = std::make_index_sequence<kLanes>();
  const VecF t0 = load(top), t1 = load(top + kLanes), b0 = load(bottom), b1 = load(bottom + kLanes);
  const VecF candidates[4] = {every_other<0>(t0, t1, lanes), every_other<1>(t0, t1, lanes),
                              every_other<0>(b0, b1, lanes), every_other<1>(b0, b1, lanes)};
  const int32_t offsets[4] = {0, 1, W, W + 1};
  VecF m = candidates[0];
  VecI at = VecI{} + offsets[0];
  for (int k = 1; k < 4; ++k) {
    const VecF v = candidates[k];
    const VecI take = (v > m) | (v != v);  // v != v: v is NaN
    m = take ? v : m;
    at = take ? VecI{} + offsets[k] : at;
  }
  *best = m;
  *index = __builtin_convertvector(first_index + 2 * lane_numbers(lanes) + at, VecL);
}

}  // namespace

// x: [H, W]  out, indices: [H / 2, W / 2]
void max_pool_2x2(const float* x, int64_t H, int64_t W, float* out, int64_t* indices) {
  const int64_t HO = H / 2, WO = W / 2;
  for (int64_t oh = 0; oh < HO; ++oh) {
    const float* top = x + 2 * oh * W;
    float* out_row = out + oh * WO;
    int64_t* index_row = indices + oh * WO;
    for (int64_t ow0 = 0; ow0 < WO; ow0 += kLanes) {
      const int64_t n = min(kLanes, WO - ow0);
      const int32_t first = int32_t(2 * oh * W + 2 * ow0);
      VecF best;
      VecL index;
      if (n == kLanes) {
        windows(top + 2 * ow0, top + W + 2 * ow0, first, int32_t(W), &best, &index);
      } else {  // the row's last windows: through copies, so as not to read past the row
        float t[2 * kLanes] = {}, b[2 * kLanes] = {};
        std::memcpy(t, top + 2 * ow0, 2 * n * sizeof(float));
        std::memcpy(b, top + W + 2 * ow0, 2 * n * sizeof(float));
        windows(t, b, first, int32_t(W), &best, &index);
      }
      std::memcpy(out_row + ow0, &best, n * sizeof(float));
      std::memcpy(index_row + ow0, &index, n * sizeof(int64_t));
    }
  }
}

}  // namespace descent::kernels::simd::DESCENT_ISA
