#pragma once
// nn::Conv2d: 2-D convolution (descent::conv2d, autograd/ops/conv.cpp: im2col + one GEMM per image).
// x: [N, C_in, H, W]  weight: [C_out, C_in, kH, kW]  bias: [C_out]  y: [N, C_out, HO, WO] with
// HO = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1 (and the same for WO).
// Initialized as PyTorch's: weight by kaiming_uniform_(a = √5), bias U(±1/√fan_in), fan_in = C_in·kH·kW.
#include "nn/module.h"
#include "nn/options.h"

namespace descent::nn {

struct Conv2dOptions {
  Conv2dOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<2> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  DESCENT_ARG(int64_t, in_channels);
  DESCENT_ARG(int64_t, out_channels);
  DESCENT_ARG(ExpandingArray<2>, kernel_size);
  DESCENT_ARG(ExpandingArray<2>, stride) = 1;
  DESCENT_ARG(ExpandingArray<2>, padding) = 0;
  DESCENT_ARG(ExpandingArray<2>, dilation) = 1;
  DESCENT_ARG(bool, bias) = true;
};

class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, ExpandingArray<2> kernel_size)
      : Conv2d(Conv2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv2d(const Conv2dOptions& options);

  Tensor forward(const Tensor& x) const;
  void reset_parameters();
  void pretty_print(std::ostream& os) const override;

  Conv2dOptions options;
  Tensor weight;
  Tensor bias;  // undefined when built with bias(false)
};

}  // namespace descent::nn
