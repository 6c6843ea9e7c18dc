#pragma once
// The tuned kernels and the one table that says which of them this process runs.
//
// Every op has a plain path that runs on any CPU (matmul: OpenBLAS; conv2d: im2col + that GEMM;
// read those first). The kernels here are faster variants of a few hot loops, written once in
// tensor/kernels/simd/isa/ and compiled once per instruction set, each copy with its own
// compiler flags, its own register tile and its own C++ namespace (simd::avx2, simd::avx512,
// simd::neon). At the first call, active() reads the CPU (CPUID through
// __builtin_cpu_supports) and the DESCENT_CPU environment variable and picks one table; from
// then on every caller asks that table. A null entry means "no tuned kernel here": the caller
// takes the plain path.
//
// This header is plain data and declarations: it is included by the per-ISA sources too, which
// must not share any inline code with the rest of the library (see isa/isa.h).
//
// Read next: tensor/kernels/simd/dispatch.cpp (the choice), isa/gemm.cpp and
// isa/conv_direct.cpp and isa/pool.cpp (the kernels), conv_tuned.cpp (how conv2d uses them).
#include <cstdint>

namespace descent::kernels::simd {

// The instruction sets descent has kernels for, in increasing order on x86-64. "baseline" runs
// no tuned kernel at all. On aarch64 "neon" is what every CPU has.
enum class Isa { baseline, avx2, avx512, neon };
const char* isa_name(Isa isa);

// Direct convolution in the flat layout (tensor/kernels/simd/conv_tuned.cpp draws it): output
// row o at flat position q is  Σ_t w[o][t] · x[q + offsets[t]]  over taps t, so each tap reads a
// contiguous run of the input.
struct FlatConv {
  int64_t taps = 0;                 // T: the sum runs over these
  const int64_t* offsets = nullptr;  // [T] where tap t reads, relative to q
  int64_t rows = 0;                 // output rows (channels), a multiple of the kernel's row tile
  int64_t positions = 0;            // flat positions per row, a multiple of the position tile
};

// A stride-1 convolution layer as the rules see it: input [C, H, W] (unpadded), O output
// channels, a KH × KW kernel with padding and dilation.
struct ConvLayer {
  int64_t C, H, W, O, KH, KW, pad_h, pad_w, dilation_h, dilation_w;
};
// The passes of a layer a direct kernel takes (forward, weight gradient, input gradient).
struct DirectPasses {
  bool forward = false, weight_grad = false, input_grad = false;
};

// Function types of the tuned kernels (row-major, sizes and leading dimensions in elements).
//   sgemm: C = alpha·op(A)·op(B) + beta·C, with `workspace` of Kernels::sgemm_workspace floats.
//   conv_forward: out[o][q] = bias[o] + Σ_t w[o][t] · x[q + offsets[t]] for every row and
//     position of `conv`; w packed [rows / conv_row_tile][T][conv_row_tile]; bias has `rows`
//     entries or is null; x is read up to positions + max(offsets) − 1.
//   conv_weight_grad: gw[o][t] = Σ_image Σ_q g_image[o][q] · x_image[q + offsets[t]] for
//     o < out_rows, t < taps, over `images` pairs of (x, g) with g rows `ld_g` apart and q <
//     positions (added to gw when `accumulate`). g and every offsets entry past T may be read up
//     to a whole tile past the last row or tap (callers pad them with zeros). `workspace` holds
//     round_up(T, grad_tap_tile) · grad_row_tile · grad_position_tile floats.
using SgemmFn = void (*)(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                         int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc,
                         float* workspace);
using ConvForwardFn = void (*)(const FlatConv& conv, const float* x, const float* w_packed, const float* bias,
                               float* out);
using ConvWeightGradFn = void (*)(const FlatConv& conv, const float* const* x, const float* const* g,
                                  int64_t images, int64_t ld_g, int64_t out_rows, float* gw, bool accumulate,
                                  float* workspace);
//   max_pool_2x2: one plane x: [H, W] -> out, indices: [H / 2, W / 2], windows 2×2 with stride 2,
//     the rule of tensor/kernels/pool.cpp; indices below 2^31.
using MaxPool2x2Fn = void (*)(const float* x, int64_t H, int64_t W, float* out, int64_t* indices);

struct Kernels {
  Isa isa = Isa::baseline;

  // ---- GEMM: a blocked float32 kernel (isa/gemm.cpp) --------------------------------------
  SgemmFn sgemm = nullptr;
  int64_t sgemm_workspace = 0;  // floats of packing buffer one call needs
  // The rule, measured per ISA (isa/table.cpp has the figures): whether sgemm beats OpenBLAS on
  // this product (as cblas_sgemm's arguments: transposes and sizes).
  bool (*sgemm_wins)(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k) = nullptr;

  // ---- Direct convolution (isa/conv_direct.cpp), stride 1 ---------------------------------
  ConvForwardFn conv_forward = nullptr;
  ConvWeightGradFn conv_weight_grad = nullptr;
  int64_t conv_row_tile = 1, conv_position_tile = 1;  // FlatConv rows and positions round up to these
  int64_t grad_row_tile = 1, grad_tap_tile = 1, grad_position_tile = 1;
  // The rule, measured per ISA (isa/table.cpp has the figures): which passes of this stride-1
  // layer the direct kernels take; conv_tuned.cpp runs the others by the plain path or GEMMs.
  DirectPasses (*conv_direct)(const ConvLayer& layer) = nullptr;

  // ---- Pooling (isa/pool.cpp) -------------------------------------------------------------
  MaxPool2x2Fn max_pool_2x2 = nullptr;
};

// The table in use: chosen once, on the first call, from the CPU and DESCENT_CPU.
const Kernels& active();
// The best instruction set this CPU supports (what active() uses without DESCENT_CPU).
Isa best_supported();

// For tests: runs the tables of another instruction set (at most what the CPU supports) until
// the guard goes out of scope. Not thread-safe: use it where no other thread runs kernels.
class ScopedIsa {
 public:
  explicit ScopedIsa(Isa isa);
  ~ScopedIsa();
  ScopedIsa(const ScopedIsa&) = delete;
  ScopedIsa& operator=(const ScopedIsa&) = delete;

 private:
  const Kernels* previous_;
};

// Each per-ISA build defines its table (isa/table.cpp); only dispatch.cpp calls these.
namespace avx2 { const Kernels& table(); }
namespace avx512 { const Kernels& table(); }
namespace neon { const Kernels& table(); }

}  // namespace descent::kernels::simd
