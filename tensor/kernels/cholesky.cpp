// Cholesky through LAPACK's dpotrf_/dpotrs_ (in libopenblas). LAPACK is column-major: a
// row-major symmetric matrix is its own transpose, so we hand it over as is and ask for the
// upper factor U (Uᵀ·U = A, column-major), which read row-major is the lower factor L = Uᵀ.
#include "tensor/kernels/cholesky.h"

#include <cassert>
#include <cmath>
#include <cstddef>
#include <vector>

// LAPACK's Fortran interface; the trailing size_t is the hidden length of the CHARACTER argument.
extern "C" {
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t uplo_len);
void dpotrs_(const char* uplo, const int* n, const int* nrhs, const double* a, const int* lda, double* b,
             const int* ldb, int* info, size_t uplo_len);
}

namespace descent::kernels {

bool cholesky_(const Tensor& a) {
  assert(a.dim() == 2 && a.size(0) == a.size(1) && a.dtype() == kFloat64 && a.is_contiguous());
  const int n = int(a.size(0));
  int info = 0;
  if (n > 0) dpotrf_("U", &n, a.data_ptr<double>(), &n, &info, 1);
  assert(info >= 0);  // < 0 would be a bad argument, i.e. a bug here
  a.bump_version();
  return info == 0;  // > 0: the leading minor of order `info` is not positive definite
}

void cholesky_solve_(const Tensor& factor, const Tensor& b) {
  assert(factor.dim() == 2 && factor.dtype() == kFloat64 && b.dtype() == kFloat64 && b.is_contiguous());
  const int n = int(factor.size(0));
  const int k = b.dim() == 1 ? 1 : int(b.size(1));
  if (n == 0 || k == 0) return;
  int info = 0;
  double* x = b.data_ptr<double>();
  if (k == 1) {
    dpotrs_("U", &n, &k, factor.data_ptr<double>(), &n, x, &n, &info, 1);
  } else {
    // b is row-major [n, k]; LAPACK wants each right-hand side as a contiguous column.
    std::vector<double> columns(size_t(n) * size_t(k));
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < k; ++j) columns[size_t(j) * n + i] = x[size_t(i) * k + j];
    dpotrs_("U", &n, &k, factor.data_ptr<double>(), &n, columns.data(), &n, &info, 1);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < k; ++j) x[size_t(i) * k + j] = columns[size_t(j) * n + i];
  }
  assert(info == 0);
  b.bump_version();
}

bool cholesky_naive_(const Tensor& a) {
  const int64_t n = a.size(0);
  double* A = a.data_ptr<double>();
  for (int64_t j = 0; j < n; ++j) {
    double diag = A[j * n + j];
    for (int64_t k = 0; k < j; ++k) diag -= A[j * n + k] * A[j * n + k];
    if (!(diag > 0)) return false;
    A[j * n + j] = std::sqrt(diag);
    for (int64_t i = j + 1; i < n; ++i) {
      double v = A[i * n + j];
      for (int64_t k = 0; k < j; ++k) v -= A[i * n + k] * A[j * n + k];
      A[i * n + j] = v / A[j * n + j];
    }
  }
  a.bump_version();
  return true;
}

}  // namespace descent::kernels
