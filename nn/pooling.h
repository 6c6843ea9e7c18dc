#pragma once
// nn::MaxPool2d and nn::AvgPool2d over the last two dims of [N, C, H, W] (or [C, H, W]).
// HO = ⌊(H + 2·padding − kernel) / stride⌋ + 1; the stride defaults to the kernel size (windows
// side by side). Padding may be at most half the kernel. The ops are in autograd/ops/pool.cpp.
#include <tuple>

#include "nn/module.h"
#include "nn/options.h"

namespace descent::nn {

struct MaxPool2dOptions {
  MaxPool2dOptions(ExpandingArray<2> kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}  // NOLINT
  DESCENT_ARG(ExpandingArray<2>, kernel_size);
  DESCENT_ARG(ExpandingArray<2>, stride);
  DESCENT_ARG(ExpandingArray<2>, padding) = 0;
};

struct AvgPool2dOptions {
  AvgPool2dOptions(ExpandingArray<2> kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}  // NOLINT
  DESCENT_ARG(ExpandingArray<2>, kernel_size);
  DESCENT_ARG(ExpandingArray<2>, stride);
  DESCENT_ARG(ExpandingArray<2>, padding) = 0;
  // Whether the zeros of the padding count in a window's mean.
  DESCENT_ARG(bool, count_include_pad) = true;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(ExpandingArray<2> kernel_size) : options(kernel_size) {}
  explicit MaxPool2d(const MaxPool2dOptions& options) : options(options) {}
  Tensor forward(const Tensor& x) const;
  // The values and the int64 index (ih·W + iw within its plane) of each window's maximum.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& x) const;
  void pretty_print(std::ostream& os) const override;
  MaxPool2dOptions options;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(ExpandingArray<2> kernel_size) : options(kernel_size) {}
  explicit AvgPool2d(const AvgPool2dOptions& options) : options(options) {}
  Tensor forward(const Tensor& x) const;
  void pretty_print(std::ostream& os) const override;
  AvgPool2dOptions options;
};

}  // namespace descent::nn
