#pragma once
// Reductions: sum (and mean, a scaled sum), max/min with indices, and softmax along a dim.
// Results do not depend on the thread count: work is split by output element, and a reduction
// to a single number sums fixed-size chunks whose partial sums are then added in order.
#include <tuple>

#include "tensor/tensor.h"

namespace descent::kernels {

// Sum over the dims marked in `reduce` (one flag per dim of a), times `scale`.
// Floats accumulate in double; int64 and bool sum to int64.
Tensor sum(const Tensor& a, const DimMask& reduce, bool keepdim, double scale = 1.0);

// Max (or min) along `dim`: values and int64 indices of the first extreme element; NaN wins.
std::tuple<Tensor, Tensor> max_along(const Tensor& a, int64_t dim, bool keepdim, bool is_min);
// Max (or min) of all elements as a 0-d tensor, and the flat index of the first one.
std::tuple<Tensor, int64_t> max_all(const Tensor& a, bool is_min);

// softmax (or log_softmax) along dim, computed as exp(x - max) / Σ exp(x - max).
Tensor softmax(const Tensor& a, int64_t dim, bool log);

// Reference implementation for tests: the plain nested loop, no threads, no fast paths.
Tensor sum_naive(const Tensor& a, const DimMask& reduce, bool keepdim);

}  // namespace descent::kernels
