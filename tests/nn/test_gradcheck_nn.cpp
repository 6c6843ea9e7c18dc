// Every nn primitive against central finite differences in float64 (gradcheck), and second
// derivatives (gradgradcheck) for the ops whose backward is itself differentiable: conv2d,
// im2col/col2im, both pools, batch norm and the fused losses. Inputs stay away from kinks
// (max-pool ties, ReLU-like hinges at 0) so that finite differences are meaningful.
#include "helpers.h"

using namespace descent;
namespace F = descent::nn::functional;
using autograd::gradcheck;
using autograd::gradgradcheck;
using Args = std::vector<Tensor>;
using test::leaf;

namespace {
// Distinct values (a shuffled range, scaled), so that every max-pool window has one maximum.
Tensor distinct_leaf(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return (randperm(n).to(kFloat64) * 0.1 - 1.0).reshape(shape).detach().requires_grad_();
}
Tensor labels(const std::vector<double>& values) { return tensor(values, {int64_t(values.size())}, kInt64); }
}  // namespace

TEST_CASE("linear matches finite differences") {
  manual_seed(10);
  Tensor x = leaf({3, 4}), w = leaf({2, 4}), b = leaf({2});
  REQUIRE(gradcheck([](const Args& a) { return F::linear(a[0], a[1], a[2]); }, {x, w, b}));
  auto layer = std::make_shared<nn::Linear>(4, 2);
  layer->to(kFloat64);
  REQUIRE(gradcheck([&](const Args& a) { return layer->forward(a[0]); }, {leaf({2, 3, 4})}));
}

TEST_CASE("conv2d matches finite differences with stride 2, padding 1 and dilation 2") {
  manual_seed(11);
  Tensor x = leaf({2, 2, 6, 5}), w = leaf({3, 2, 3, 2}), b = leaf({3});
  REQUIRE(gradcheck([](const Args& a) { return conv2d(a[0], a[1], a[2], {2}, {1}, {2}); }, {x, w, b}));
  // asymmetric steps, no bias, and the 1×1 path that skips im2col
  REQUIRE(gradcheck([](const Args& a) { return conv2d(a[0], a[1], {}, {1, 2}, {0, 1}, {2, 1}); }, {x, w}));
  REQUIRE(gradcheck([](const Args& a) { return conv2d(a[0], a[1], a[2]); }, {leaf({5, 2, 3, 3}), leaf({3, 2, 1, 1}), b}));
  // an unbatched [C, H, W] image
  REQUIRE(gradcheck([](const Args& a) { return conv2d(a[0], a[1], a[2], {1}, {1}); }, {leaf({2, 4, 4}), w, b}));
}

TEST_CASE("conv2d's second derivatives match finite differences") {
  manual_seed(12);
  Tensor x = leaf({2, 2, 5, 4}), w = leaf({2, 2, 2, 3}), b = leaf({2});
  REQUIRE(gradgradcheck([](const Args& a) { return conv2d(a[0], a[1], a[2], {2}, {1}, {2}); }, {x, w, b}));
  REQUIRE(gradgradcheck([](const Args& a) { return conv2d(a[0], a[1], a[2], {1, 2}, {1, 0}); }, {x, w, b}));
}

TEST_CASE("im2col and col2im are each other's adjoint and differentiate twice") {
  manual_seed(13);
  Tensor x = leaf({2, 2, 5, 4});
  const Shape k{2, 3}, d{1, 2}, p{1}, s{2, 1};
  Tensor cols = im2col(x, k, d, p, s);
  Tensor c = leaf(cols.sizes());
  // <im2col(x), c> = <x, col2im(c)>
  const double lhs = sum(cols * c).item<double>(), rhs = sum(x * col2im(c, {5, 4}, k, d, p, s)).item<double>();
  REQUIRE(std::fabs(lhs - rhs) < 1e-12 * std::max(1.0, std::fabs(lhs)));
  REQUIRE(gradcheck([&](const Args& a) { return im2col(a[0], k, d, p, s); }, {x}));
  REQUIRE(gradcheck([&](const Args& a) { return col2im(a[0], {5, 4}, k, d, p, s); }, {c}));
  REQUIRE(gradgradcheck([&](const Args& a) { return im2col(a[0], k, d, p, s) * im2col(a[0], k, d, p, s); }, {x}));
}

TEST_CASE("max pooling matches finite differences, overlapping windows and padding included") {
  manual_seed(14);
  Tensor x = distinct_leaf({2, 2, 7, 6});
  REQUIRE(gradcheck([](const Args& a) { return max_pool2d(a[0], {2}); }, {x}));
  REQUIRE(gradcheck([](const Args& a) { return max_pool2d(a[0], {3}, {2}, {1}); }, {x}));
  REQUIRE(gradcheck([](const Args& a) { return max_pool2d(a[0], {3, 2}, {1, 2}); }, {x}));
  // second derivatives: the backward is a scatter whose own backward gathers
  REQUIRE(gradgradcheck([](const Args& a) { return max_pool2d(a[0] * a[0], {3}, {2}, {1}); }, {x}));
}

TEST_CASE("average pooling matches finite differences with and without counting the padding") {
  manual_seed(15);
  Tensor x = leaf({2, 2, 7, 6});
  REQUIRE(gradcheck([](const Args& a) { return avg_pool2d(a[0], {2}); }, {x}));
  REQUIRE(gradcheck([](const Args& a) { return avg_pool2d(a[0], {3}, {2}, {1}); }, {x}));
  REQUIRE(gradcheck([](const Args& a) { return avg_pool2d(a[0], {3, 2}, {1, 2}, {1, 0}, false); }, {x}));
  REQUIRE(gradgradcheck([](const Args& a) { return avg_pool2d(a[0] * a[0], {3}, {2}, {1}); }, {x}));
}

TEST_CASE("batch norm in training mode matches finite differences") {
  manual_seed(16);
  Tensor x = leaf({4, 3, 3, 2}), w = leaf({3}), b = leaf({3});
  auto bn = [](const Args& a) { return batch_norm(a[0], a[1], a[2], {}, {}, true, 0.1, 1e-5); };
  REQUIRE(gradcheck(bn, {x, w, b}));
  REQUIRE(gradcheck([](const Args& a) { return batch_norm(a[0], {}, {}, {}, {}, true, 0.1, 1e-3); }, {leaf({5, 3})}));
  REQUIRE(gradgradcheck(bn, {x, w, b}));
  // and through the module, in evaluation mode (a composite with constant statistics)
  auto module = std::make_shared<nn::BatchNorm2d>(3);
  module->to(kFloat64);
  module->forward(randn({4, 3, 3, 2}, kFloat64));
  module->eval();
  REQUIRE(gradcheck([&](const Args& a) { return module->forward(a[0]); }, {x}));
}

TEST_CASE("cross-entropy matches finite differences with label smoothing and ignore_index") {
  manual_seed(17);
  Tensor x = leaf({5, 4});
  Tensor y = labels({0, 3, -100, 2, 3});
  for (Reduction r : {kMean, kSum, kNone}) {
    INFO("reduction " << int(r));
    auto opts = F::CrossEntropyFuncOptions().reduction(r);
    REQUIRE(gradcheck([&](const Args& a) { return F::cross_entropy(a[0], labels({0, 3, 1, 2, 3}), opts); }, {x}));
    REQUIRE(gradcheck([&](const Args& a) { return F::cross_entropy(a[0], y, F::CrossEntropyFuncOptions(opts).label_smoothing(0.25)); }, {x}));
    REQUIRE(gradcheck([&](const Args& a) { return F::cross_entropy(a[0], labels({0, 3, 1, 2, 3}), F::CrossEntropyFuncOptions(opts).ignore_index(3)); }, {x}));
  }
  // [N, C, d] inputs, and one unbatched sample
  Tensor yk = tensor({1, 0, -100, 2, 2, 1}, {2, 3}, kInt64);
  REQUIRE(gradcheck([&](const Args& a) { return F::cross_entropy(a[0], yk, F::CrossEntropyFuncOptions().label_smoothing(0.1)); }, {leaf({2, 3, 3})}));
  REQUIRE(gradcheck([&](const Args& a) { return F::cross_entropy(a[0], scalar_tensor(2, kInt64)); }, {leaf({4})}));
}

TEST_CASE("the other losses match finite differences") {
  manual_seed(18);
  Tensor a = leaf({3, 4}), b = leaf({3, 4});
  Tensor y = labels({1, 0, 3});
  for (Reduction r : {kMean, kSum, kNone}) {
    INFO("reduction " << int(r));
    REQUIRE(gradcheck([&](const Args& x) { return F::mse_loss(x[0], x[1], F::MSELossFuncOptions().reduction(r)); }, {a, b}));
    REQUIRE(gradcheck([&](const Args& x) { return F::l1_loss(x[0], x[1], F::L1LossFuncOptions().reduction(r)); }, {a, b}));
    REQUIRE(gradcheck([&](const Args& x) { return F::huber_loss(x[0], x[1], F::HuberLossFuncOptions().reduction(r).delta(0.8)); }, {a, b}));
    REQUIRE(gradcheck([&](const Args& x) {
      return F::binary_cross_entropy_with_logits(x[0], x[1], F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(r));
    }, {a, b}));
    REQUIRE(gradcheck([&](const Args& x) { return F::nll_loss(x[0], labels({1, -100, 3}), F::NLLLossFuncOptions().reduction(r)); }, {a}));
  }
  // the hinge: margins chosen so that no term sits at its kink
  Tensor s = tensor({0.1, 2.0, -0.7, 0.4, 1.3, 0.2, 0.9, -1.1, -0.3, 0.6, 2.2, 1.55}, {3, 4}, kFloat64).requires_grad_();
  REQUIRE(gradcheck([&](const Args& x) { return F::multi_margin_loss(x[0], y); }, {s}));
  REQUIRE(gradcheck([&](const Args& x) { return F::multi_margin_loss(x[0], y, F::MultiMarginLossFuncOptions().p(2).margin(0.5).reduction(kNone)); }, {s}));
}

TEST_CASE("losses have correct second derivatives") {
  manual_seed(19);
  Tensor x = leaf({4, 3}), t = leaf({4, 3});
  Tensor y = labels({2, -100, 0, 1});
  REQUIRE(gradgradcheck([&](const Args& a) { return F::cross_entropy(a[0], y, F::CrossEntropyFuncOptions().label_smoothing(0.2)); }, {x}));
  REQUIRE(gradgradcheck([&](const Args& a) { return F::cross_entropy(a[0], y, F::CrossEntropyFuncOptions().reduction(kNone)); }, {x}));
  REQUIRE(gradgradcheck([](const Args& a) { return F::binary_cross_entropy_with_logits(a[0], a[1]); }, {x, t}));
  REQUIRE(gradgradcheck([](const Args& a) { return F::mse_loss(a[0], a[1]); }, {x, t}));
}

TEST_CASE("GELU, LeakyReLU and the other activation modules match finite differences") {
  manual_seed(20);
  Tensor x = tensor({-2.0, -0.7, -0.3, 0.4, 0.8, 1.9}, {2, 3}, kFloat64).requires_grad_();
  nn::GELU exact, approx(nn::GELUOptions().approximate("tanh"));
  REQUIRE(gradcheck([&](const Args& a) { return exact.forward(a[0]); }, {x}));
  REQUIRE(gradcheck([&](const Args& a) { return approx.forward(a[0]); }, {x}));
  REQUIRE(gradgradcheck([&](const Args& a) { return exact.forward(a[0]) + approx.forward(a[0]); }, {x}));
  nn::LeakyReLU leaky(nn::LeakyReLUOptions().negative_slope(0.2));
  nn::ReLU relu_module;
  nn::Sigmoid sigmoid_module;
  nn::Tanh tanh_module;
  REQUIRE(gradcheck([&](const Args& a) {
    return leaky.forward(a[0]) + relu_module.forward(a[0]) + sigmoid_module.forward(a[0]) + tanh_module.forward(a[0]);
  }, {x}));
}

TEST_CASE("dropout with a fixed seed matches finite differences") {
  Tensor x = leaf({4, 5});
  REQUIRE(gradcheck([](const Args& a) {
    manual_seed(21);  // the same mask at every evaluation
    return dropout(a[0], 0.4, true);
  }, {x}));
}
