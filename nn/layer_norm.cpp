// nn::LayerNorm (see layer_norm.h).
#include "nn/layer_norm.h"

#include <ostream>

#include "autograd/ops.h"
#include "nn/functional_call.h"
#include "nn/init.h"
#include "tensor/check.h"

namespace descent::nn {

LayerNorm::LayerNorm(const LayerNormOptions& options_) : options(options_) {
  const Shape& shape = options.normalized_shape();
  CHECK(!shape.empty(), "LayerNorm: normalized_shape must name at least one dim, got []");
  for (int64_t d : shape) CHECK(d > 0, "LayerNorm: normalized_shape must be positive, got ", Dims(shape));
  if (options.elementwise_affine()) {
    weight = register_parameter("weight", descent::empty(shape));
    if (options.bias()) bias = register_parameter("bias", descent::empty(shape));
  }
  reset_parameters();
}

void LayerNorm::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor LayerNorm::forward(const Tensor& x) const {
  return layer_norm(x, options.normalized_shape(), param(weight), param(bias), options.eps());
}

void LayerNorm::pretty_print(std::ostream& os) const {
  os << "LayerNorm(" << Dims(options.normalized_shape()) << ", eps=" << options.eps()
     << ", elementwise_affine=" << (options.elementwise_affine() ? "true" : "false");
  if (options.elementwise_affine() && !options.bias()) os << ", bias=false";
  os << ")";
}

}  // namespace descent::nn
