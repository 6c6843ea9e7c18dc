// nn::functional's layers: each forwards to the op of autograd/ops.h with the options unpacked.
// (The losses are in nn/loss.cpp.)
#include "nn/functional.h"

namespace descent::nn::functional {

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  return descent::linear(input, weight, bias);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options) {
  return descent::conv2d(input, weight, options.bias(), options.stride().shape(), options.padding().shape(),
                         options.dilation().shape());
}

Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options) {
  return descent::max_pool2d(input, options.kernel_size().shape(), options.stride().shape(), options.padding().shape());
}

Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options) {
  return descent::avg_pool2d(input, options.kernel_size().shape(), options.stride().shape(), options.padding().shape(),
                             options.count_include_pad());
}

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options) {
  return descent::batch_norm(input, options.weight(), options.bias(), running_mean, running_var, options.training(),
                             options.momentum(), options.eps());
}

Tensor dropout(const Tensor& input, const DropoutFuncOptions& options) {
  return descent::dropout(input, options.p(), options.training());
}

Tensor flatten(const Tensor& input, const FlattenFuncOptions& options) {
  return descent::flatten(input, options.start_dim(), options.end_dim());
}

Tensor relu(const Tensor& input) { return descent::relu(input); }
Tensor leaky_relu(const Tensor& input, const LeakyReLUFuncOptions& options) {
  return descent::leaky_relu(input, options.negative_slope());
}
Tensor sigmoid(const Tensor& input) { return descent::sigmoid(input); }
Tensor tanh(const Tensor& input) { return descent::tanh(input); }
Tensor gelu(const Tensor& input, const GELUFuncOptions& options) { return descent::gelu(input, options.approximate()); }

Tensor embedding(const Tensor& input, const Tensor& weight) { return descent::embedding(weight, input); }
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options) {
  return descent::layer_norm(input, options.normalized_shape(), options.weight(), options.bias(), options.eps());
}

}  // namespace descent::nn::functional
