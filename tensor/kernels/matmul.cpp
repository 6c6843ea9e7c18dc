// GEMM through OpenBLAS, or for float32 products where this CPU's blocked kernel wins, through
// that (tensor/kernels/simd/). OpenBLAS runs single-threaded (tensor/parallel.cpp); a large
// product is cut into row blocks of C that oneTBB's threads hand to concurrent single-threaded
// GEMMs, and a batch of small products runs one product per task.
#include "tensor/kernels/matmul.h"

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "tensor/factory.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/loop.h"
#include "tensor/kernels/simd/gemm_tuned.h"

namespace descent::kernels {
namespace {

// Below this many multiply-adds a product runs on one thread (about 50 µs of work).
constexpr int64_t kParallelFlops = 1 << 21;

// One GEMM on the calling thread. A float32 product goes to this CPU's blocked kernel where its
// measured rule says that wins (tensor/kernels/simd/gemm_tuned.h); everything else to OpenBLAS.
void blas(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda, const float* b,
          int64_t ldb, float beta, float* c, int64_t ldc) {
  if (simd::sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) return;
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n), int(k),
              alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}
void blas(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n), int(k),
              alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}

// A large product is cut into pieces that oneTBB's threads share: blocks of C's rows or of its
// columns, whichever C has more of. Each piece packs its own part of one operand and all of the
// other, so cutting the longer side repacks the smaller operand, and pieces keep at least
// kMinPieceExtent rows or columns (repacking then costs a few percent); their count is a power of
// two, so that it splits evenly over 2 or 4 threads. A product too narrow for two such pieces
// still splits into halves of at least kMinHalfExtent: left on one thread, the 512→256 layer of
// an MLP at batch 64 made its whole training step 5% slower on two threads. The cut depends on the shape only, never on
// the thread count: OpenBLAS may round an element differently depending on where it falls among
// a call's tiles, so the same call per element is what keeps results identical on any number of
// threads.
constexpr int64_t kMaxPieces = 16, kMinPieceExtent = 256, kMinHalfExtent = 128;

template <class T>
void gemm_split(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
                int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  const bool by_rows = m >= n;
  const int64_t extent = by_rows ? m : n;
  int64_t pieces = 1;
  const auto fits = [&](int64_t count) {
    const int64_t least = count == 2 ? kMinHalfExtent : kMinPieceExtent;
    return count <= kMaxPieces && count * least <= extent && count * kParallelFlops <= m * n * k;
  };
  while (fits(2 * pieces)) pieces *= 2;
  if (pieces < 2) return blas(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  const int64_t block = (extent + pieces - 1) / pieces;
  parallel_for(0, pieces, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t piece = p0; piece < p1; ++piece) {
      const int64_t i0 = piece * block, i1 = std::min(extent, i0 + block);
      if (by_rows) {  // rows [i0, i1) of op(A) start at a + i0·lda (or column i0 when transposed)
        blas(ta, tb, i1 - i0, n, k, alpha, ta ? a + i0 : a + i0 * lda, lda, b, ldb, beta, c + i0 * ldc, ldc);
      } else {  // columns [i0, i1) of op(B)
        blas(ta, tb, m, i1 - i0, k, alpha, a, lda, tb ? b + i0 * ldb : b + i0, ldb, beta, c + i0, ldc);
      }
    }
  });
}

// How BLAS can read the last two dims of t: unit stride along columns (plain) or along rows
// (transposed). Anything else is copied first.
struct MatrixView {
  Tensor t;  // possibly a contiguous copy
  bool trans = false;
  int64_t ld = 0;
};
MatrixView as_blas_matrix(const Tensor& t) {
  const int64_t d = t.dim();
  if (d < 2) throw std::logic_error("matmul: as_blas_matrix needs at least 2 dims");  // callers check; GCC cannot see it
  const int64_t rows = t.sizes()[size_t(d - 2)], cols = t.sizes()[size_t(d - 1)];
  const int64_t rs = t.strides()[size_t(d - 2)], cs = t.strides()[size_t(d - 1)];
  if ((cs == 1 || cols == 1) && rs >= std::max<int64_t>(cols, 1)) return {t, false, rs};
  if ((rs == 1 || rows == 1) && cs >= std::max<int64_t>(rows, 1)) return {t, true, cs};
  Tensor c = contiguous(t);
  return {c, false, std::max<int64_t>(cols, 1)};
}

}  // namespace

void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda, const float* b,
          int64_t ldb, float beta, float* c, int64_t ldc) {
  gemm_split(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  gemm_split(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm_serial(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                 const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m > 0 && n > 0) blas(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void gemm_serial(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t lda,
                 const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  if (m > 0 && n > 0) blas(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

namespace {
// Element strides of t's batch dims (all but the last two), right-aligned to `batch`; 0 where
// t is broadcast.
Dims batch_strides(const Tensor& t, const Dims& batch) {
  Dims s(batch.size(), 0);
  const size_t nb = size_t(t.dim() - 2), lead = batch.size() - nb;
  for (size_t i = 0; i < nb; ++i) s[lead + i] = t.sizes()[i] == 1 ? 0 : t.strides()[i];
  return s;
}
int64_t batch_offset(int64_t index, const Dims& batch, const Dims& strides) {
  int64_t off = 0;
  for (size_t d = batch.size(); d-- > 0;) {
    off += (index % batch[d]) * strides[d];
    index /= batch[d];
  }
  return off;
}
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  const int64_t m = a.sizes()[size_t(a.dim() - 2)], k = a.sizes().back(), n = b.sizes().back();
  Dims batch = broadcast_shapes(Dims(a.sizes().begin(), a.sizes().end() - 2),
                                Dims(b.sizes().begin(), b.sizes().end() - 2), "matmul");
  Dims out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = empty(out_shape, a.dtype());
  if (out.numel() == 0) return out;
  if (k == 0) return zeros(out_shape, a.dtype());
  MatrixView va = as_blas_matrix(a), vb = as_blas_matrix(b);
  const Dims sa = batch_strides(va.t, batch), sb = batch_strides(vb.t, batch);
  const int64_t batches = numel_of(batch);
  const bool b_shared = std::all_of(sb.begin(), sb.end(), [](int64_t s) { return s == 0; });
  dispatch_floating(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = static_cast<const T*>(va.t.raw_data());
    const T* pb = static_cast<const T*>(vb.t.raw_data());
    T* pc = out.data_ptr<T>();
    if (batches == 1) return gemm(va.trans, vb.trans, m, n, k, T(1), pa, va.ld, pb, vb.ld, T(0), pc, n);
    if (b_shared && !va.trans && va.t.is_contiguous() && int64_t(sa.size()) == va.t.dim() - 2) {
      // [B, M, K]·[K, N]: the batch folds into the rows of one GEMM.
      return gemm(false, vb.trans, batches * m, n, k, T(1), pa, va.ld, pb, vb.ld, T(0), pc, n);
    }
    parallel_for(0, batches, std::max<int64_t>(1, kParallelFlops / std::max<int64_t>(m * n * k, 1)),
                 [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; ++i)
        blas(va.trans, vb.trans, m, n, k, T(1), pa + batch_offset(i, batch, sa), va.ld, pb + batch_offset(i, batch, sb),
             vb.ld, T(0), pc + i * m * n, n);
    });
  });
  return out;
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
  const int64_t rows = x.sizes()[0], k = x.sizes()[1], n = w.sizes()[0];
  Tensor out = empty({rows, n}, x.dtype());
  MatrixView vx = as_blas_matrix(x), vw = as_blas_matrix(w);
  if (bias.defined()) copy_(out, bias);  // broadcast over rows; the GEMM adds onto it
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    gemm(vx.trans, !vw.trans, rows, n, k, T(1), static_cast<const T*>(vx.t.raw_data()), vx.ld,
         static_cast<const T*>(vw.t.raw_data()), vw.ld, T(bias.defined() ? 1 : 0), out.data_ptr<T>(), n);
  });
  return out;
}

Tensor matmul_naive(const Tensor& a, const Tensor& b) {
  const int64_t m = a.sizes()[0], k = a.sizes()[1], n = b.sizes()[1];
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>(), z(size_t(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t l = 0; l < k; ++l) z[size_t(i * n + j)] += x[size_t(i * k + l)] * y[size_t(l * n + j)];
  return tensor(z, {m, n}, a.dtype());
}

}  // namespace descent::kernels
