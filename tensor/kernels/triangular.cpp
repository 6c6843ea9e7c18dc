// tril and triu: one pass over a contiguous copy of the input, each row zeroed past (or before)
// its diagonal. Matrices are independent, so threads split rows of the flattened [.., M] rows.
#include "tensor/kernels/triangular.h"

#include <algorithm>
#include <cstring>

#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/loop.h"

namespace descent::kernels {

Tensor triangle(const Tensor& a, int64_t diagonal, bool lower) {
  Tensor out = cast(a, a.dtype());  // a contiguous copy, zeroed in place below
  const int64_t M = a.sizes()[size_t(a.dim() - 2)], N = a.sizes().back();
  const int64_t rows = N == 0 ? 0 : out.numel() / N;
  char* base = static_cast<char*>(out.raw_data());
  const size_t es = out.element_size();
  parallel_for(0, rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(N, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t i = r % M;
      // Row i keeps columns j <= i + diagonal (lower) or j >= i + diagonal (upper).
      const int64_t edge = std::clamp<int64_t>(lower ? i + diagonal + 1 : i + diagonal, 0, N);
      char* row = base + size_t(r * N) * es;
      if (lower) std::memset(row + size_t(edge) * es, 0, size_t(N - edge) * es);
      else std::memset(row, 0, size_t(edge) * es);
    }
  });
  return out;
}

}  // namespace descent::kernels
