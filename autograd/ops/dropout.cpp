// Inverted dropout: out = x·mask with mask = bernoulli(1 − p)/(1 − p), so the expected output is
// x and evaluation needs no rescaling. A composite: the mask is a constant, and mul's backward
// (g·mask) is dropout's. The mask comes from the default generator (tensor/random.h), so
// manual_seed fixes it, on any thread count. nn::Dropout (nn/dropout.h) is the module.
#include "autograd/ops/common.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/random.h"

namespace descent {

using namespace ops_detail;

Tensor dropout(const Tensor& input, double p, bool training) {
  check_defined(input, "dropout");
  CHECK(p >= 0.0 && p <= 1.0, "dropout: probability must be in [0, 1], got ", p);
  CHECK(is_floating(input.dtype()), "dropout: expected a floating-point input, got ", dtype_name(input.dtype()));
  if (!training || p == 0.0) return input;
  if (p == 1.0) return input * 0.0;
  Tensor mask = empty(input.sizes(), input.dtype());
  kernels::fill_bernoulli_(mask, 1.0 - p, default_generator(), 1.0 / (1.0 - p));
  return input * mask;
}

}  // namespace descent
