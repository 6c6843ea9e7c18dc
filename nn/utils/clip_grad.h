#pragma once
// Gradient clipping, called between backward() and the optimizer's step():
//   loss.backward();
//   double norm = nn::utils::clip_grad_norm_(model->parameters(), 1.0);  // the norm before clipping
//   opt.step();
// clip_grad_norm_ rescales all gradients together (their direction is kept) so that the norm of
// their concatenation is at most max_norm; clip_grad_value_ clamps each element to
// [−value, value] (the direction changes). Both follow torch.nn.utils; parameters without a
// gradient are skipped. Not an optimizer option: it acts on p.grad() and any optimizer follows.
// Read next: optim/optimizer.h, docs/optimizers.md ("Clipping").
#include <limits>
#include <vector>

#include "tensor/tensor.h"

namespace descent::nn::utils {

// Total norm of the order norm_type (2: Euclidean, 1: sum of |g|, infinity: max |g|) over every
// gradient as one vector. Gradients are multiplied by max_norm / (norm + 1e-6) when that is
// below 1. With error_if_nonfinite, a NaN or infinite norm throws std::runtime_error instead
// of spreading NaN into every gradient. Returns the norm before clipping.
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient element into [−clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);
void clip_grad_value_(const Tensor& parameter, double clip_value);

inline constexpr double kInfNorm = std::numeric_limits<double>::infinity();  // norm_type for max |g|

}  // namespace descent::nn::utils
