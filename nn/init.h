#pragma once
// Weight initialization, as torch.nn.init: each function fills a tensor in place (under
// NoGradGuard, so parameters can be filled) from the default generator and returns it.
// fan_in / fan_out of a weight [out, in, k...] are in·Πk and out·Πk; the gain of a nonlinearity
// is the factor that keeps activations' variance steady through it (√2 for ReLU).
//   xavier_uniform_: U(−a, a), a = gain·√(6 / (fan_in + fan_out))
//   xavier_normal_:  N(0, σ²), σ = gain·√(2 / (fan_in + fan_out))
//   kaiming_uniform_: U(−b, b), b = gain·√(3 / fan)     kaiming_normal_: N(0, σ²), σ = gain / √fan
// with fan = fan_in or fan_out (mode) and gain = calculate_gain(nonlinearity, a).
#include <utility>

#include "tensor/tensor.h"

namespace descent::nn::init {

enum class Nonlinearity { Linear, Conv1d, Conv2d, Conv3d, Sigmoid, Tanh, ReLU, LeakyReLU, SELU };
enum class FanMode { FanIn, FanOut };
inline constexpr Nonlinearity kLinear = Nonlinearity::Linear;
inline constexpr Nonlinearity kConv1d = Nonlinearity::Conv1d;
inline constexpr Nonlinearity kConv2d = Nonlinearity::Conv2d;
inline constexpr Nonlinearity kConv3d = Nonlinearity::Conv3d;
inline constexpr Nonlinearity kSigmoid = Nonlinearity::Sigmoid;
inline constexpr Nonlinearity kTanh = Nonlinearity::Tanh;
inline constexpr Nonlinearity kReLU = Nonlinearity::ReLU;
inline constexpr Nonlinearity kLeakyReLU = Nonlinearity::LeakyReLU;
inline constexpr Nonlinearity kSELU = Nonlinearity::SELU;
inline constexpr FanMode kFanIn = FanMode::FanIn;
inline constexpr FanMode kFanOut = FanMode::FanOut;

// 1 for linear, conv and sigmoid; 5/3 for tanh; √2 for ReLU; √(2 / (1 + slope²)) for leaky
// ReLU (param is the slope, 0.01 when negative); 3/4 for SELU.
double calculate_gain(Nonlinearity nonlinearity, double param = -1.0);
// (fan_in, fan_out) of a tensor with at least 2 dims.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

Tensor uniform_(Tensor tensor, double low = 0.0, double high = 1.0);
Tensor normal_(Tensor tensor, double mean = 0.0, double std = 1.0);
Tensor constant_(Tensor tensor, double value);
Tensor zeros_(Tensor tensor);
Tensor ones_(Tensor tensor);
Tensor xavier_uniform_(Tensor tensor, double gain = 1.0);
Tensor xavier_normal_(Tensor tensor, double gain = 1.0);
// a: the negative slope of the leaky ReLU that follows (0 for ReLU).
Tensor kaiming_uniform_(Tensor tensor, double a = 0.0, FanMode mode = kFanIn, Nonlinearity nonlinearity = kLeakyReLU);
Tensor kaiming_normal_(Tensor tensor, double a = 0.0, FanMode mode = kFanIn, Nonlinearity nonlinearity = kLeakyReLU);

}  // namespace descent::nn::init
