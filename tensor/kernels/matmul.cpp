// GEMM through OpenBLAS, or for large float32 products on CPUs with AVX-512 through a blocked
// kernel of our own (below). OpenBLAS runs single-threaded (tensor/parallel.cpp); a large
// product is cut into row blocks of C that oneTBB's threads hand to concurrent single-threaded
// GEMMs, and a batch of small products runs one product per task.
#include "tensor/kernels/matmul.h"

#include <cblas.h>

#include <algorithm>
#include <cstring>

#include "tensor/factory.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/loop.h"
#include "tensor/kernels/vec.h"

namespace descent::kernels {
namespace {

// Below this many multiply-adds a product runs on one thread (about 50 µs of work).
constexpr int64_t kParallelFlops = 1 << 21;

#if defined(__AVX512F__)
// ---- A blocked float32 GEMM for CPUs with AVX-512 --------------------------------------------
// OpenBLAS chooses its kernels when it is loaded, and not always the widest the CPU has: with
// OPENBLAS_CORETYPE=Haswell (the development machine's setting) it runs AVX2 kernels at 105-125
// GFLOP/s per core, where AVX-512 FMAs give twice that. When descent is compiled for AVX-512
// (-march=native on such a CPU), float32 products of at least kBlockedMinWork multiply-adds and
// at least kBlockedMinSide rows and columns run the loops below instead: BLIS's structure,
// 170-235 GFLOP/s per core on the MLP's and the small CNN's shapes. Smaller or thinner products
// (packing or half-empty tiles would dominate), float64 and other builds use OpenBLAS.
//
// The structure: for each kKC-deep slice of k, B's columns are packed into kNR-wide panels
// ([kc][kNR], zero-padded) and A's rows into kMR-tall panels (row i of a panel at i·kKC); then
// each pair of panels gives one kMR×kNR tile of C, summed in registers. Every element of C is a
// sum over k in increasing order, slice by slice, whatever the tile or the thread that computes
// it: results do not depend on how C is cut among threads.
constexpr int64_t kBlockedMinWork = int64_t(1) << 16, kBlockedMinSide = 16;
constexpr int64_t kKC = 256, kMC = 128, kNC = 1024;  // a B panel stays in L1, an A block in L2

// The register tile is MR rows × NR columns: 8 × 32 (2 vectors a row) in general, and 16 × 16
// (1 vector) for products with at most 16 columns, which would leave half of a 32-wide tile
// empty (a weight gradient [K, O] with O = 16, say). Either is 16 accumulators.
template <int64_t MR, int64_t NR> struct TileShape {
  static constexpr int64_t kMR = MR, kNR = NR;
  static constexpr int kVecs = int(NR / kVecLanes);
  static_assert(kMC % MR == 0 && NR % kVecLanes == 0);
};
using WideTile = TileShape<8, 32>;
using NarrowTile = TileShape<16, 16>;

// out[i][j] = Σ_k a[i·kKC + k] · b[k·kNR + j], the accumulators in registers (vec.h says why
// vector types). A taller wide tile (12 rows) runs out of registers and spills.
template <class S> void gemm_tile(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict out) {
  VecF acc[S::kMR][S::kVecs] = {};
  for (int64_t k = 0; k < kc; ++k) {
    VecF bk[S::kVecs];
#pragma GCC unroll 4
    for (int v = 0; v < S::kVecs; ++v) bk[v] = load(b + k * S::kNR + v * kVecLanes);
#pragma GCC unroll 16
    for (int i = 0; i < S::kMR; ++i) {
      const VecF ai = broadcast(a[i * kKC + k]);
#pragma GCC unroll 4
      for (int v = 0; v < S::kVecs; ++v) acc[i][v] += ai * bk[v];
    }
  }
  std::memcpy(out, acc, sizeof(acc));
}

// Rows [i0, i0 + mc) of op(A), k in [k0, k0 + kc): panels of kMR rows, each row kKC apart.
template <class S>
void pack_a(bool ta, const float* a, int64_t lda, int64_t i0, int64_t mc, int64_t k0, int64_t kc, float* packed) {
  for (int64_t ip = 0; ip < mc; ip += S::kMR) {
    const int64_t mr = std::min(S::kMR, mc - ip);
    float* panel = packed + ip * kKC;
    if (!ta) {  // rows of A are contiguous in k: copy them
      for (int64_t i = 0; i < mr; ++i) std::memcpy(panel + i * kKC, a + (i0 + ip + i) * lda + k0, kc * sizeof(float));
    } else {  // A is stored k-major: gather
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t i = 0; i < mr; ++i) panel[i * kKC + k] = a[(k0 + k) * lda + i0 + ip + i];
    }
    for (int64_t i = mr; i < S::kMR; ++i) std::fill(panel + i * kKC, panel + i * kKC + kc, 0.0f);
  }
}

// k in [k0, k0 + kc), columns [j0, j0 + nc) of op(B): panels of kNR columns, [kc][kNR].
template <class S>
void pack_b(bool tb, const float* b, int64_t ldb, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float* packed) {
  for (int64_t jp = 0; jp < nc; jp += S::kNR) {
    const int64_t nr = std::min(S::kNR, nc - jp);
    float* panel = packed + jp * kc;
    if (!tb && nr == S::kNR) {  // rows of B are contiguous in j: copy them (a fixed size, inline)
      for (int64_t k = 0; k < kc; ++k)
        for (int v = 0; v < S::kVecs; ++v)
          store(panel + k * S::kNR + v * kVecLanes, load(b + (k0 + k) * ldb + j0 + jp + v * kVecLanes));
    } else if (!tb) {
      for (int64_t k = 0; k < kc; ++k) std::memcpy(panel + k * S::kNR, b + (k0 + k) * ldb + j0 + jp, nr * sizeof(float));
    } else {  // B is stored j-major: gather
      for (int64_t j = 0; j < nr; ++j)
        for (int64_t k = 0; k < kc; ++k) panel[k * S::kNR + j] = b[(j0 + jp + j) * ldb + k0 + k];
    }
    if (nr < S::kNR)
      for (int64_t k = 0; k < kc; ++k) std::fill(panel + k * S::kNR + nr, panel + (k + 1) * S::kNR, 0.0f);
  }
}

template <class S>
void blocked_core(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                  const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  Tensor packed_a = empty({kMC * kKC}), packed_b = empty({std::min(n, kNC) * kKC + S::kNR * kKC});
  float* pa = packed_a.data_ptr<float>();
  float* pb = packed_b.data_ptr<float>();
  for (int64_t j0 = 0; j0 < n; j0 += kNC) {
    const int64_t nc = std::min(kNC, n - j0);
    for (int64_t k0 = 0; k0 < k; k0 += kKC) {
      const int64_t kc = std::min(kKC, k - k0);
      const float scale_c = k0 == 0 ? beta : 1.0f;  // later slices add onto the earlier ones
      pack_b<S>(tb, b, ldb, k0, kc, j0, nc, pb);
      for (int64_t i0 = 0; i0 < m; i0 += kMC) {
        const int64_t mc = std::min(kMC, m - i0);
        pack_a<S>(ta, a, lda, i0, mc, k0, kc, pa);
        for (int64_t jp = 0; jp < nc; jp += S::kNR)
          for (int64_t ip = 0; ip < mc; ip += S::kMR) {
            alignas(64) float tile[S::kMR * S::kNR];
            gemm_tile<S>(kc, pa + ip * kKC, pb + jp * kc, tile);
            const int64_t mr = std::min(S::kMR, mc - ip), nr = std::min(S::kNR, nc - jp);
            for (int64_t i = 0; i < mr; ++i) {
              float* row = c + (i0 + ip + i) * ldc + j0 + jp;
              const float* t = tile + i * S::kNR;
              if (scale_c == 0) {  // C is not read (it may hold anything, as BLAS allows)
                for (int64_t j = 0; j < nr; ++j) row[j] = alpha * t[j];
              } else {
                for (int64_t j = 0; j < nr; ++j) row[j] = alpha * t[j] + scale_c * row[j];
              }
            }
          }
      }
    }
  }
}

void blocked_core(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                  const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (n <= NarrowTile::kNR) return blocked_core<NarrowTile>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  blocked_core<WideTile>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// A transposed operand is gathered element by element while packing, a plain one copied row
// by row. Computing Cᵀ = op(B)ᵀ·op(A)ᵀ instead swaps which operands are gathered, at the price of
// transposing C in (if beta ≠ 0) and out: for x·wᵀ with a small batch, that gathers x, not w.
// Both ways perform the same additions in the same order, so they give the same bits.
void blocked_sgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                   const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const int64_t gathered = (ta ? m * k : 0) + (tb ? n * k : 0);
  const int64_t gathered_swapped = (ta ? 0 : m * k) + (tb ? 0 : n * k) + (beta != 0 ? 2 : 1) * m * n;
  if (gathered <= gathered_swapped) return blocked_core(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  Tensor scratch = empty({n, m});
  float* ct = scratch.data_ptr<float>();
  if (beta != 0)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < m; ++i) ct[j * m + i] = c[i * ldc + j];
  blocked_core(!tb, !ta, n, m, k, alpha, b, ldb, a, lda, beta, ct, m);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = ct[j * m + i];
}
#endif  // __AVX512F__

void blas(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda, const float* b,
          int64_t ldb, float beta, float* c, int64_t ldc) {
#if defined(__AVX512F__)
  if (m * n * k >= kBlockedMinWork && std::min(m, n) >= kBlockedMinSide)
    return blocked_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n), int(k),
              alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}
void blas(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n), int(k),
              alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}

template <class T>
void gemm_split(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
                int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  const int threads = get_num_threads();
  if (threads == 1 || m * n * k < kParallelFlops) return blas(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (m >= n || m >= 64) {
    // Row blocks of C: rows [r0, r1) of op(A) start at a + r0·lda (or column r0 when transposed).
    const int64_t block = (m + threads - 1) / threads;
    parallel_for(0, m, block, [&](int64_t r0, int64_t r1) {
      const T* a0 = ta ? a + r0 : a + r0 * lda;
      blas(ta, tb, r1 - r0, n, k, alpha, a0, lda, b, ldb, beta, c + r0 * ldc, ldc);
    });
  } else {
    // Column blocks of C: columns [c0, c1) of op(B).
    const int64_t block = (n + threads - 1) / threads;
    parallel_for(0, n, block, [&](int64_t c0, int64_t c1) {
      const T* b0 = tb ? b + c0 * ldb : b + c0;
      blas(ta, tb, m, c1 - c0, k, alpha, a, lda, b0, ldb, beta, c + c0, ldc);
    });
  }
}

// How BLAS can read the last two dims of t: unit stride along columns (plain) or along rows
// (transposed). Anything else is copied first.
struct MatrixView {
  Tensor t;  // possibly a contiguous copy
  bool trans = false;
  int64_t ld = 0;
};
MatrixView as_blas_matrix(const Tensor& t) {
  const int64_t d = t.dim(), rows = t.sizes()[size_t(d - 2)], cols = t.sizes()[size_t(d - 1)];
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
