#pragma once
// The first line every example prints: which of descent's kernel sets runs, on which CPU, with
// how many threads, so that a time or a result pasted from the output says where it came from:
//   cpu: avx2 (AMD EPYC 7B13 64-Core Processor, 2 threads)
// The capability is descent::cpu_capability() (DESCENT_CPU can force it; tensor/cpu.h); the
// model name is /proc/cpuinfo's, left out where there is none (macOS, most ARM boards).
#include <string>

namespace examples {

// /proc/cpuinfo's first "model name", spaces collapsed; empty when unavailable.
std::string cpu_model_name();

// Prints the line above on stdout. Call it after --threads took effect (examples::setup does).
void print_cpu_line();

}  // namespace examples
