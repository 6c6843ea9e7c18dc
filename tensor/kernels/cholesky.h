#pragma once
// Cholesky factorization and solve of symmetric positive definite float64 systems, through the
// LAPACK that ships inside OpenBLAS (dpotrf_ factors A = L·Lᵀ, dpotrs_ solves with the factor).
// optim::Newton uses it for its damped Newton step (H + λI)·d = g: a failed factorization is
// how it learns that H + λI is not positive definite yet. Like every kernel: no graph, and the
// caller checks its arguments. Read optim/newton.cpp for the use.
#include "tensor/tensor.h"

namespace descent::kernels {

// Factors the symmetric matrix a ([n, n], float64, contiguous) in place: its lower triangle
// becomes L with L·Lᵀ = a (the strictly upper triangle keeps a's values). Returns false when a
// is not positive definite; a's contents are then unspecified.
bool cholesky_(const Tensor& a);

// Solves L·Lᵀ·x = b in place for b ([n] or [n, k], float64, contiguous), where `factor` is
// the output of a successful cholesky_.
void cholesky_solve_(const Tensor& factor, const Tensor& b);

// Reference for tests: the textbook O(n³) loop on the lower triangle; same contract as cholesky_.
bool cholesky_naive_(const Tensor& a);

}  // namespace descent::kernels
