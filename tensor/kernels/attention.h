#pragma once
// Attention's weights: softmax(x·scale + mask) along the last dim, fused into one pass per row
// (and one per row for the backward), with the causal mask applied by index instead of read from
// a tensor. No graph here (autograd/ops/attention.cpp records it and checks the arguments).
//
// Shapes:  x, y, g: [.., L, S] contiguous (one row per query position, S keys)
//          mask: undefined, or of x's dtype and broadcastable to x's shape (any strides: a
//          [L, S] mask is read in place for every batch and head, never copied)
// With `causal`, row i (its index along L) keeps keys j <= i only: the others get weight 0 and
// are neither read nor exponentiated.
#include "tensor/tensor.h"

namespace descent::kernels {

// y = softmax(x·scale + mask) over the kept keys of each row, 0 elsewhere. A row whose kept
// scores are all −inf gives NaN, as torch's softmax does.
Tensor masked_softmax(const Tensor& x, const Tensor& mask, double scale, bool causal);

// dL/dx = scale·y·(g − Σ_j g_j·y_j), row by row (0 where y was masked out).
Tensor masked_softmax_backward(const Tensor& g, const Tensor& y, double scale, bool causal);

}  // namespace descent::kernels
