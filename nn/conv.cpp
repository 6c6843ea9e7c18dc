// nn::Conv2d (see conv.h).
#include "nn/conv.h"

#include <cmath>
#include <ostream>

#include "autograd/ops.h"
#include "nn/functional_call.h"
#include "nn/init.h"
#include "tensor/check.h"

namespace descent::nn {

Conv2d::Conv2d(const Conv2dOptions& options_) : options(options_) {
  const auto& k = options.kernel_size();
  CHECK(options.in_channels() > 0 && options.out_channels() > 0, "Conv2d: channel counts must be positive, got in=",
        options.in_channels(), " out=", options.out_channels());
  CHECK(k[0] > 0 && k[1] > 0, "Conv2d: kernel_size must be positive, got ", k[0], "x", k[1]);
  weight = register_parameter("weight", empty({options.out_channels(), options.in_channels(), k[0], k[1]}));
  bias = register_parameter("bias", options.bias() ? empty({options.out_channels()}) : Tensor());
  reset_parameters();
}

void Conv2d::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(double(init::calculate_fan_in_and_fan_out(weight).first));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Conv2d::forward(const Tensor& x) const {
  return conv2d(x, param(weight), param(bias), options.stride().shape(), options.padding().shape(),
                options.dilation().shape());
}

void Conv2d::pretty_print(std::ostream& os) const {
  auto pair = [&](const ExpandingArray<2>& a) { os << "(" << a[0] << ", " << a[1] << ")"; };
  os << "Conv2d(" << options.in_channels() << ", " << options.out_channels() << ", kernel_size=";
  pair(options.kernel_size());
  os << ", stride=";
  pair(options.stride());
  if (!(options.padding() == ExpandingArray<2>(0))) {
    os << ", padding=";
    pair(options.padding());
  }
  if (!(options.dilation() == ExpandingArray<2>(1))) {
    os << ", dilation=";
    pair(options.dilation());
  }
  if (!options.bias()) os << ", bias=false";
  os << ")";
}

}  // namespace descent::nn
