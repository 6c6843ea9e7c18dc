#pragma once
// Weight penalties to add to a loss, built from public ops so they are differentiable (and
// differentiable twice, for optim::Newton):
//   l2_penalty(params) = Σ_p Σ θ²     add (λ/2)·l2_penalty to the loss: its gradient λ·θ is
//                                     exactly the coupled weight decay of SGD/Adam's weight_decay
//   l1_penalty(params) = Σ_p Σ |θ|    the lasso: its gradient λ·sign(θ) pushes small weights to 0
// Coupled weight decay through the optimizer's option is cheaper (no graph); a penalty is what
// you need for L1, for a penalty on some parameters only, or to see the penalty in the loss.
// Read next: docs/optimizers.md ("Weight decay").
#include <vector>

#include "tensor/tensor.h"

namespace descent::nn::utils {

Tensor l2_penalty(const std::vector<Tensor>& params);  // a 0-d tensor; 0 for no parameters
Tensor l1_penalty(const std::vector<Tensor>& params);

}  // namespace descent::nn::utils
