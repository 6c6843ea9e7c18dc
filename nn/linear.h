#pragma once
// nn::Linear: y = x·Wᵀ + b, one GEMM with the bias fused (descent::linear, autograd/ops/linalg.cpp).
// x: [.., in_features]  weight: [out_features, in_features]  bias: [out_features]  y: [.., out_features]
// Initialized as PyTorch's: weight by kaiming_uniform_(a = √5), i.e. U(±1/√in), bias U(±1/√in).
#include "nn/module.h"
#include "nn/options.h"

namespace descent::nn {

struct LinearOptions {
  LinearOptions(int64_t in_features, int64_t out_features) : in_features_(in_features), out_features_(out_features) {}
  DESCENT_ARG(int64_t, in_features);
  DESCENT_ARG(int64_t, out_features);
  DESCENT_ARG(bool, bias) = true;
};

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true)
      : Linear(LinearOptions(in_features, out_features).bias(bias)) {}
  explicit Linear(const LinearOptions& options);

  Tensor forward(const Tensor& x) const;
  void reset_parameters();
  void pretty_print(std::ostream& os) const override;

  LinearOptions options;
  Tensor weight;
  Tensor bias;  // undefined when built with bias = false
};

}  // namespace descent::nn
