#pragma once
// The lower and upper triangles of the last two dims: the numbers behind descent::tril and
// descent::triu (autograd/ops/triangular.cpp).
#include "tensor/tensor.h"

namespace descent::kernels {

// a: [.., M, N]. Keeps a[.., i, j] where j − i <= diagonal (lower) or j − i >= diagonal (upper)
// and writes 0 elsewhere, into a new contiguous tensor.
Tensor triangle(const Tensor& a, int64_t diagonal, bool lower);

}  // namespace descent::kernels
