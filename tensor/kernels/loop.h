#pragma once
// The strided loop under every elementwise kernel (internal to tensor/kernels).
// Operands share one iteration shape; each has its own byte strides (0 along broadcast dims).
// for_each_run merges dims that are contiguous across all operands, cuts the elements into
// pieces for parallel_for, and hands the op `runs`: stretches along the innermost dim with one
// byte step per operand. Ops check for the unit-step case and write a plain loop for it, which
// the compiler vectorizes.
#include <array>
#include <cstdint>

#include "tensor/parallel.h"
#include "tensor/shape.h"
#include "tensor/tensor.h"

namespace descent::kernels {

// Below this many elements a kernel runs on the calling thread: splitting costs more than it
// saves (a oneTBB task is a few microseconds; 32k float adds are about as long).
inline constexpr int64_t kParallelGrain = 32768;

// Byte strides of t viewed with shape `shape`, which t broadcasts to.
inline Dims broadcast_byte_strides(const Tensor& t, const Dims& shape) {
  Dims out(shape.size(), 0);
  size_t lead = shape.size() - size_t(t.dim());
  int64_t es = int64_t(t.element_size());
  for (size_t i = 0; i < size_t(t.dim()); ++i)
    out[lead + i] = t.sizes()[i] == 1 ? 0 : t.strides()[i] * es;
  return out;
}

inline char* first_byte(const Tensor& t) { return static_cast<char*>(t.raw_data()); }

template <size_t N> using Ptrs = std::array<char*, N>;
template <size_t N> using Steps = std::array<int64_t, N>;

template <size_t N, class Run>
void for_each_run(const Dims& shape, Ptrs<N> base, const std::array<Dims, N>& byte_strides, const Run& run,
                  int64_t grain = kParallelGrain) {
  // Coalesce: drop size-1 dims, merge dim d into d+1 when every operand steps through them
  // as one (stride[d] == stride[d+1] * size[d+1]).
  int64_t sizes[Dims::kMaxDims];
  int64_t strides[N][Dims::kMaxDims];
  int nd = 0;
  int64_t total = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    total *= shape[d];
    if (shape[d] == 1) continue;
    bool merge = nd > 0;
    for (size_t k = 0; k < N && merge; ++k) merge = strides[k][nd - 1] == byte_strides[k][d] * shape[d];
    if (merge) {
      sizes[nd - 1] *= shape[d];
      for (size_t k = 0; k < N; ++k) strides[k][nd - 1] = byte_strides[k][d];
    } else {
      sizes[nd] = shape[d];
      for (size_t k = 0; k < N; ++k) strides[k][nd] = byte_strides[k][d];
      ++nd;
    }
  }
  if (total == 0) return;
  if (nd == 0) {  // a single element
    sizes[0] = 1;
    for (size_t k = 0; k < N; ++k) strides[k][0] = 0;
    nd = 1;
  }
  const int last = nd - 1;
  const int64_t inner = sizes[last];
  Steps<N> inner_steps;
  for (size_t k = 0; k < N; ++k) inner_steps[k] = strides[k][last];

  // Elements [begin, end) in row-major order: find the start's multi-index, then hand out runs
  // along the innermost dim, carrying into outer dims like an odometer.
  auto range = [&](int64_t begin, int64_t end) {
    int64_t idx[Dims::kMaxDims];
    Ptrs<N> p = base;
    int64_t rem = begin;
    for (int d = last; d >= 0; --d) {
      idx[d] = rem % sizes[d];
      rem /= sizes[d];
      for (size_t k = 0; k < N; ++k) p[k] += idx[d] * strides[k][d];
    }
    for (int64_t i = begin; i < end;) {
      int64_t n = std::min(inner - idx[last], end - i);
      run(p, inner_steps, n);
      i += n;
      if (i >= end) break;
      // The run reached the end of the innermost dim: rewind it and step the next dim out.
      for (size_t k = 0; k < N; ++k) p[k] -= idx[last] * strides[k][last];
      idx[last] = 0;
      for (int d = last - 1; d >= 0; --d) {
        for (size_t k = 0; k < N; ++k) p[k] += strides[k][d];
        if (++idx[d] < sizes[d]) break;
        idx[d] = 0;
        for (size_t k = 0; k < N; ++k) p[k] -= sizes[d] * strides[k][d];
      }
    }
  };
  parallel_for(0, total, grain, range);
}

}  // namespace descent::kernels
