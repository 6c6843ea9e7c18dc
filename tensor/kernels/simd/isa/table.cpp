// This instruction set's table (kernels.h): its kernels, their tiles, and the rules, measured on
// CPUs with this instruction set, that say where each kernel beats the plain path.
#include "tensor/kernels/simd/isa/isa.h"
#include "tensor/kernels/simd/kernels.h"

namespace descent::kernels::simd::DESCENT_ISA {

// Defined in gemm.cpp, conv_direct.cpp and pool.cpp of this same build.
void sgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc, float* workspace);
int64_t sgemm_workspace();
void conv_forward(const FlatConv& conv, const float* x, const float* w_packed, const float* bias, float* out);
void conv_weight_grad(const FlatConv& conv, const float* const* x, const float* const* g, int64_t images,
                      int64_t ld_g, int64_t out_rows, float* gw, bool accumulate, float* workspace);
void max_pool_2x2(const float* x, int64_t H, int64_t W, float* out, int64_t* indices);

namespace {

// Where the blocked GEMM beats OpenBLAS (kernels.h: Kernels::sgemm_wins), per instruction set.
#if defined(DESCENT_ISA_AVX512)
// Measured on Zen 5 (family 26, full-width AVX-512), one thread, OpenBLAS held to its Haswell
// kernels: 170-235 GFLOP/s per core on the MLP's and the small CNN's products, against 105-125
// for OpenBLAS; thinner or smaller products lose to packing.
bool sgemm_wins(bool, bool, int64_t m, int64_t n, int64_t k) { return m * n * k >= (1 << 16) && min(m, n) >= 16; }
#else
// Measured on Zen 3 (family 25, model 1; AVX2), one thread, thread CPU time, against OpenBLAS
// 0.3.21's Zen kernels in the same process, as our time ÷ OpenBLAS's. It wins with B
// transposed (x·wᵀ, computed as (w·xᵀ)ᵀ so that only x is gathered): 64×512×784 1.12,
// 64×256×512 1.08, 256×512×784 1.06-1.18, 64×288×576 1.09-1.12 — but not as deep as
// 64×128×9216 (0.86-0.95) nor as small as 64×84×120 (0.87); and with a short k and moderate
// width: 512×784×64 1.18, 120×400×64 1.18-1.29, 288×576×64 1.13-1.16 — but not 128×9216×64
// (0.73-0.86) nor k = 9 (32×676×9, a first layer's im2col: 0.73). It loses or ties elsewhere:
// 64×784×512 0.94, 64×9216×128 0.75, 512×784×256 0.96.
// (NEON: not measured on an ARM CPU yet; the same rule.)
bool sgemm_wins(bool, bool trans_b, int64_t m, int64_t n, int64_t k) {
  if (m * n * k < (1 << 16) || min(m, n) < 16) return false;
  return (trans_b && k <= 1024 && m * n * k >= (1 << 21)) || (k >= 16 && k <= 64 && n <= 1024);
}
#endif

// The share of extra work the flat layout costs a direct kernel: junk columns (rows `stride`
// wide of which `width` are valid) and positions rounded up to whole tiles.
double flat_overhead(int64_t height, int64_t width, int64_t stride) {
  const int64_t tile = kConvVecs * kLanes;
  return double(round_up(height * stride, tile)) / double(round_up(height * width, tile)) - 1;
}

// Which passes of a stride-1 layer the direct kernels take (kernels.h: Kernels::conv_direct).
DirectPasses conv_direct(const ConvLayer& l) {
  const int64_t taps = l.C * l.KH * l.KW, Wp = l.W + 2 * l.pad_w;
  const int64_t HO = l.H + 2 * l.pad_h - (l.KH - 1) * l.dilation_h, WO = Wp - (l.KW - 1) * l.dilation_w;
  DirectPasses d;
#if defined(DESCENT_ISA_AVX512)
  // Measured on Zen 5 (family 26), one thread, µs per batch, GEMM path → direct: LeNet 1→6 5×5
  // forward 322 → 175, weight gradient 641 → 222; LeNet 6→16 forward 430 → 271; small CNN 32→64
  // 3×3 forward 7931 → 7181. It loses with fewer than 16 taps (1→32 3×3: 300 → 410) and where
  // junk columns and tile rounding add more than a quarter (64→64 3×3 on 8×8), and for the
  // weight gradient of wide layers. The input gradient stays with GEMMs in the flat layout.
  d.forward = taps >= 16 && flat_overhead(HO, WO, Wp) <= 0.25;
  d.weight_grad = taps <= 32;
#else
  // Measured on Zen 3 (family 25, model 1; AVX2), one thread, thread CPU time, µs per batch,
  // im2col + OpenBLAS → direct. Forward: the small CNN's 1→32 3×3 (9 taps, 64 images) 1119 →
  // 811; its 32→64 3×3 on 26×26 19716 → 16572; LeNet's 1→6 5×5 887 → 338 and 6→16 5×5 944 →
  // 494; a 16→16 3×3 on 32×32 (128 images) 23036 → 12060. Weight gradient: 1590 → 1179,
  // 21220 → 19597, 1162 → 424, 1105 → 690, 16534 → 9241, but on 8×8 images (64→64, 80 flat
  // positions) 14947 → 15277: the dot products are too short for the lane sums at their end.
  // Input gradient: 22523 → 20009 (small CNN), 1292 → 1156 (LeNet), 20725 → 8001 (16→16).
  // (NEON: not measured on an ARM CPU yet; the same rule.)
  // the input gradient's geometry: g padded to (KH−1)·dh − pw on each side, output H × W
  const int64_t Wgp = WO + 2 * ((l.KW - 1) * l.dilation_w - l.pad_w);
  d.forward = taps >= 8 && flat_overhead(HO, WO, Wp) <= 0.25;
  d.weight_grad = HO * Wp >= 128;
  d.input_grad = l.O * l.KH * l.KW >= 8 && flat_overhead(l.H, l.W, Wgp) <= 0.25;
#endif
  return d;
}

Kernels make_table() {
  Kernels k;
  k.sgemm = sgemm;
  k.sgemm_workspace = sgemm_workspace();
  k.sgemm_wins = sgemm_wins;
  k.conv_forward = conv_forward;
  k.conv_weight_grad = conv_weight_grad;
  k.conv_row_tile = kConvRows;
  k.conv_position_tile = kConvVecs * kLanes;
  k.grad_row_tile = kGradRows;
  k.grad_tap_tile = kGradTaps;
  k.grad_position_tile = kLanes;
  k.max_pool_2x2 = max_pool_2x2;
  k.conv_direct = conv_direct;
#if defined(DESCENT_ISA_AVX512)
  k.isa = Isa::avx512;
#elif defined(DESCENT_ISA_AVX2)
  k.isa = Isa::avx2;
#elif defined(DESCENT_ISA_NEON)
  k.isa = Isa::neon;
#endif
  return k;
}

}  // namespace

const Kernels& table() {
  static const Kernels k = make_table();
  return k;
}

}  // namespace descent::kernels::simd::DESCENT_ISA
