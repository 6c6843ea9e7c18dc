#pragma once
// Random numbers. A Generator is a seed plus a counter; the k-th number it ever hands out is a
// fixed hash of (seed, k) (a counter-based generator, like Philox in PyTorch's CUDA code).
// A draw of n numbers reserves n consecutive counters and element i uses counter start + i, so
// kernels fill tensors in parallel and still produce the same numbers on any thread count.
#include <cstdint>

#include "tensor/tensor.h"

namespace descent {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  void manual_seed(uint64_t seed) { seed_ = seed; offset_ = 0; }
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }  // how many numbers were drawn so far
  void set_state(uint64_t seed, uint64_t offset) { seed_ = seed; offset_ = offset; }

  uint64_t reserve(uint64_t count) { uint64_t start = offset_; offset_ += count; return start; }
  uint64_t next_u64() { return bits(reserve(1)); }
  double next_double() { return to_unit_double(next_u64()); }    // uniform on [0, 1)
  int64_t next_below(int64_t n);                                  // uniform on [0, n)

  uint64_t bits(uint64_t counter) const { return bits_at(key(), counter); }  // the number at `counter`
  // bits(counter) in two steps: key() depends on the seed only, so a kernel filling many
  // elements computes it once and then one hash per element.
  uint64_t key() const { return mix(seed_ + 0x9e3779b97f4a7c15ULL); }
  static uint64_t bits_at(uint64_t key, uint64_t counter) { return mix(key ^ counter * 0xd1342543de82ef95ULL); }
  static double to_unit_double(uint64_t b) { return double(b >> 11) * 0x1.0p-53; }
  static float to_unit_float(uint64_t b) { return float(b >> 40) * 0x1.0p-24f; }

 private:
  // The SplitMix64 finalizer.
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t seed_;
  uint64_t offset_ = 0;
};

Generator& default_generator();
void manual_seed(uint64_t seed);  // reseeds the default generator

namespace kernels {
void fill_uniform_(const Tensor& t, double from, double to, Generator& gen);
void fill_normal_(const Tensor& t, double mean, double std, Generator& gen);
// `value` (1 by default) with probability p, else 0
void fill_bernoulli_(const Tensor& t, double p, Generator& gen, double value = 1.0);
void fill_randint_(const Tensor& t, int64_t low, int64_t high, Generator& gen);
Tensor randperm(int64_t n, Generator& gen);
}  // namespace kernels

}  // namespace descent
