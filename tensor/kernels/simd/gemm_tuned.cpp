// The blocked GEMM's driver: the rule, the packing workspace, and which way round to run.
// Compiled once; the kernel itself is isa/gemm.cpp, one build per instruction set.
#include "tensor/kernels/simd/gemm_tuned.h"

#include "tensor/factory.h"
#include "tensor/kernels/simd/kernels.h"

namespace descent::kernels::simd {

bool sgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const Kernels& kernels = active();
  if (!kernels.sgemm || k < 1 || !kernels.sgemm_wins(ta, tb, m, n, k)) return false;
  Tensor workspace = empty({kernels.sgemm_workspace});  // from the caching allocator: no system call once warm
  // A transposed operand costs more to pack than a plain one (A is gathered element by element,
  // B turned around in blocks; plain rows are copied). Computing Cᵀ = op(B)ᵀ·op(A)ᵀ instead
  // swaps which operands are transposed, at the price of transposing C in (if beta ≠ 0) and out:
  // for x·wᵀ with a small batch, the swap packs w by copying its rows and turns only x around
  // (measured on Zen 3: 1.1× faster for the MLP's layers than turning w around). Both ways
  // perform the same additions in the same order, so they give the same bits.
  const int64_t gathered = (ta ? m * k : 0) + (tb ? n * k : 0);
  const int64_t gathered_swapped = (ta ? 0 : m * k) + (tb ? 0 : n * k) + (beta != 0 ? 2 : 1) * m * n;
  if (gathered <= gathered_swapped) {
    kernels.sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workspace.data_ptr<float>());
    return true;
  }
  Tensor scratch = empty({n, m});
  float* ct = scratch.data_ptr<float>();
  if (beta != 0)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < m; ++i) ct[j * m + i] = c[i * ldc + j];
  kernels.sgemm(!tb, !ta, n, m, k, alpha, b, ldb, a, lda, beta, ct, m, workspace.data_ptr<float>());
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = ct[j * m + i];
  return true;
}

}  // namespace descent::kernels::simd
