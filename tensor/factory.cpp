// Factories: every new tensor is born here (empty() makes the TensorImpl and its Storage).
#include "tensor/factory.h"

#include <cmath>
#include <cstdint>
#include <new>

#include "tensor/check.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/random.h"

namespace descent {

namespace {
// The dtype of the tensor a *_like factory copies, naming the factory when it is undefined.
Dtype like(const Tensor& t, const char* op) {
  CHECK(t.defined(), op, ": got an undefined tensor");
  return t.dtype();
}
}  // namespace

namespace {

// empty(), with the public call's name in its errors. Every size is checked here, once: no
// negative size, an element count and a byte count that fit in int64 (so no later product of
// sizes wraps), and a failed allocation says how many bytes for which shape.
Tensor empty_for(const char* op, const Dims& shape, Dtype dtype) {
  for (int64_t s : shape) CHECK(s >= 0, op, ": negative size in shape ", shape);
  const int64_t numel = checked_numel(shape, op);
  int64_t nbytes = 0;
  CHECK(!__builtin_mul_overflow(numel, int64_t(element_size(dtype)), &nbytes), op, ": shape ", shape, " of ",
        dtype_name(dtype), " has too many bytes (the count overflows int64)");
  auto impl = make_cached<TensorImpl>();
  impl->sizes = shape;
  impl->strides = contiguous_strides(impl->sizes);
  impl->dtype = dtype;
  try {
    impl->storage = make_cached<Storage>(size_t(nbytes));
  } catch (const std::bad_alloc&) {
    throw OutOfMemoryError(detail::concat(op, ": cannot allocate ", nbytes, " bytes for a ", dtype_name(dtype),
                                          " tensor of shape ", shape, " (out of memory)"));
  }
  return Tensor(std::move(impl));
}

Tensor full_for(const char* op, const Dims& shape, double value, Dtype dtype) {
  Tensor t = empty_for(op, shape, dtype);
  kernels::fill_(t, value);
  return t;
}

}  // namespace

Tensor empty(const Dims& shape, Dtype dtype) { return empty_for("empty", shape, dtype); }

Tensor full(const Dims& shape, double value, Dtype dtype) { return full_for("full", shape, value, dtype); }
Tensor zeros(const Dims& shape, Dtype dtype) { return full_for("zeros", shape, 0.0, dtype); }
Tensor ones(const Dims& shape, Dtype dtype) { return full_for("ones", shape, 1.0, dtype); }

Tensor tensor(const std::vector<double>& values, const Shape& shape, Dtype dtype) {
  for (int64_t s : shape) CHECK(s >= 0, "tensor: negative size in shape ", Dims(shape));
  CHECK(checked_numel(Dims(shape), "tensor") == int64_t(values.size()), "tensor: ", values.size(),
        " values do not fill shape ", Dims(shape));
  Tensor t = empty_for("tensor", shape, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = T(values[i]);
  });
  return t;
}
Tensor tensor(const std::vector<double>& values) { return tensor(values, {int64_t(values.size())}); }
Tensor scalar_tensor(double value, Dtype dtype) { return full_for("scalar_tensor", {}, value, dtype); }

Tensor arange(int64_t end) { return arange(int64_t(0), end, int64_t(1)); }

// The element counts below are computed in 128 bits (or in double) and checked before they
// become an int64: a count that overflowed would otherwise wrap to a small or negative number and
// give a short or empty tensor without a word.
namespace {
void check_range_sign(double start, double end, double step) {
  CHECK(step != 0, "arange: step must be nonzero");
  CHECK((step > 0 && end >= start) || (step < 0 && end <= start),
        "arange: upper bound and larger bound inconsistent with step sign, got start ", start, ", end ", end,
        ", step ", step);
}
}  // namespace

Tensor arange(int64_t start, int64_t end, int64_t step) {
  check_range_sign(double(start), double(end), double(step));
  const __int128 span = __int128(end) - start, count = (span + step - (step > 0 ? 1 : -1)) / step;
  CHECK(count <= INT64_MAX, "arange: ", start, " to ", end, " in steps of ", step, " has too many elements (",
        "the count overflows int64)");
  const int64_t n = int64_t(count);
  Tensor t = empty_for("arange", {n}, kInt64);
  int64_t* p = t.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) p[i] = start + i * step;
  return t;
}

Tensor arange(double start, double end, double step, Dtype dtype) {
  CHECK(std::isfinite(start) && std::isfinite(end) && std::isfinite(step), "arange: unsupported range: start ", start,
        ", end ", end, ", step ", step, " (each must be finite)");
  check_range_sign(start, end, step);
  const double count = std::ceil((end - start) / step);
  // 2^63 is the first double that no longer fits in int64.
  CHECK(std::isfinite(count) && count < 9223372036854775808.0, "arange: ", start, " to ", end, " in steps of ", step,
        " has too many elements (the count overflows int64)");
  const int64_t n = int64_t(count);
  Tensor t = empty_for("arange", {n}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = T(start + double(i) * step);
  });
  return t;
}

Tensor linspace(double start, double end, int64_t steps, Dtype dtype) {
  CHECK(steps >= 0, "linspace: steps must be >= 0, got ", steps);
  Tensor t = empty_for("linspace", {steps}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    double step = steps > 1 ? (end - start) / double(steps - 1) : 0.0;
    for (int64_t i = 0; i < steps; ++i) p[i] = T(start + double(i) * step);
  });
  return t;
}

Tensor eye(int64_t n, Dtype dtype) {
  CHECK(n >= 0, "eye: n must be >= 0, got ", n);
  Tensor t = full_for("eye", {n, n}, 0.0, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < n; ++i) t.data_ptr<T>()[i * n + i] = T(1);
  });
  return t;
}

Tensor rand(const Shape& shape, Dtype dtype) {
  Tensor t = empty_for("rand", shape, dtype);
  kernels::fill_uniform_(t, 0.0, 1.0, default_generator());
  return t;
}
Tensor randn(const Shape& shape, Dtype dtype) {
  Tensor t = empty_for("randn", shape, dtype);
  kernels::fill_normal_(t, 0.0, 1.0, default_generator());
  return t;
}
Tensor randint(int64_t low, int64_t high, const Shape& shape) {
  CHECK(high > low, "randint: expected low < high, got low=", low, " high=", high);
  Tensor t = empty_for("randint", shape, kInt64);
  kernels::fill_randint_(t, low, high, default_generator());
  return t;
}
Tensor randperm(int64_t n) { return kernels::randperm(n, default_generator()); }

// (dtype() names the call when t is undefined: "empty_like: got an undefined tensor")
Tensor empty_like(const Tensor& t) { return empty_for("empty_like", t.sizes(), like(t, "empty_like")); }
Tensor zeros_like(const Tensor& t) { return full_for("zeros_like", t.sizes(), 0.0, like(t, "zeros_like")); }
Tensor ones_like(const Tensor& t) { return full_for("ones_like", t.sizes(), 1.0, like(t, "ones_like")); }
Tensor full_like(const Tensor& t, double value) { return full_for("full_like", t.sizes(), value, like(t, "full_like")); }
Tensor rand_like(const Tensor& t) { return rand(t.sizes(), like(t, "rand_like")); }
Tensor randn_like(const Tensor& t) { return randn(t.sizes(), like(t, "randn_like")); }

}  // namespace descent
