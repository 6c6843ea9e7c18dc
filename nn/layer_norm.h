#pragma once
// nn::LayerNorm: normalizes each sample over its last dims (normalized_shape) by the sample's own
// mean and variance, then y = x̂·weight + bias, elementwise over normalized_shape. The same in
// training and evaluation (no running statistics, unlike BatchNorm). weight starts at 1 and bias
// at 0; elementwise_affine(false) drops both, bias(false) only the bias (as torch's LayerNorm
// from 2.1, and nanoGPT's). The op is descent::layer_norm (autograd/ops/layer_norm.cpp).
#include <vector>

#include "nn/module.h"
#include "nn/options.h"

namespace descent::nn {

struct LayerNormOptions {
  LayerNormOptions(std::vector<int64_t> normalized_shape)  // NOLINT: implicit on purpose
      : normalized_shape_(std::move(normalized_shape)) {}
  DESCENT_ARG(std::vector<int64_t>, normalized_shape);
  DESCENT_ARG(double, eps) = 1e-5;
  DESCENT_ARG(bool, elementwise_affine) = true;  // learn weight (and bias)
  DESCENT_ARG(bool, bias) = true;                // learn a bias (with elementwise_affine)
};

class LayerNorm : public Module {
 public:
  explicit LayerNorm(const LayerNormOptions& options);

  Tensor forward(const Tensor& x) const;
  void reset_parameters();
  void pretty_print(std::ostream& os) const override;

  LayerNormOptions options;
  Tensor weight, bias;  // normalized_shape each; undefined when not learned
};

}  // namespace descent::nn
