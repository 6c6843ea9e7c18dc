#pragma once
// Drawing category indices from unnormalized probabilities: the numbers behind
// descent::multinomial (autograd/ops/sampling.cpp, which checks the probabilities first).
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace descent::kernels {

// probs: [R, C] float64 contiguous, non-negative weights, each row with a positive sum
// -> int64 [R, n]: n category indices per row, drawn with probability proportional to the
// weights; without replacement a category drawn once is not drawn again (its weight is removed
// for the later draws). Draw k of row r uses the generator's counter start + r·n + k, so any
// thread count gives the same.
Tensor multinomial(const Tensor& probs, int64_t n, bool replacement, Generator& gen);

}  // namespace descent::kernels
