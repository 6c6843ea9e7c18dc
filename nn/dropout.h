#pragma once
// nn::Dropout: in training, zeros each element with probability p and scales the others by
// 1/(1 − p) (inverted dropout, so evaluation is the identity). The mask comes from the default
// generator: manual_seed makes it reproducible. The op is descent::dropout (autograd/ops/dropout.cpp).
#include "nn/module.h"
#include "nn/options.h"

namespace descent::nn {

struct DropoutOptions {
  DropoutOptions(double p = 0.5) : p_(p) {}  // NOLINT: implicit on purpose
  DESCENT_ARG(double, p);
};

class Dropout : public Module {
 public:
  explicit Dropout(const DropoutOptions& options = {});
  explicit Dropout(double p) : Dropout(DropoutOptions(p)) {}
  Tensor forward(const Tensor& x) const;
  void pretty_print(std::ostream& os) const override;
  DropoutOptions options;
};

}  // namespace descent::nn
