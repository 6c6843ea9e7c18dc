#pragma once
// Fused loss kernels: cross-entropy (log-softmax and NLL in one pass over each row, with label
// smoothing and ignored targets) and the numerically stable binary cross-entropy with logits.
// No graph here (autograd/ops/loss.cpp records it); arguments are checked by the caller.
//
// Shapes:  logits: [M, C] (rows are samples, C classes)   target: [M] int64 class indices
#include "tensor/tensor.h"

namespace descent::kernels {

struct CrossEntropyRows {
  Tensor loss;         // [M]: −(1−ε)·log p[y] − (ε/C)·Σ_j log p[j], 0 on ignored rows
  Tensor logsumexp;    // [M]: log Σ_j exp(logits[j]), kept for the backward
  int64_t counted = 0; // rows whose target is not ignore_index
};
// log p = logits − logsumexp(logits) per row; ε = label_smoothing.
CrossEntropyRows cross_entropy(const Tensor& logits, const Tensor& target, int64_t ignore_index,
                               double label_smoothing);

// dL/dlogits[i, j] = scale[i]·(softmax[i, j] − (1−ε)·[j = y_i] − ε/C), and 0 on ignored rows.
// scale: [M], or one element used for every row.
Tensor cross_entropy_backward(const Tensor& logits, const Tensor& target, const Tensor& logsumexp,
                              const Tensor& scale, int64_t ignore_index, double label_smoothing);

// x, y: same shape   out = max(x, 0) − x·y + log(1 + e^−|x|), which never overflows.
Tensor binary_cross_entropy_with_logits(const Tensor& x, const Tensor& y);

}  // namespace descent::kernels
