#pragma once
// nn::functional: the layers and losses as free functions, for code that keeps its own weights
// (libtorch's torch::nn::functional, usually aliased `namespace F = descent::nn::functional;`).
// Options are the modules' (F::cross_entropy(x, y, F::CrossEntropyFuncOptions().label_smoothing(0.1)))
// except where the function needs tensors the module owns (conv2d's bias, batch_norm's weight).
#include "autograd/ops.h"
#include "nn/activation.h"
#include "nn/attention.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/loss.h"
#include "nn/options.h"
#include "nn/pooling.h"

namespace descent::nn::functional {

struct Conv2dFuncOptions {
  DESCENT_ARG(Tensor, bias);
  DESCENT_ARG(ExpandingArray<2>, stride) = 1;
  DESCENT_ARG(ExpandingArray<2>, padding) = 0;
  DESCENT_ARG(ExpandingArray<2>, dilation) = 1;
};
struct BatchNormFuncOptions {
  DESCENT_ARG(Tensor, weight);
  DESCENT_ARG(Tensor, bias);
  DESCENT_ARG(bool, training) = false;
  DESCENT_ARG(double, momentum) = 0.1;
  DESCENT_ARG(double, eps) = 1e-5;
};
struct DropoutFuncOptions {
  DESCENT_ARG(double, p) = 0.5;
  DESCENT_ARG(bool, training) = true;
};
struct LayerNormFuncOptions {
  LayerNormFuncOptions(std::vector<int64_t> normalized_shape)  // NOLINT: implicit on purpose
      : normalized_shape_(std::move(normalized_shape)) {}
  DESCENT_ARG(std::vector<int64_t>, normalized_shape);
  DESCENT_ARG(Tensor, weight);
  DESCENT_ARG(Tensor, bias);
  DESCENT_ARG(double, eps) = 1e-5;
};
using MaxPool2dFuncOptions = MaxPool2dOptions;
using AvgPool2dFuncOptions = AvgPool2dOptions;
using LeakyReLUFuncOptions = LeakyReLUOptions;
using GELUFuncOptions = GELUOptions;
using FlattenFuncOptions = FlattenOptions;
using MSELossFuncOptions = MSELossOptions;
using L1LossFuncOptions = L1LossOptions;
using HuberLossFuncOptions = HuberLossOptions;
using CrossEntropyFuncOptions = CrossEntropyLossOptions;
using NLLLossFuncOptions = NLLLossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using MultiMarginLossFuncOptions = MultiMarginLossOptions;

// ---- layers -------------------------------------------------------------------------------
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options = {});
Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options);
Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options);
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options = {});
Tensor dropout(const Tensor& input, const DropoutFuncOptions& options = {});
Tensor flatten(const Tensor& input, const FlattenFuncOptions& options = {});
Tensor relu(const Tensor& input);
Tensor leaky_relu(const Tensor& input, const LeakyReLUFuncOptions& options = {});
Tensor sigmoid(const Tensor& input);
Tensor tanh(const Tensor& input);
Tensor gelu(const Tensor& input, const GELUFuncOptions& options = {});
// input: int64 [..] indices into weight [V, D] -> [.., D] (scaled_dot_product_attention: nn/attention.h)
Tensor embedding(const Tensor& input, const Tensor& weight);
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options);

// ---- losses (formulas in nn/loss.h) -------------------------------------------------------
// input, target: same shape
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options = {});
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options = {});
Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossFuncOptions& options = {});
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options = {});
// input: [N, C] or [N, C, d1, ...] (or one sample [C]); target: int64 [N] or [N, d1, ...] (or [])
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options = {});
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options = {});
// input: [N, C] (or [C]); target: int64 [N] (or [])
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, const MultiMarginLossFuncOptions& options = {});

}  // namespace descent::nn::functional
