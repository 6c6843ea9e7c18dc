#pragma once
// Float32 GEMM by this CPU's blocked kernel (isa/gemm.cpp), where its table's rule says it beats
// OpenBLAS. tensor/kernels/matmul.cpp calls this first and OpenBLAS when it returns false.
#include <cstdint>

namespace descent::kernels::simd {

// C = alpha·op(A)·op(B) + beta·C (row-major; as cblas_sgemm): computes it and returns true, or
// returns false and leaves C alone.
bool sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

}  // namespace descent::kernels::simd
