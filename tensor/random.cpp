// The counter-based generator and the kernels that fill tensors with its numbers.
// bits(counter) is two rounds of the SplitMix64 finalizer, over the seed and then with the
// counter: cheap, and statistically sound for initialization, dropout and shuffling.
#include "tensor/random.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "tensor/check.h"
#include "tensor/factory.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/parallel.h"

namespace descent {
namespace {

// Fills contiguous `t` with value(bits of counter start+i) for element i.
template <class T, class F> void fill_counter(const Tensor& t, Generator& gen, const F& value) {
  T* data = t.data_ptr<T>();
  const int64_t n = t.numel();
  const uint64_t start = gen.reserve(uint64_t(n)), key = gen.key();
  parallel_for(0, n, 1 << 15, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) data[i] = value(Generator::bits_at(key, start + uint64_t(i)));
  });
  t.bump_version();
}

// Draws into a contiguous temporary when `t` is a strided view, then copies back.
template <class Fill> void fill_any(const Tensor& t, const Fill& fill) {
  if (t.is_contiguous()) return fill(t);
  Tensor tmp = empty(t.sizes(), t.dtype());
  fill(tmp);
  kernels::copy_(t, tmp);
}

}  // namespace

int64_t Generator::next_below(int64_t n) { return int64_t(next_double() * double(n)) % n; }

Generator& default_generator() {
  static Generator gen(0);
  return gen;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

namespace kernels {

void fill_uniform_(const Tensor& t, double from, double to, Generator& gen) {
  CHECK(is_floating(t.dtype()), "uniform_: expected a floating-point tensor, got ", dtype_name(t.dtype()));
  fill_any(t, [&](const Tensor& c) {
    dispatch_floating(c.dtype(), [&](auto tag) {
      using T = decltype(tag);
      fill_counter<T>(c, gen, [&](uint64_t b) {
        double u = std::is_same_v<T, float> ? double(Generator::to_unit_float(b)) : Generator::to_unit_double(b);
        return T(from + (to - from) * u);
      });
    });
  });
}

void fill_normal_(const Tensor& t, double mean, double std, Generator& gen) {
  CHECK(is_floating(t.dtype()), "normal_: expected a floating-point tensor, got ", dtype_name(t.dtype()));
  fill_any(t, [&](const Tensor& c) {
    dispatch_floating(c.dtype(), [&](auto tag) {
      using T = decltype(tag);
      // Box-Muller on the two 32-bit halves of one draw: u1 in (0, 1], u2 in [0, 1).
      fill_counter<T>(c, gen, [&](uint64_t b) {
        double u1 = (double(b >> 32) + 1.0) * 0x1.0p-32;
        double u2 = double(b & 0xffffffffULL) * 0x1.0p-32;
        return T(mean + std * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2));
      });
    });
  });
}

void fill_bernoulli_(const Tensor& t, double p, Generator& gen, double value) {
  // to_unit_double(b) < p, compared as integers: the draw's top 53 bits n = b >> 11 satisfy
  // n·2⁻⁵³ < p exactly when n < ⌈p·2⁵³⌉ (p·2⁵³ is exact in double, and at most 2⁵³).
  const uint64_t below = uint64_t(std::ceil(std::clamp(p, 0.0, 1.0) * 0x1.0p53));
  fill_any(t, [&](const Tensor& c) {
    dispatch(c.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T hit = T(value);
      fill_counter<T>(c, gen, [&](uint64_t b) { return (b >> 11) < below ? hit : T(0); });
    });
  });
}

void fill_randint_(const Tensor& t, int64_t low, int64_t high, Generator& gen) {
  CHECK(high > low, "randint: expected low < high, got low=", low, " high=", high);
  const uint64_t span = uint64_t(high) - uint64_t(low);  // in unsigned: high - low may exceed INT64_MAX
  fill_any(t, [&](const Tensor& c) {
    dispatch(c.dtype(), [&](auto tag) {
      using T = decltype(tag);
      fill_counter<T>(c, gen, [&](uint64_t b) { return T(int64_t(uint64_t(low) + b % span)); });
    });
  });
}

Tensor randperm(int64_t n, Generator& gen) {
  CHECK(n >= 0, "randperm: expected n >= 0, got ", n);
  Tensor out = arange(n);
  int64_t* p = out.data_ptr<int64_t>();
  // Fisher-Yates, back to front: one counter per swap.
  const uint64_t start = gen.reserve(uint64_t(std::max<int64_t>(n - 1, 0)));
  for (int64_t i = n - 1; i > 0; --i) {
    int64_t j = int64_t(gen.bits(start + uint64_t(n - 1 - i)) % uint64_t(i + 1));
    std::swap(p[i], p[j]);
  }
  return out;
}

}  // namespace kernels
}  // namespace descent
