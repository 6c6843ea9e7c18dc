// nn::Flatten (see flatten.h).
#include "nn/flatten.h"

#include <ostream>

#include "autograd/ops.h"

namespace descent::nn {

Tensor Flatten::forward(const Tensor& x) const { return flatten(x, options.start_dim(), options.end_dim()); }

void Flatten::pretty_print(std::ostream& os) const {
  os << "Flatten(start_dim=" << options.start_dim() << ", end_dim=" << options.end_dim() << ")";
}

}  // namespace descent::nn
