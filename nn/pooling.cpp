// nn::MaxPool2d and nn::AvgPool2d (see pooling.h).
#include "nn/pooling.h"

#include <ostream>

#include "autograd/ops.h"

namespace descent::nn {

namespace {
void print_pair(std::ostream& os, const char* name, const ExpandingArray<2>& a) {
  os << name << "=(" << a[0] << ", " << a[1] << ")";
}
}  // namespace

Tensor MaxPool2d::forward(const Tensor& x) const {
  return max_pool2d(x, options.kernel_size().shape(), options.stride().shape(), options.padding().shape());
}

std::tuple<Tensor, Tensor> MaxPool2d::forward_with_indices(const Tensor& x) const {
  return max_pool2d_with_indices(x, options.kernel_size().shape(), options.stride().shape(), options.padding().shape());
}

void MaxPool2d::pretty_print(std::ostream& os) const {
  os << "MaxPool2d(";
  print_pair(os, "kernel_size", options.kernel_size());
  print_pair(os << ", ", "stride", options.stride());
  print_pair(os << ", ", "padding", options.padding());
  os << ")";
}

Tensor AvgPool2d::forward(const Tensor& x) const {
  return avg_pool2d(x, options.kernel_size().shape(), options.stride().shape(), options.padding().shape(),
                    options.count_include_pad());
}

void AvgPool2d::pretty_print(std::ostream& os) const {
  os << "AvgPool2d(";
  print_pair(os, "kernel_size", options.kernel_size());
  print_pair(os << ", ", "stride", options.stride());
  print_pair(os << ", ", "padding", options.padding());
  os << ")";
}

}  // namespace descent::nn
