#pragma once
// Layer normalization kernels: each row of D elements is normalized by its own mean and
// variance, then scaled and shifted per column. No graph here (autograd/ops/layer_norm.cpp
// records it, and checks the arguments first).
//
// Shapes:  x, g, out: contiguous, read as R rows of D elements (D = the normalized dims' size)
//          weight, bias: D elements (contiguous) or undefined
//          mean, rstd: [R], with rstd = 1 / √(var + eps) and var the row's biased variance
#include "tensor/tensor.h"

namespace descent::kernels {

struct LayerNormResult {
  Tensor out;   // x's shape: (x − mean)·rstd·weight + bias
  Tensor mean;  // [R], kept for the backward
  Tensor rstd;  // [R]
};
LayerNormResult layer_norm(const Tensor& x, int64_t D, const Tensor& weight, const Tensor& bias, double eps);

struct LayerNormGrads {
  Tensor input;          // x's shape
  Tensor weight, bias;   // [D]; each undefined unless asked for
};
// x̂ = (x − mean)·rstd   ĝ = g·weight (g without weight)
// dL/dx = rstd·(ĝ − mean_row(ĝ) − x̂·mean_row(ĝ·x̂))   dL/dweight = Σ_rows g·x̂   dL/dbias = Σ_rows g
LayerNormGrads layer_norm_backward(const Tensor& g, const Tensor& x, int64_t D, const Tensor& mean,
                                   const Tensor& rstd, const Tensor& weight, bool need_input, bool need_weight,
                                   bool need_bias);

}  // namespace descent::kernels
