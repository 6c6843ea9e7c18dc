#pragma once
// Which tuned kernels descent runs on this CPU. Every op has a plain path that runs anywhere; on
// top of it, a few hot kernels (GEMM, direct convolution) are compiled once per instruction set
// and one set is chosen when the first of them runs, from what the CPU supports, or from the
// environment variable DESCENT_CPU=baseline|avx2|avx512 (clamped to what the CPU has, with one
// warning line on stderr). tensor/kernels/simd/kernels.h tells how.
#include <string>

namespace descent {

// The instruction set in use, as DESCENT_CPU spells it: "baseline" (no tuned kernel), "avx2" or
// "avx512" on x86-64, "neon" on aarch64.
std::string cpu_capability();

}  // namespace descent
