#pragma once
// What one instruction set's build of the tuned kernels is: its namespace, its vector width and
// the register tiles of its kernels. CMake compiles every .cpp of this folder once per
// instruction set, defining one of DESCENT_ISA_AVX2, DESCENT_ISA_AVX512 or DESCENT_ISA_NEON and
// adding that set's flags (-mavx2 -mfma, -mavx512f ...), so each copy is its own object code.
//
// Why a namespace per copy: two copies of one inline function, compiled with different flags,
// have the same mangled name, and the linker keeps only one of them, so the baseline path could
// end up calling the AVX-512 copy (PyTorch's CPU_CAPABILITY note tells of that bug). Every
// function of these sources therefore lives in descent::kernels::simd::DESCENT_ISA, and they call
// no template of the standard library (whose instantiations are shared the same way): only
// memcpy and their own helpers. tests/tensor/check_isa_symbols.cmake checks the object files.
//
// Tiles: a tile is the block of results a kernel keeps in registers while it runs over the sum.
// It is sized to the register file: accumulators plus the values loaded per step must fit, or
// the compiler spills them to the stack on every step.
#include <cstdint>

#if defined(DESCENT_ISA_AVX512)
#define DESCENT_ISA avx512
#elif defined(DESCENT_ISA_AVX2)
#define DESCENT_ISA avx2
#elif defined(DESCENT_ISA_NEON)
#define DESCENT_ISA neon
#else
#error "compile tensor/kernels/simd/isa/ with one of DESCENT_ISA_AVX2, DESCENT_ISA_AVX512, DESCENT_ISA_NEON"
#endif

namespace descent::kernels::simd::DESCENT_ISA {

#if defined(DESCENT_ISA_AVX512)
// 32 registers of 16 floats. GEMM 8 × 32 (16 accumulators, BLIS's Skylake-X kernel is the same
// size turned around), 16 × 16 for products at most 16 wide; convolution 8 channels × 32
// positions; weight gradient 8 channels × 3 taps (24 accumulators + 3 loads).
inline constexpr int kLanes = 16;
inline constexpr int kGemmRows = 8, kGemmVecs = 2;
inline constexpr int kConvRows = 8, kConvVecs = 2;
inline constexpr int kGradRows = 8, kGradTaps = 3;
#elif defined(DESCENT_ISA_AVX2)
// 16 registers of 8 floats. GEMM 6 × 16 (12 accumulators, 2 loads of B, 1 broadcast of A: 15
// registers, BLIS's Haswell and Zen kernel), 12 × 8 for products at most 8 wide; convolution 6
// channels × 16 positions, the same shape; weight gradient 4 channels × 3 taps.
inline constexpr int kLanes = 8;
inline constexpr int kGemmRows = 6, kGemmVecs = 2;
inline constexpr int kConvRows = 4, kConvVecs = 3;
inline constexpr int kGradRows = 4, kGradTaps = 3;
#elif defined(DESCENT_ISA_NEON)
// 32 registers of 4 floats. GEMM 8 × 12 (24 accumulators, BLIS's ARMv8 kernel), 16 × 4 for
// products at most 4 wide; convolution 8 channels × 12 positions; weight gradient 8 × 3.
inline constexpr int kLanes = 4;
inline constexpr int kGemmRows = 8, kGemmVecs = 3;
inline constexpr int kConvRows = 8, kConvVecs = 3;
inline constexpr int kGradRows = 8, kGradTaps = 3;
#endif

// GEMM blocking (BLIS's names): a kKC-deep slice of B, kNC columns wide, is packed once and
// stays in L2 while kMC-row blocks of A (in L2 too) pass over it; one kKC × tile panel of B
// stays in L1 while a block's tiles go by.
inline constexpr int64_t kKC = 256, kMC = 8 * kGemmRows * 2, kNC = 1024;

// The share of L1 the weight gradient's kernel keeps for rows of g (16 KiB, half of the 32 KiB
// L1 of Zen 2-4 and Intel's cores since Haswell).
inline constexpr int64_t kGradL1Floats = 4096;

inline int64_t min(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

}  // namespace descent::kernels::simd::DESCENT_ISA
