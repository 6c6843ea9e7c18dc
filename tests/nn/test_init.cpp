// nn::init against torch.nn.init's formulas, and every layer's default initialization.
#include <cmath>

#include "helpers.h"

using namespace descent;
namespace init = descent::nn::init;

namespace {
struct Stats {
  double min, max, mean, std;
};
Stats stats(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  Stats s{INFINITY, -INFINITY, 0, 0};
  for (double x : v) s.min = std::min(s.min, x), s.max = std::max(s.max, x), s.mean += x;
  s.mean /= double(v.size());
  for (double x : v) s.std += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(s.std / double(v.size()));
  return s;
}
}  // namespace

TEST_CASE("gains and fans follow torch.nn.init") {
  REQUIRE(init::calculate_gain(init::kLinear) == 1.0);
  REQUIRE(init::calculate_gain(init::kConv2d) == 1.0);
  REQUIRE(init::calculate_gain(init::kSigmoid) == 1.0);
  REQUIRE(init::calculate_gain(init::kTanh) == Approx(5.0 / 3.0));
  REQUIRE(init::calculate_gain(init::kReLU) == Approx(std::sqrt(2.0)));
  REQUIRE(init::calculate_gain(init::kLeakyReLU) == Approx(std::sqrt(2.0 / (1 + 0.01 * 0.01))));
  REQUIRE(init::calculate_gain(init::kLeakyReLU, std::sqrt(5.0)) == Approx(std::sqrt(1.0 / 3.0)));
  REQUIRE(init::calculate_gain(init::kSELU) == 0.75);
  REQUIRE(init::calculate_fan_in_and_fan_out(empty({32, 16, 3, 5})) == std::pair<int64_t, int64_t>{16 * 15, 32 * 15});
  REQUIRE(init::calculate_fan_in_and_fan_out(empty({10, 784})) == std::pair<int64_t, int64_t>{784, 10});
  REQUIRE_THROWS_WITH(init::calculate_fan_in_and_fan_out(empty({5})),
                      "init: fan in and fan out need a tensor with at least 2 dims, got shape [5]");
}

TEST_CASE("uniform initializers stay inside their bound and fill it") {
  manual_seed(3);
  Tensor w = empty({200, 300});
  init::xavier_uniform_(w, 2.0);
  const double a = 2.0 * std::sqrt(6.0 / 500.0);
  Stats s = stats(w);
  REQUIRE(s.min >= -a);
  REQUIRE(s.max <= a);
  REQUIRE(s.max > 0.99 * a);
  REQUIRE(s.std == Approx(a / std::sqrt(3.0)).epsilon(0.02));
  init::kaiming_uniform_(w, 0.0, init::kFanOut, init::kReLU);
  const double b = std::sqrt(2.0) * std::sqrt(3.0 / 200.0);
  s = stats(w);
  REQUIRE(s.max <= b);
  REQUIRE(s.max > 0.99 * b);
  init::uniform_(w, -0.5, 2.0);
  s = stats(w);
  REQUIRE((s.min >= -0.5 && s.max < 2.0));
  REQUIRE(s.mean == Approx(0.75).epsilon(0.01));
}

TEST_CASE("normal initializers have the requested standard deviation") {
  manual_seed(4);
  Tensor w = empty({400, 250});
  init::xavier_normal_(w);
  REQUIRE(stats(w).std == Approx(std::sqrt(2.0 / 650.0)).epsilon(0.02));
  init::kaiming_normal_(w, 0.0, init::kFanIn, init::kReLU);
  REQUIRE(stats(w).std == Approx(std::sqrt(2.0 / 250.0)).epsilon(0.02));
  init::normal_(w, 3.0, 0.5);
  REQUIRE(stats(w).mean == Approx(3.0).epsilon(0.01));
  REQUIRE(stats(w).std == Approx(0.5).epsilon(0.02));
  init::zeros_(w);
  REQUIRE(stats(w).max == 0.0);
  init::ones_(w);
  REQUIRE(stats(w).min == 1.0);
}

TEST_CASE("initializers work on parameters while grad mode is on") {
  nn::Linear layer(5, 4);
  REQUIRE(layer.weight.requires_grad());
  init::zeros_(layer.weight);  // an in-place fill of a leaf that requires grad: allowed by init's NoGradGuard
  REQUIRE(layer.weight.abs().sum().item<double>() == 0.0);
  REQUIRE(layer.weight.is_leaf());
}

TEST_CASE("layers start from PyTorch's default initialization") {
  manual_seed(5);
  nn::Linear linear(400, 300);  // weight and bias U(±1/√400)
  const double bound = 1.0 / 20.0;
  Stats w = stats(linear.weight), b = stats(linear.bias);
  REQUIRE((w.min >= -bound && w.max <= bound && w.max > 0.99 * bound));
  REQUIRE((b.min >= -bound && b.max <= bound && b.max > 0.9 * bound));
  nn::Conv2d conv(nn::Conv2dOptions(16, 32, 5));  // fan_in = 16·25 = 400, the same bound
  w = stats(conv.weight), b = stats(conv.bias);
  REQUIRE((w.min >= -bound && w.max <= bound && w.max > 0.99 * bound));
  REQUIRE((b.min >= -bound && b.max <= bound));
  nn::BatchNorm2d bn(7);
  REQUIRE(bn.weight.to_vector<float>() == std::vector<float>(7, 1.0f));
  REQUIRE(bn.bias.to_vector<float>() == std::vector<float>(7, 0.0f));
  REQUIRE(bn.running_mean.to_vector<float>() == std::vector<float>(7, 0.0f));
  REQUIRE(bn.running_var.to_vector<float>() == std::vector<float>(7, 1.0f));
  // the draws come from the default generator: reseeding repeats them
  manual_seed(5);
  nn::Linear again(400, 300);
  REQUIRE(again.weight.to_vector<float>() == linear.weight.to_vector<float>());
}

TEST_CASE("BatchNorm1d starts as PyTorch's: weight 1, bias 0, running mean 0, running variance 1") {
  manual_seed(6);
  nn::BatchNorm1d bn(5);
  REQUIRE(bn.options.eps() == 1e-5);
  REQUIRE(bn.options.momentum() == std::optional<double>(0.1));
  REQUIRE(bn.weight.dtype() == kFloat32);
  REQUIRE(bn.weight.sizes() == Dims{5});
  REQUIRE(bn.weight.to_vector<float>() == std::vector<float>(5, 1.0f));
  REQUIRE(bn.bias.to_vector<float>() == std::vector<float>(5, 0.0f));
  REQUIRE((bn.weight.requires_grad() && bn.bias.requires_grad()));
  REQUIRE(bn.running_mean.to_vector<float>() == std::vector<float>(5, 0.0f));
  REQUIRE(bn.running_var.to_vector<float>() == std::vector<float>(5, 1.0f));
  REQUIRE_FALSE(bn.running_mean.requires_grad());
  REQUIRE(bn.num_batches_tracked.dtype() == kInt64);
  REQUIRE(bn.num_batches_tracked.item<int64_t>() == 0);
  REQUIRE(bn.named_parameters().size() == 2);
  REQUIRE(bn.named_buffers().size() == 3);
  // a training step moves the statistics; reset_parameters() brings everything back
  bn.forward(randn({8, 5}) * 3.0 + 2.0);
  REQUIRE(bn.running_mean.to_vector<float>() != std::vector<float>(5, 0.0f));
  bn.reset_parameters();
  REQUIRE(bn.running_mean.to_vector<float>() == std::vector<float>(5, 0.0f));
  REQUIRE(bn.running_var.to_vector<float>() == std::vector<float>(5, 1.0f));
  REQUIRE(bn.num_batches_tracked.item<int64_t>() == 0);
  // without affine or tracking, the corresponding tensors do not exist
  nn::BatchNorm1d bare(nn::BatchNormOptions(5).affine(false).track_running_stats(false));
  REQUIRE(bare.parameters().empty());
  REQUIRE(bare.buffers().empty());
  REQUIRE_FALSE(bare.weight.defined());
}
