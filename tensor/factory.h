#pragma once
// Making tensors: from values, filled, ranges and random draws. Every factory returns a fresh
// contiguous tensor that does not require grad (call requires_grad_() on it for a leaf).
// Random factories draw from the default generator (tensor/random.h); manual_seed fixes them.
#include <vector>

#include "tensor/tensor.h"

namespace descent {

// (Shape arguments convert to Dims implicitly; Dims is what tensors store, see shape.h.)
Tensor empty(const Dims& shape, Dtype dtype = kFloat32);
Tensor zeros(const Dims& shape, Dtype dtype = kFloat32);
Tensor ones(const Dims& shape, Dtype dtype = kFloat32);
Tensor full(const Dims& shape, double value, Dtype dtype = kFloat32);
Tensor tensor(const std::vector<double>& values, const Shape& shape, Dtype dtype = kFloat32);
Tensor tensor(const std::vector<double>& values);  // 1-D, float32
Tensor scalar_tensor(double value, Dtype dtype = kFloat32);

Tensor arange(int64_t end);  // 0, 1, ..., end-1 as int64
Tensor arange(int64_t start, int64_t end, int64_t step = 1);
Tensor arange(double start, double end, double step = 1.0, Dtype dtype = kFloat32);
Tensor linspace(double start, double end, int64_t steps, Dtype dtype = kFloat32);
Tensor eye(int64_t n, Dtype dtype = kFloat32);

Tensor rand(const Shape& shape, Dtype dtype = kFloat32);   // uniform on [0, 1)
Tensor randn(const Shape& shape, Dtype dtype = kFloat32);  // standard normal
Tensor randint(int64_t low, int64_t high, const Shape& shape);  // int64 uniform on [low, high)
Tensor randperm(int64_t n);                                      // int64 permutation of 0..n-1

Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
Tensor rand_like(const Tensor& t);
Tensor randn_like(const Tensor& t);

}  // namespace descent
