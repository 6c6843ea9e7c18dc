// The tuned kernels (tensor/kernels/simd/kernels.h) against plain float64 loops, on every
// instruction set this CPU runs: the blocked SGEMM, the direct convolution's forward and weight
// gradient, and 2×2 max pooling, each through the table of that set. Dependency-free (no
// Tensor, no Catch2): it is also cross-built for aarch64 and run under qemu, where it checks the
// NEON table. The library-level tests (tests/tensor/) check the same kernels through conv2d and
// matmul; these check each kernel's own contract, edge by edge of its tiles and blocks.
//
// Compiled a second time as test_simd_kernels_avx512_on_avx2 (tests/simd/CMakeLists.txt says
// why), where it checks only that build's avx512::table().
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "tensor/kernels/simd/kernels.h"

using namespace descent::kernels::simd;

namespace {

// ---- Checking: count failing cases, print each one's first mismatches with numbers -----------

int failed_cases = 0, cases = 0;

// Compares got(i) with the float64 want(i), within tol(i), for i < count; a NaN never passes.
// where(i) names element i for the message.
template <class Got, class Want, class Tol, class Where>
void expect_close(const std::string& what, int64_t count, Got got, Want want, Tol tol, Where where) {
  ++cases;
  int64_t bad = 0;
  double worst = 0;
  for (int64_t i = 0; i < count; ++i) {
    const double g = got(i), w = want(i), t = tol(i), err = std::fabs(g - w);
    if (err <= t) continue;  // false for NaN
    if (bad < 4)
      std::printf("  %s: %s is %.9g, float64 gives %.9g (off by %.3g, tolerance %.3g)\n", what.c_str(),
                  where(i).c_str(), g, w, err, t);
    worst = std::isnan(err) || err > worst ? err : worst;
    ++bad;
  }
  if (!bad) return;
  std::printf("FAIL %s: %lld of %lld values out of tolerance, largest error %.3g\n", what.c_str(), (long long)bad,
              (long long)count, worst);
  ++failed_cases;
}

// A condition with its explanation.
void expect(bool ok, const std::string& what, const std::string& why) {
  ++cases;
  if (ok) return;
  std::printf("FAIL %s: %s\n", what.c_str(), why.c_str());
  ++failed_cases;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::string str(const char* format, long long a, long long b = 0, long long c = 0, long long d = 0) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, format, a, b, c, d);
  return buffer;
}

// The rounding error of a sum of `terms` float32 products of total magnitude `magnitude` is at
// most about terms · 2⁻²⁴ · magnitude; twice that, plus a few roundings for alpha, beta and the
// lanes' final sum. A wrong or missing term errs by about magnitude / terms, far above it.
double tolerance(int64_t terms, double magnitude) { return double(terms + 8) * 0x1p-23 * magnitude; }

// xorshift64*: the same numbers on every platform and standard library.
struct Random {
  uint64_t state;
  explicit Random(uint64_t seed) : state(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    state ^= state >> 12, state ^= state << 25, state ^= state >> 27;
    return state * 0x2545F4914F6CDD1Dull;
  }
  float uniform(float lo, float hi) { return lo + (hi - lo) * float(next() >> 40) * 0x1p-24f; }
  int64_t below(int64_t n) { return int64_t(next() % uint64_t(n)); }
  std::vector<float> floats(int64_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = uniform(-1, 1);
    return v;
  }
};

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// ---- The tiles of each instruction set -----------------------------------------------------

// isa/isa.h's GEMM tiles and blocks, and the weight gradient's blocks of images, which the table
// does not carry: the shapes below cross each of their edges. Checked against what the table
// does carry (its lanes and GEMM workspace size), so that a change of isa.h shows here.
struct Tiles {
  int64_t lanes, rows, vecs;  // wide tile: rows × vecs·lanes; narrow (n ≤ lanes): 2·rows × lanes
  int64_t kc = 256, mc = 16 * rows, nc = 1024;
  int64_t grad_l1 = 4096;  // kGradL1Floats
};

Tiles tiles_of(Isa isa) {
  switch (isa) {
    case Isa::avx512: return {16, 8, 2};
    case Isa::avx2: return {8, 6, 2};
    default: return {4, 8, 3};  // neon
  }
}

void check_tiles(const Kernels& t, const Tiles& s) {
  const std::string what = std::string(isa_name(t.isa)) + " tiles";
  expect(t.grad_position_tile == s.lanes && t.conv_position_tile % s.lanes == 0, what,
         str("the table has %lld lanes, the test %lld: update tiles_of", t.grad_position_tile, s.lanes));
  expect(t.sgemm_workspace == s.mc * s.kc + (s.nc + s.vecs * s.lanes) * s.kc, what,
         str("the table's GEMM workspace is %lld floats, the test's tiles give %lld: update tiles_of",
             t.sgemm_workspace, s.mc * s.kc + (s.nc + s.vecs * s.lanes) * s.kc));
}

// ---- SGEMM ---------------------------------------------------------------------------------

struct Gemm {
  bool ta, tb;
  int64_t m, n, k;
  float alpha, beta;
};

// One product against float64, with padded leading dimensions (the padding NaN, so a read of
// it shows), NaN in C when beta is 0 (BLAS does not read C then), and C computed whole and as
// two row halves (as callers split C among threads), which must agree bit for bit.
void check_sgemm(const Kernels& t, const Gemm& p, int64_t lanes, Random& random) {
  const auto [ta, tb, m, n, k, alpha, beta] = p;
  char name[160];
  std::snprintf(name, sizeof name, "%s sgemm %c%c m=%lld n=%lld k=%lld alpha=%g beta=%g", isa_name(t.isa),
                ta ? 'T' : 'N', tb ? 'T' : 'N', (long long)m, (long long)n, (long long)k, alpha, beta);
  const std::string what = name;
  // op(A): [m, k], stored [m, k] or, transposed, [k, m]; op(B): [k, n], stored [k, n] or [n, k].
  const int64_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
  std::vector<float> a((ta ? k : m) * lda, kNaN), b((tb ? n : k) * ldb, kNaN), c0(m * ldc, kNaN);
  auto at_a = [&](int64_t i, int64_t l) -> float& { return ta ? a[l * lda + i] : a[i * lda + l]; };
  auto at_b = [&](int64_t l, int64_t j) -> float& { return tb ? b[j * ldb + l] : b[l * ldb + j]; };
  for (int64_t i = 0; i < m; ++i)
    for (int64_t l = 0; l < k; ++l) at_a(i, l) = random.uniform(-1, 1);
  for (int64_t l = 0; l < k; ++l)
    for (int64_t j = 0; j < n; ++j) at_b(l, j) = random.uniform(-1, 1);
  if (beta != 0)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c0[i * ldc + j] = random.uniform(-1, 1);

  std::vector<float> workspace(t.sgemm_workspace);
  auto run = [&](int64_t i0, int64_t i1, int64_t j0, int64_t j1, std::vector<float>& c) {
    const float* a0 = ta ? &a[i0] : &a[i0 * lda];
    const float* b0 = tb ? &b[j0 * ldb] : &b[j0];
    t.sgemm(ta, tb, i1 - i0, j1 - j0, k, alpha, a0, lda, b0, ldb, beta, &c[i0 * ldc + j0], ldc, workspace.data());
  };
  std::vector<float> whole = c0, rows = c0, columns = c0;
  run(0, m, 0, n, whole);

  // The float64 loop, with op(A) and op(B)ᵀ copied row by row first.
  std::vector<double> da(m * k), db(n * k), want(m * n), magnitude(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t l = 0; l < k; ++l) da[i * k + l] = at_a(i, l);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t l = 0; l < k; ++l) db[j * k + l] = at_b(l, j);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0, size = 0;
      for (int64_t l = 0; l < k; ++l) {
        sum += da[i * k + l] * db[j * k + l];
        size += std::fabs(da[i * k + l] * db[j * k + l]);
      }
      const double c = beta == 0 ? 0.0 : double(beta) * c0[i * ldc + j];
      want[i * n + j] = alpha * sum + c;
      magnitude[i * n + j] = std::fabs(alpha) * size + std::fabs(c);
    }
  expect_close(
      what, m * n, [&](int64_t i) { return whole[i / n * ldc + i % n]; }, [&](int64_t i) { return want[i]; },
      [&](int64_t i) { return tolerance(k, magnitude[i]); },
      [&](int64_t i) { return str("C[%lld][%lld]", i / n, i % n); });
  bool padding_kept = true;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = n; j < ldc; ++j) padding_kept &= std::isnan(whole[i * ldc + j]);
  expect(padding_kept, what, "wrote C between rows (columns n .. ldc)");

  if (m >= 2) {
    run(0, m / 2, 0, n, rows);
    run(m / 2, m, 0, n, rows);
    expect(same_bits(whole, rows), what, str("rows [0, %lld) and [%lld, m) computed apart differ from C computed whole",
                                             m / 2, m / 2));
  }
  // Columns apart too, where both parts take the same tile as the whole. The narrow tile (n at
  // most one vector) and the wide one are different code, which may round alpha·acc + beta·c
  // differently (the compiler fuses one product or the other into a multiply-add).
  auto narrow = [&](int64_t columns) { return columns <= lanes; };
  if (n >= 2 && narrow(n / 2) == narrow(n) && narrow(n - n / 2) == narrow(n)) {
    run(0, m, 0, n / 2, columns);
    run(0, m, n / 2, n, columns);
    expect(same_bits(whole, columns), what,
           str("columns [0, %lld) and [%lld, n) computed apart differ from C computed whole", n / 2, n / 2));
  }
}

void check_sgemms(const Kernels& t, const Tiles& s, Random& random) {
  const int64_t R = s.rows, L = s.lanes, NR = s.vecs * s.lanes;
  const float scalars[][2] = {{1, 0}, {1, 1}, {0.5f, 0}, {-1.25f, 0.75f}};
  int64_t shape = 0;  // each shape gives the four transpositions the four pairs in another order
  auto each_transpose = [&](int64_t m, int64_t n, int64_t k) {
    for (int trans = 0; trans < 4; ++trans) {
      const float* ab = scalars[(trans + shape) % 4];
      check_sgemm(t, {bool(trans & 1), bool(trans & 2), m, n, k, ab[0], ab[1]}, s.lanes, random);
    }
    ++shape;
  };
  // Every edge of both tiles: rows around R and 2R (the narrow tile), columns around L (where
  // the narrow tile gives way to the wide one) and NR; k = 1.
  for (int64_t m : {int64_t(1), R - 1, R, R + 1, 2 * R, 2 * R + 1})
    for (int64_t n : {int64_t(1), L - 1, L, L + 1, NR - 1, NR, NR + 1, 2 * NR + 3})
      for (int64_t k : {1, 5}) each_transpose(m, n, k);
  // Slices of k: one full, one and a bit (two equal halves), three.
  for (int64_t k : {s.kc - 1, s.kc, s.kc + 1, 2 * s.kc + 1, 3 * s.kc + 2}) each_transpose(R + 1, NR + 1, k);
  // Blocks of rows (mc), for both tiles.
  for (int64_t m : {s.mc - 1, s.mc, s.mc + 1, 2 * s.mc + R + 1})
    for (int64_t n : {L, NR + 1}) each_transpose(m, n, 7);
  // Blocks of columns (nc).
  for (int64_t n : {s.nc - 1, s.nc, s.nc + 1, s.nc + NR + 1}) each_transpose(R + 1, n, 3);
  // Every edge at once.
  each_transpose(s.mc + R + 1, s.nc + L + 1, s.kc + 3);
}

// ---- Direct convolution --------------------------------------------------------------------

// `taps` offsets in [0, spread), in no particular order (a convolution's are increasing, but
// the contract does not ask it), followed by zeros up to `padded`.
std::vector<int64_t> random_offsets(int64_t taps, int64_t padded, int64_t spread, Random& random) {
  std::vector<int64_t> offsets(padded, 0);
  for (int64_t i = 0; i < taps; ++i) offsets[i] = random.below(spread);
  return offsets;
}

int64_t max_of(const std::vector<int64_t>& v) {
  int64_t m = 0;
  for (int64_t x : v) m = x > m ? x : m;
  return m;
}

// out[o][q] = bias[o] + Σ_t w[o][t] · x[q + offsets[t]], x exactly as long as the contract
// says it is read (so that the sanitizers see a read past it), out prefilled with NaN.
void check_conv_forward(const Kernels& t, int64_t taps, int64_t row_tiles, int64_t position_tiles, bool with_bias,
                        Random& random) {
  const int64_t rows = row_tiles * t.conv_row_tile, positions = position_tiles * t.conv_position_tile;
  const std::string what = std::string(isa_name(t.isa)) +
                           str(" conv_forward taps=%lld rows=%lld positions=%lld bias=%lld", taps, rows, positions,
                               with_bias);
  const std::vector<int64_t> offsets = random_offsets(taps, taps, 3 * t.conv_position_tile + 5, random);
  const std::vector<float> x = random.floats(positions + max_of(offsets)), w = random.floats(rows * taps);
  const std::vector<float> bias = random.floats(rows);
  std::vector<float> packed(rows * taps), out(rows * positions, kNaN);
  const int64_t tile = t.conv_row_tile;  // packed: [rows / tile][taps][tile]
  for (int64_t o = 0; o < rows; ++o)
    for (int64_t i = 0; i < taps; ++i) packed[(o / tile * taps + i) * tile + o % tile] = w[o * taps + i];
  const FlatConv conv{taps, offsets.data(), rows, positions};
  t.conv_forward(conv, x.data(), packed.data(), with_bias ? bias.data() : nullptr, out.data());

  std::vector<double> want(rows * positions), magnitude(rows * positions);
  for (int64_t o = 0; o < rows; ++o)
    for (int64_t q = 0; q < positions; ++q) {
      double sum = with_bias ? bias[o] : 0.0, size = std::fabs(sum);
      for (int64_t i = 0; i < taps; ++i) {
        const double term = double(w[o * taps + i]) * x[q + offsets[i]];
        sum += term, size += std::fabs(term);
      }
      want[o * positions + q] = sum, magnitude[o * positions + q] = size;
    }
  expect_close(
      what, rows * positions, [&](int64_t i) { return out[i]; }, [&](int64_t i) { return want[i]; },
      [&](int64_t i) { return tolerance(taps, magnitude[i]); },
      [&](int64_t i) { return str("out[%lld][%lld]", i / positions, i % positions); });
}

// gw[o][t] (+)= Σ_images Σ_q g[o][q] · x[q + offsets[t]] for o < out_rows. As the contract
// allows, g has whole row tiles (the rows past out_rows zero) and offsets whole tap tiles (zeros
// past the taps); the gaps between g's rows (ld_g > positions) are NaN, never to be read, and
// so is the workspace at the start. `positions` is a multiple of grad_position_tile.
void check_conv_weight_grad(const Kernels& t, int64_t taps, int64_t out_rows, int64_t images, int64_t positions,
                            bool accumulate, Random& random) {
  const int64_t ld_g = positions + 3;
  const int64_t rows = (out_rows + t.grad_row_tile - 1) / t.grad_row_tile * t.grad_row_tile;
  const int64_t padded_taps = (taps + t.grad_tap_tile - 1) / t.grad_tap_tile * t.grad_tap_tile;
  const std::string what = std::string(isa_name(t.isa)) +
                           str(" conv_weight_grad taps=%lld out_rows=%lld images=%lld positions=%lld", taps,
                               out_rows, images, positions) +
                           (accumulate ? " accumulate" : "");
  const std::vector<int64_t> offsets = random_offsets(taps, padded_taps, 2 * t.grad_position_tile + 7, random);
  std::vector<std::vector<float>> xs, gs;
  for (int64_t image = 0; image < images; ++image) {
    xs.push_back(random.floats(positions + max_of(offsets)));
    std::vector<float> g((rows - 1) * ld_g + positions, kNaN);
    for (int64_t o = 0; o < rows; ++o)
      for (int64_t q = 0; q < positions; ++q) g[o * ld_g + q] = o < out_rows ? random.uniform(-1, 1) : 0.0f;
    gs.push_back(std::move(g));
  }
  std::vector<const float*> x_ptrs, g_ptrs;
  for (int64_t image = 0; image < images; ++image) x_ptrs.push_back(xs[image].data()), g_ptrs.push_back(gs[image].data());
  const std::vector<float> gw0 = accumulate ? random.floats(out_rows * taps) : std::vector<float>(out_rows * taps, kNaN);
  std::vector<float> gw = gw0, workspace(padded_taps * t.grad_row_tile * t.grad_position_tile, kNaN);
  const FlatConv conv{taps, offsets.data(), rows, positions};
  t.conv_weight_grad(conv, x_ptrs.data(), g_ptrs.data(), images, ld_g, out_rows, gw.data(), accumulate,
                     workspace.data());

  std::vector<double> want(out_rows * taps), magnitude(out_rows * taps);
  for (int64_t o = 0; o < out_rows; ++o)
    for (int64_t i = 0; i < taps; ++i) {
      double sum = accumulate ? gw0[o * taps + i] : 0.0, size = std::fabs(sum);
      for (int64_t image = 0; image < images; ++image)
        for (int64_t q = 0; q < positions; ++q) {
          const double term = double(gs[image][o * ld_g + q]) * xs[image][q + offsets[i]];
          sum += term, size += std::fabs(term);
        }
      want[o * taps + i] = sum, magnitude[o * taps + i] = size;
    }
  expect_close(
      what, out_rows * taps, [&](int64_t i) { return gw[i]; }, [&](int64_t i) { return want[i]; },
      [&](int64_t i) { return tolerance(images * positions, magnitude[i]); },
      [&](int64_t i) { return str("gw[%lld][%lld]", i / taps, i % taps); });
}

void check_convs(const Kernels& t, const Tiles& s, Random& random) {
  for (int64_t taps : {1, 2, 3, 9, 25, 27, 64})
    for (int64_t row_tiles : {1, 3})
      for (int64_t position_tiles : {1, 3}) check_conv_forward(t, taps, row_tiles, position_tiles, taps % 2 == 1, random);
  const int64_t R = t.grad_row_tile, L = t.grad_position_tile;
  int64_t choice = 0;
  for (int64_t taps : {1, 2, 3, 4, 9, 10, 25})
    for (int64_t out_rows : {int64_t(1), R - 1, R, R + 1, 2 * R + 3})
      for (int64_t images : {1, 3}) {
        if (out_rows < 1) continue;
        check_conv_weight_grad(t, taps, out_rows, images, (1 + choice % 4) * L, choice % 2 == 0, random);
        ++choice;
      }
  // Blocks of images (as many as keep a tile's rows of g within grad_l1 floats): two images a
  // block, with a last block of one; and one image a block.
  for (int64_t taps : {4, 9}) {
    check_conv_weight_grad(t, taps, R + 1, 5, s.grad_l1 / (2 * R), taps == 4, random);
    check_conv_weight_grad(t, taps, R + 1, 3, s.grad_l1 / R + L, taps == 9, random);
  }
}

// ---- 2×2 max pooling -----------------------------------------------------------------------

// The rule of tensor/kernels/pool.cpp, one window: candidates in scan order, the first maximum
// wins, and a NaN takes over from anything before it; the index is ih·W + iw.
int64_t winner(const std::vector<float>& x, int64_t W, int64_t oh, int64_t ow) {
  int64_t best = 2 * oh * W + 2 * ow;
  for (int64_t at : {best + 1, best + W, best + W + 1})
    if (x[at] > x[best] || std::isnan(x[at])) best = at;
  return best;
}

// Values from a small set so that windows tie (0 and −0 among them, which compare equal), and,
// where `nans`, NaNs with different payloads and infinities, so that which one won shows in the
// output's bits.
void check_pool(const Kernels& t, int64_t H, int64_t W, bool nans, Random& random) {
  const std::string what = std::string(isa_name(t.isa)) + str(" max_pool_2x2 H=%lld W=%lld", H, W) +
                           (nans ? " with NaNs" : " with ties");
  const float inf = std::numeric_limits<float>::infinity();
  const float pool[] = {-1.5f, 0.0f, -0.0f, 2.0f, 2.0f, 0.25f, -inf, inf};
  std::vector<float> x(H * W);
  for (int64_t i = 0; i < H * W; ++i) {
    x[i] = pool[random.below(nans ? 8 : 6)];
    if (nans && random.below(6) == 0) {
      const uint32_t bits = 0x7FC00000u | uint32_t(i & 0x3FFFFF);  // a quiet NaN naming its position
      std::memcpy(&x[i], &bits, sizeof bits);
    }
  }
  const int64_t HO = H / 2, WO = W / 2;
  std::vector<float> out(HO * WO);
  std::vector<int64_t> indices(HO * WO);
  t.max_pool_2x2(x.data(), H, W, out.data(), indices.data());
  int64_t bad = 0;
  for (int64_t oh = 0; oh < HO; ++oh)
    for (int64_t ow = 0; ow < WO; ++ow) {
      const int64_t i = oh * WO + ow, want = winner(x, W, oh, ow);
      if (indices[i] == want && std::memcmp(&out[i], &x[want], sizeof(float)) == 0) continue;
      if (bad++ < 4)
        std::printf("  %s: window (%lld, %lld) gave %g at index %lld, the rule picks %g at index %lld\n", what.c_str(),
                    (long long)oh, (long long)ow, out[i], (long long)indices[i], x[want], (long long)want);
    }
  expect(bad == 0, what, str("%lld of %lld windows differ from the rule", bad, HO * WO));
}

void check_pools(const Kernels& t, const Tiles& s, Random& random) {
  const int64_t L = s.lanes;
  for (int64_t H : {1, 2, 3, 6, 7})
    for (int64_t W : {int64_t(1), int64_t(2), int64_t(3), int64_t(5), 2 * L - 1, 2 * L, 2 * L + 1, 2 * L + 2,
                      4 * L + 3, 6 * L + 2})
      for (bool nans : {false, true}) check_pool(t, H, W, nans, random);
}

// ---- Which tables ----------------------------------------------------------------------------

// Every table this CPU can run, each reached through the dispatch as the library reaches it.
std::vector<const Kernels*> tables_to_check() {
  std::vector<const Kernels*> tables;
#if defined(DESCENT_TEST_AVX512_ON_AVX2)
  // This build's AVX-512 kernels need only AVX2. The dispatch must still go by the CPU alone.
  if (best_supported() >= Isa::avx2) tables.push_back(&avx512::table());
  expect(__builtin_cpu_supports("avx512f") || active().isa != Isa::avx512, "dispatch",
         "picked the AVX-512 table on a CPU without AVX-512");
#else
#if defined(__x86_64__)
  std::vector<Isa> sets;  // the x86-64 sets are ordered: each implies the ones before it
  for (Isa isa : {Isa::avx2, Isa::avx512})
    if (int(isa) <= int(best_supported())) sets.push_back(isa);
#elif defined(__aarch64__)
  const std::vector<Isa> sets = {Isa::neon};
#else
  const std::vector<Isa> sets;
#endif
  for (Isa isa : sets) {
    const ScopedIsa scope(isa);
    expect(active().isa == isa, std::string("dispatch to ") + isa_name(isa),
           std::string("ScopedIsa(") + isa_name(isa) + ") runs " + isa_name(active().isa));
    tables.push_back(&active());
  }
#endif
  return tables;
}

}  // namespace

int main() {
  std::printf("this CPU's best instruction set: %s\n", isa_name(best_supported()));
  const std::vector<const Kernels*> tables = tables_to_check();
#if defined(__aarch64__)
  expect(!tables.empty(), "neon", "no NEON table on aarch64");
#endif
  if (tables.empty() && failed_cases == 0) {
    std::printf("skipped: no tuned kernels for this CPU\n");
    return 77;
  }
  for (const Kernels* t : tables) {
    const int before = failed_cases, cases_before = cases;
    Random random(42);
    const Tiles s = tiles_of(t->isa);
    check_tiles(*t, s);
    check_sgemms(*t, s, random);
    check_convs(*t, s, random);
    check_pools(*t, s, random);
#if defined(DESCENT_TEST_AVX512_ON_AVX2)
    const char* build = " compiled for AVX2";
#else
    const char* build = "";
#endif
    std::printf("%s%s: %d checks, %d failed (GEMM tile %lld x %lld, block %lld x %lld x %lld)\n", isa_name(t->isa),
                build, cases - cases_before, failed_cases - before, (long long)s.rows, (long long)(s.vecs * s.lanes),
                (long long)s.mc, (long long)s.kc, (long long)s.nc);
  }
  if (failed_cases) {
    std::printf("FAILED: %d of %d checks\n", failed_cases, cases);
    return 1;
  }
  std::printf("passed: all %d checks\n", cases);
  return 0;
}
