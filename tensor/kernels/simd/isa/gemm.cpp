// A blocked float32 GEMM, compiled once per instruction set (isa.h): C = alpha·op(A)·op(B) +
// beta·C, row-major. The plain path is OpenBLAS (tensor/kernels/matmul.cpp); the table's rule
// (isa/table.cpp) says for which products this one runs instead.
//
// BLIS's structure. For each kKC-deep slice of k, B's columns are packed into panels of NR
// columns ([kc][NR], zero-padded), and A's rows into panels of Rows rows ([Rows][kc]: each row
// of A stays one contiguous run, so a plain A packs by copying rows; the kernel reads Rows runs
// side by side). Each pair of panels gives one Rows × NR tile of C, summed in registers over the
// slice. A transposed operand has to be gathered element by element instead, which is why the
// driver (simd/gemm_tuned.cpp) may compute Cᵀ = op(B)ᵀ·op(A)ᵀ to gather the smaller operand. The slices of k are equal in size
// (288 = 144 + 144, not 256 + 32, whose short slice would be mostly overhead).
//
// Every element of C is a sum over k in increasing order, slice by slice, with the same
// instructions whatever tile or thread computes it: tiles cut by the edge of C go through a
// full-size copy, so results do not depend on how callers split C among threads.
#include <utility>

#include "tensor/kernels/simd/isa/vec.h"
#include "tensor/kernels/simd/kernels.h"

namespace descent::kernels::simd::DESCENT_ISA {
namespace {

// c = alpha·sums + beta·c for a whole tile (sums: Rows × NR, rows NR apart), in the general
// case. Never inlined, so that every caller runs the same instructions: inlined, the compiler
// may fuse alpha·sums + beta·c into one multiply-add in one place and not in another, and an
// element's bits would depend on which tile, and so on how the threads cut C, it fell in.
template <int Rows, int Vecs>
__attribute__((noinline)) void scale_tile(const float* sums, float alpha, float beta, float* c, int64_t ldc) {
  const VecF va = broadcast(alpha), vb = broadcast(beta);
  for (int i = 0; i < Rows; ++i)
    for (int v = 0; v < Vecs; ++v) {
      float* p = c + i * ldc + v * kLanes;
      const VecF s = load(sums + (i * Vecs + v) * kLanes);
      store(p, beta == 0 ? va * s : va * s + vb * load(p));
    }
}

// One Rows × NR tile: c = alpha·(a-panel · b-panel) + beta·c, c rows ldc apart; with beta = 0,
// c is not read (it may hold anything, as BLAS allows). The common cases (alpha = 1 with beta
// 0 or 1: a product, or a later slice of k adding onto the earlier ones) store or add without a
// multiplication, so they round the same wherever the compiler puts them.
template <int Rows, int Vecs>
void tile(int64_t kc, const float* __restrict a, const float* __restrict b, float alpha, float beta, float* c,
          int64_t ldc) {
  constexpr int64_t NR = Vecs * kLanes;
  VecF acc[Rows][Vecs] = {};
  for (int64_t k = 0; k < kc; ++k) {
    VecF bk[Vecs];
#pragma GCC unroll 4
    for (int v = 0; v < Vecs; ++v) bk[v] = load(b + k * NR + v * kLanes);
#pragma GCC unroll 16
    for (int i = 0; i < Rows; ++i) {
      const VecF ai = broadcast(a[i * kc + k]);
#pragma GCC unroll 4
      for (int v = 0; v < Vecs; ++v) acc[i][v] += ai * bk[v];
    }
  }
  if (alpha != 1 || (beta != 0 && beta != 1)) {
    float sums[Rows * NR];
    for (int i = 0; i < Rows; ++i)
      for (int v = 0; v < Vecs; ++v) store(sums + (i * Vecs + v) * kLanes, acc[i][v]);
    return scale_tile<Rows, Vecs>(sums, alpha, beta, c, ldc);
  }
  for (int i = 0; i < Rows; ++i)
    for (int v = 0; v < Vecs; ++v) {
      float* p = c + i * ldc + v * kLanes;
      store(p, beta == 0 ? acc[i][v] : load(p) + acc[i][v]);
    }
}

// Rows [i0, i0 + mc) of op(A), k in [k0, k0 + kc): panels of Rows rows, element (i, k) at
// i·kc + k; rows past mc are zero.
template <int Rows>
void pack_a(bool ta, const float* a, int64_t lda, int64_t i0, int64_t mc, int64_t k0, int64_t kc, float* packed) {
  for (int64_t ip = 0; ip < mc; ip += Rows) {
    const int64_t mr = min(Rows, mc - ip);
    float* panel = packed + ip * kc;
    if (!ta) {  // each row of A is contiguous in k: copy it
      for (int64_t i = 0; i < mr; ++i) std::memcpy(panel + i * kc, a + (i0 + ip + i) * lda + k0, kc * sizeof(float));
    } else {  // A is stored k-major: gather, reading the panel's rows side by side at each k
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t i = 0; i < mr; ++i) panel[i * kc + k] = a[(k0 + k) * lda + i0 + ip + i];
    }
    for (int64_t i = mr; i < Rows; ++i)
      for (int64_t k = 0; k < kc; ++k) panel[i * kc + k] = 0.0f;
  }
}

// The kLanes × kLanes block m[0..kLanes) transposed in registers: log2(kLanes) rounds, each
// interleaving row i with row i + kLanes/2 (after the last round, row i holds column i).
template <size_t... I> VecF interleave_low(VecF a, VecF b, std::index_sequence<I...>) {
  return __builtin_shufflevector(a, b, int(I / 2 + (I % 2) * kLanes)...);
}
template <size_t... I> VecF interleave_high(VecF a, VecF b, std::index_sequence<I...>) {
  return __builtin_shufflevector(a, b, int(kLanes / 2 + I / 2 + (I % 2) * kLanes)...);
}
void transpose(VecF* m) {
  constexpr auto lanes = std::make_index_sequence<kLanes>();
  for (int round = 1; round < kLanes; round *= 2) {
    VecF next[kLanes];
    for (int i = 0; i < kLanes / 2; ++i) {
      next[2 * i] = interleave_low(m[i], m[i + kLanes / 2], lanes);
      next[2 * i + 1] = interleave_high(m[i], m[i + kLanes / 2], lanes);
    }
    for (int i = 0; i < kLanes; ++i) m[i] = next[i];
  }
}

// k in [k0, k0 + kc), columns [j0, j0 + nc) of op(B): panels of NR columns, [kc][NR]; columns
// past nc are zero. A plain B is copied in whole vectors; a transposed one (x·wᵀ's w, stored
// [n][k]) in kLanes × kLanes blocks turned around in registers, and element by element only at
// its ragged edges.
template <int Vecs>
void pack_b(bool tb, const float* b, int64_t ldb, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float* packed) {
  constexpr int64_t NR = Vecs * kLanes;
  for (int64_t jp = 0; jp < nc; jp += NR) {
    const int64_t nr = min(NR, nc - jp);
    float* panel = packed + jp * kc;
    int64_t k_done = 0;  // rows of the panel already filled
    if (!tb && nr == NR) {  // rows of B are contiguous in j: whole vectors
      for (int64_t k = 0; k < kc; ++k)
        for (int v = 0; v < Vecs; ++v) store(panel + k * NR + v * kLanes, load(b + (k0 + k) * ldb + j0 + jp + v * kLanes));
      k_done = kc;
    } else if (tb && nr == NR) {  // columns j of op(B) are rows of b, contiguous in k
      for (; k_done + kLanes <= kc; k_done += kLanes)
        for (int v = 0; v < Vecs; ++v) {
          VecF block[kLanes];
          for (int r = 0; r < kLanes; ++r) block[r] = load(b + (j0 + jp + v * kLanes + r) * ldb + k0 + k_done);
          transpose(block);
          for (int r = 0; r < kLanes; ++r) store(panel + (k_done + r) * NR + v * kLanes, block[r]);
        }
    }
    for (int64_t j = 0; j < NR; ++j)
      for (int64_t k = k_done; k < kc; ++k)
        panel[k * NR + j] = j >= nr ? 0.0f : tb ? b[(j0 + jp + j) * ldb + k0 + k] : b[(k0 + k) * ldb + j0 + jp + j];
  }
}

template <int Rows, int Vecs>
void blocked(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
             const float* b, int64_t ldb, float beta, float* c, int64_t ldc, float* workspace) {
  constexpr int64_t NR = Vecs * kLanes;
  float* pa = workspace;              // kMC × kKC
  float* pb = workspace + kMC * kKC;  // (kNC + NR) × kKC
  const int64_t slices = (k + kKC - 1) / kKC, depth = (k + slices - 1) / slices;
  for (int64_t j0 = 0; j0 < n; j0 += kNC) {
    const int64_t nc = min(kNC, n - j0);
    for (int64_t k0 = 0; k0 < k; k0 += depth) {
      const int64_t kc = min(depth, k - k0);
      const float slice_beta = k0 == 0 ? beta : 1.0f;  // later slices add onto the earlier ones
      pack_b<Vecs>(tb, b, ldb, k0, kc, j0, nc, pb);
      for (int64_t i0 = 0; i0 < m; i0 += kMC) {
        const int64_t mc = min(kMC, m - i0);
        pack_a<Rows>(ta, a, lda, i0, mc, k0, kc, pa);
        for (int64_t jp = 0; jp < nc; jp += NR)
          for (int64_t ip = 0; ip < mc; ip += Rows) {
            const int64_t mr = min(Rows, mc - ip), nr = min(NR, nc - jp);
            float* cij = c + (i0 + ip) * ldc + j0 + jp;
            if (mr == Rows && nr == NR) {
              tile<Rows, Vecs>(kc, pa + ip * kc, pb + jp * kc, alpha, slice_beta, cij, ldc);
              continue;
            }
            float part[Rows * NR] = {};  // the edge of C: the same instructions on a copy
            if (slice_beta != 0)
              for (int64_t i = 0; i < mr; ++i) std::memcpy(part + i * NR, cij + i * ldc, nr * sizeof(float));
            tile<Rows, Vecs>(kc, pa + ip * kc, pb + jp * kc, alpha, slice_beta, part, NR);
            for (int64_t i = 0; i < mr; ++i) std::memcpy(cij + i * ldc, part + i * NR, nr * sizeof(float));
          }
      }
    }
  }
}

}  // namespace

// The general tile, or for products at most one vector wide a tile twice as tall and one vector
// wide, which keeps as many accumulators busy where the general one would be half empty.
void sgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc, float* workspace) {
  if (n <= kLanes) return blocked<2 * kGemmRows, 1>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workspace);
  blocked<kGemmRows, kGemmVecs>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workspace);
}

// Floats of workspace sgemm needs: the A block and the B slice with its last panel's padding.
int64_t sgemm_workspace() { return kMC * kKC + (kNC + kGemmVecs * kLanes) * kKC; }

}  // namespace descent::kernels::simd::DESCENT_ISA
