// nn::Dropout (see dropout.h).
#include "nn/dropout.h"

#include <ostream>

#include "autograd/ops.h"
#include "tensor/check.h"

namespace descent::nn {

Dropout::Dropout(const DropoutOptions& options_) : options(options_) {
  CHECK(options.p() >= 0.0 && options.p() <= 1.0, "Dropout: probability must be in [0, 1], got ", options.p());
}

Tensor Dropout::forward(const Tensor& x) const { return dropout(x, options.p(), is_training()); }

void Dropout::pretty_print(std::ostream& os) const { os << "Dropout(p=" << options.p() << ")"; }

}  // namespace descent::nn
