// nn::Linear (see linear.h).
#include "nn/linear.h"

#include <cmath>
#include <ostream>

#include "autograd/ops.h"
#include "nn/functional_call.h"
#include "nn/init.h"
#include "tensor/check.h"

namespace descent::nn {

Linear::Linear(const LinearOptions& options_) : options(options_) {
  CHECK(options.in_features() > 0 && options.out_features() > 0, "Linear: feature counts must be positive, got in=",
        options.in_features(), " out=", options.out_features());
  weight = register_parameter("weight", empty({options.out_features(), options.in_features()}));
  bias = register_parameter("bias", options.bias() ? empty({options.out_features()}) : Tensor());
  reset_parameters();
}

void Linear::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(double(options.in_features()));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& x) const { return linear(x, param(weight), param(bias)); }

void Linear::pretty_print(std::ostream& os) const {
  os << "Linear(in_features=" << options.in_features() << ", out_features=" << options.out_features()
     << ", bias=" << (options.bias() ? "true" : "false") << ")";
}

}  // namespace descent::nn
