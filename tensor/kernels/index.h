#pragma once
// Indexing kernels: picking and scattering slices by int64 index tensors. Each validates its
// indices first and throws naming the op, the bad index and the valid range.
#include "tensor/tensor.h"

namespace descent::kernels {

// out[.., i, ..] = a[.., index[i], ..] along dim (index 1-D)
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index);
// out = a; out[.., index[i], ..] += source[.., i, ..]
Tensor index_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source);
// out[p] = a[p with coordinate dim replaced by index[p]]   (out has index's shape)
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index);
// out = a; out[p with coordinate dim replaced by index[p]] += source[p]
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source);

}  // namespace descent::kernels
