#pragma once
// Checking backward formulas against finite differences, as torch.autograd.gradcheck does.
// Inputs that require grad must be float64. Each returns true or throws std::runtime_error
// naming the input, the output and input elements, and both numbers where they disagree.
#include <functional>
#include <vector>

#include "tensor/tensor.h"

namespace descent::autograd {

using TensorFunction = std::function<Tensor(const std::vector<Tensor>&)>;

struct GradcheckOptions {
  double eps = 1e-6;   // central-difference step
  double atol = 1e-5;  // |analytic - numerical| <= atol + rtol·|numerical|
  double rtol = 1e-3;
};

// The Jacobian from backward (one backward per output element) against
// (f(x + eps) - f(x - eps)) / 2eps (two forwards per input element).
bool gradcheck(const TensorFunction& fn, const std::vector<Tensor>& inputs, GradcheckOptions options = {});

// gradcheck of x -> autograd::grad(fn(x), x, v, create_graph=true) for a fixed random v:
// checks the backward of the backward.
bool gradgradcheck(const TensorFunction& fn, const std::vector<Tensor>& inputs, GradcheckOptions options = {});

}  // namespace descent::autograd
