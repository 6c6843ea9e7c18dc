// Which tuned kernels run: the CPU's best instruction set, or DESCENT_CPU's choice clamped to
// it. Compiled once, for the baseline instruction set, like the rest of the library.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tensor/kernels/simd/kernels.h"

namespace descent::kernels::simd {
namespace {

// The plain path everywhere: every entry null.
const Kernels kBaseline{};

// The order in which instruction sets supersede each other on this architecture.
#if defined(__x86_64__)
constexpr Isa kLadder[] = {Isa::baseline, Isa::avx2, Isa::avx512};
#elif defined(__aarch64__)
constexpr Isa kLadder[] = {Isa::baseline, Isa::neon};
#else
constexpr Isa kLadder[] = {Isa::baseline};
#endif

bool cpu_supports(Isa isa) {
  switch (isa) {
    case Isa::baseline: return true;
#if defined(__x86_64__)
    // __builtin_cpu_supports also checks that the OS saves the wide registers (XGETBV).
    case Isa::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::avx512: return __builtin_cpu_supports("avx512f") && cpu_supports(Isa::avx2);
#elif defined(__aarch64__)
    case Isa::neon: return true;  // Advanced SIMD is part of every ARMv8-A CPU
#endif
    default: return false;
  }
}

const Kernels& table_of(Isa isa) {
  switch (isa) {
#if defined(__x86_64__)
    case Isa::avx2: return avx2::table();
    case Isa::avx512: return avx512::table();
#elif defined(__aarch64__)
    case Isa::neon: return neon::table();
#endif
    default: return kBaseline;
  }
}

// The highest rung of the ladder at or below `wanted` that the CPU supports.
Isa clamp_to_cpu(Isa wanted) {
  Isa best = Isa::baseline;
  for (Isa isa : kLadder) {
    if (cpu_supports(isa)) best = isa;
    if (isa == wanted) break;
  }
  return best;
}

const Kernels& choose() {
  const Isa best = best_supported();
  const char* env = std::getenv("DESCENT_CPU");
  if (!env || !*env) return table_of(best);
  for (Isa isa : kLadder) {
    if (std::strcmp(env, isa_name(isa)) != 0) continue;
    const Isa got = clamp_to_cpu(isa);
    if (got != isa)
      std::fprintf(stderr, "descent: DESCENT_CPU=%s: this CPU lacks %s, using %s\n", env, isa_name(isa), isa_name(got));
    return table_of(got);
  }
  std::string names;
  for (Isa isa : kLadder) names += std::string(names.empty() ? "" : "|") + isa_name(isa);
  std::fprintf(stderr, "descent: DESCENT_CPU=%s is not one of %s, using %s\n", env, names.c_str(), isa_name(best));
  return table_of(best);
}

// The table in use. Atomic because a test's ScopedIsa may swap it while worker threads of an
// earlier parallel loop are still reading it.
std::atomic<const Kernels*>& current() {
  static std::atomic<const Kernels*> table{&choose()};
  return table;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
    case Isa::neon: return "neon";
    default: return "baseline";
  }
}

Isa best_supported() {
  Isa best = Isa::baseline;
  for (Isa isa : kLadder)
    if (cpu_supports(isa)) best = isa;
  return best;
}

const Kernels& active() { return *current().load(std::memory_order_relaxed); }

ScopedIsa::ScopedIsa(Isa isa) : previous_(current().load()) { current() = &table_of(clamp_to_cpu(isa)); }
ScopedIsa::~ScopedIsa() { current() = previous_; }

}  // namespace descent::kernels::simd
