#pragma once
// Activation layers: modules around the elementwise ops of autograd/ops/activation.cpp, so that
// they can sit in a Sequential. None has parameters.
//   ReLU: max(x, 0)   LeakyReLU: x if x > 0 else negative_slope·x   Sigmoid: 1 / (1 + e^−x)
//   Tanh   GELU: x·Φ(x) (Φ the normal CDF), or its tanh approximation with approximate("tanh")
#include <string>

#include "nn/module.h"
#include "nn/options.h"

namespace descent::nn {

struct LeakyReLUOptions {
  DESCENT_ARG(double, negative_slope) = 0.01;
};

struct GELUOptions {
  DESCENT_ARG(std::string, approximate) = "none";  // or "tanh"
};

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) const;
  void pretty_print(std::ostream& os) const override;
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(const LeakyReLUOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& x) const;
  void pretty_print(std::ostream& os) const override;
  LeakyReLUOptions options;
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) const;
  void pretty_print(std::ostream& os) const override;
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) const;
  void pretty_print(std::ostream& os) const override;
};

class GELU : public Module {
 public:
  explicit GELU(const GELUOptions& options = {});
  Tensor forward(const Tensor& x) const;
  void pretty_print(std::ostream& os) const override;
  GELUOptions options;
};

}  // namespace descent::nn
