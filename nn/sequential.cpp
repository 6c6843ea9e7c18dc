// Sequential's forward and indexing (the registration templates are in the header).
#include "nn/sequential.h"

#include "tensor/check.h"

namespace descent::nn {

Tensor Sequential::forward(const Tensor& x) const {
  Tensor h = x;
  for (const auto& call : calls_) h = call(h);
  return h;
}

const std::shared_ptr<Module>& Sequential::operator[](size_t index) const {
  CHECK(index < modules_.size(), "Sequential: index ", index, " is out of range for ", modules_.size(), " modules");
  return modules_[index];
}

}  // namespace descent::nn
