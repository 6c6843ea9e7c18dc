// Factories: every new tensor is born here (empty() makes the TensorImpl and its Storage).
#include "tensor/factory.h"

#include <cmath>

#include "tensor/check.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/random.h"

namespace descent {

Tensor empty(const Dims& shape, Dtype dtype) {
  for (int64_t s : shape) CHECK(s >= 0, "empty: negative size in shape ", shape);
  auto impl = make_cached<TensorImpl>();
  impl->sizes = shape;
  impl->strides = contiguous_strides(impl->sizes);
  impl->dtype = dtype;
  impl->storage = make_cached<Storage>(size_t(numel_of(impl->sizes)) * element_size(dtype));
  return Tensor(std::move(impl));
}

Tensor full(const Dims& shape, double value, Dtype dtype) {
  Tensor t = empty(shape, dtype);
  kernels::fill_(t, value);
  return t;
}
Tensor zeros(const Dims& shape, Dtype dtype) { return full(shape, 0.0, dtype); }
Tensor ones(const Dims& shape, Dtype dtype) { return full(shape, 1.0, dtype); }

Tensor tensor(const std::vector<double>& values, const Shape& shape, Dtype dtype) {
  CHECK(numel_of(Dims(shape)) == int64_t(values.size()), "tensor: ", values.size(),
        " values do not fill shape ", Dims(shape));
  Tensor t = empty(shape, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = T(values[i]);
  });
  return t;
}
Tensor tensor(const std::vector<double>& values) { return tensor(values, {int64_t(values.size())}); }
Tensor scalar_tensor(double value, Dtype dtype) { return full({}, value, dtype); }

Tensor arange(int64_t end) { return arange(int64_t(0), end, int64_t(1)); }

Tensor arange(int64_t start, int64_t end, int64_t step) {
  CHECK(step != 0, "arange: step must be nonzero");
  int64_t n = std::max<int64_t>(0, (end - start + step - (step > 0 ? 1 : -1)) / step);
  Tensor t = empty({n}, kInt64);
  int64_t* p = t.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) p[i] = start + i * step;
  return t;
}

Tensor arange(double start, double end, double step, Dtype dtype) {
  CHECK(step != 0, "arange: step must be nonzero");
  int64_t n = std::max<int64_t>(0, int64_t(std::ceil((end - start) / step)));
  Tensor t = empty({n}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = T(start + double(i) * step);
  });
  return t;
}

Tensor linspace(double start, double end, int64_t steps, Dtype dtype) {
  CHECK(steps >= 0, "linspace: steps must be >= 0, got ", steps);
  Tensor t = empty({steps}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    double step = steps > 1 ? (end - start) / double(steps - 1) : 0.0;
    for (int64_t i = 0; i < steps; ++i) p[i] = T(start + double(i) * step);
  });
  return t;
}

Tensor eye(int64_t n, Dtype dtype) {
  Tensor t = zeros({n, n}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < n; ++i) t.data_ptr<T>()[i * n + i] = T(1);
  });
  return t;
}

Tensor rand(const Shape& shape, Dtype dtype) {
  Tensor t = empty(shape, dtype);
  kernels::fill_uniform_(t, 0.0, 1.0, default_generator());
  return t;
}
Tensor randn(const Shape& shape, Dtype dtype) {
  Tensor t = empty(shape, dtype);
  kernels::fill_normal_(t, 0.0, 1.0, default_generator());
  return t;
}
Tensor randint(int64_t low, int64_t high, const Shape& shape) {
  Tensor t = empty(shape, kInt64);
  kernels::fill_randint_(t, low, high, default_generator());
  return t;
}
Tensor randperm(int64_t n) { return kernels::randperm(n, default_generator()); }

Tensor empty_like(const Tensor& t) { return empty(t.sizes(), t.dtype()); }
Tensor zeros_like(const Tensor& t) { return zeros(t.sizes(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.sizes(), t.dtype()); }
Tensor full_like(const Tensor& t, double value) { return full(t.sizes(), value, t.dtype()); }
Tensor rand_like(const Tensor& t) { return rand(t.sizes(), t.dtype()); }
Tensor randn_like(const Tensor& t) { return randn(t.sizes(), t.dtype()); }

}  // namespace descent
