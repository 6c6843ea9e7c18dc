#pragma once
// Matrix products: every call into BLAS in descent is in matmul.cpp, which hands float32
// products to this CPU's blocked kernel instead where that wins (tensor/kernels/simd/).
// A 2-D operand whose strides are those of a transposed matrix (a.t(), a.transpose(-2, -1)) is
// passed to BLAS with the transpose flag instead of being copied.
#include "tensor/tensor.h"

namespace descent::kernels {

// C = alpha·op(A)·op(B) + beta·C for row-major matrices (lda, ldb, ldc in elements), split
// into row blocks across threads when large enough to gain from it.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* c, int64_t ldc);

// The same product on the calling thread only, never split: for kernels that already hand
// each thread its own products (conv2d's per-image tasks), where a second split inside a task
// costs 2-14% on the small CNN's shapes.
void gemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void gemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
                 int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc);

// a: [..., M, K]  b: [..., K, N] (batch dims broadcast)  ->  [..., M, N]; both >= 2-D.
Tensor matmul(const Tensor& a, const Tensor& b);
// x: [R, K]  w: [N, K]  bias: [N] or undefined  ->  x·wᵀ + bias, the bias written into the
// output before one GEMM with beta = 1 (no second pass).
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias);

// Reference for tests: the triple loop.
Tensor matmul_naive(const Tensor& a, const Tensor& b);

}  // namespace descent::kernels
