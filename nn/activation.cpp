// Activation layers (see activation.h): each forward is one op.
#include "nn/activation.h"

#include <ostream>

#include "autograd/ops.h"
#include "tensor/check.h"

namespace descent::nn {

Tensor ReLU::forward(const Tensor& x) const { return relu(x); }
void ReLU::pretty_print(std::ostream& os) const { os << "ReLU()"; }

Tensor LeakyReLU::forward(const Tensor& x) const { return leaky_relu(x, options.negative_slope()); }
void LeakyReLU::pretty_print(std::ostream& os) const {
  os << "LeakyReLU(negative_slope=" << options.negative_slope() << ")";
}

Tensor Sigmoid::forward(const Tensor& x) const { return sigmoid(x); }
void Sigmoid::pretty_print(std::ostream& os) const { os << "Sigmoid()"; }

Tensor Tanh::forward(const Tensor& x) const { return tanh(x); }
void Tanh::pretty_print(std::ostream& os) const { os << "Tanh()"; }

GELU::GELU(const GELUOptions& options_) : options(options_) {
  CHECK(options.approximate() == "none" || options.approximate() == "tanh",
        "GELU: approximate must be \"none\" or \"tanh\", got \"", options.approximate(), "\"");
}
Tensor GELU::forward(const Tensor& x) const { return gelu(x, options.approximate()); }
void GELU::pretty_print(std::ostream& os) const { os << "GELU(approximate=" << options.approximate() << ")"; }

}  // namespace descent::nn
