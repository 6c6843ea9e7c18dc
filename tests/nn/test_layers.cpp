// Layer behaviour beyond gradients: conv2d against the naive loops and across thread counts,
// pooling indices, batch-norm modes, dropout statistics, output shapes and error messages.
#include "helpers.h"
#include "tensor/kernels/conv.h"

using namespace descent;
namespace F = descent::nn::functional;

namespace {
struct ConvCase {
  Shape x, w;
  Shape stride, padding, dilation;
};
const std::vector<ConvCase> kConvCases = {
    {{2, 3, 9, 8}, {4, 3, 3, 3}, {1}, {0}, {1}},
    {{3, 2, 10, 9}, {5, 2, 3, 2}, {2}, {1}, {2}},
    {{2, 4, 7, 7}, {3, 4, 1, 1}, {1}, {0}, {1}},         // 1×1: no im2col
    {{2, 4, 7, 7}, {3, 4, 1, 1}, {2, 1}, {1, 0}, {1}},   // 1×1 with stride and padding: im2col
    {{9, 1, 12, 11}, {6, 1, 5, 4}, {1, 3}, {2, 1}, {1, 2}},
    {{5, 1, 12, 12}, {6, 1, 5, 5}, {1}, {2}, {1}},        // LeNet's first layer, shrunk
    {{3, 2, 9, 10}, {4, 2, 3, 3}, {2, 1}, {1, 2}, {2}},   // unit column stride with dilation
    {{3, 3, 9, 10}, {10, 3, 3, 2}, {1}, {1, 0}, {2, 1}},  // few channels (direct kernels), dilated
    {{2, 5, 6, 7}, {9, 5, 1, 1}, {1}, {0}, {1}},          // 1×1 with few channels
};
kernels::Conv2dParams params_of(const ConvCase& c) {
  auto second = [](const Shape& s) { return s.size() == 2 ? s[1] : s[0]; };
  return {c.w[2], c.w[3], c.stride[0], second(c.stride), c.padding[0], second(c.padding), c.dilation[0], second(c.dilation)};
}
}  // namespace

TEST_CASE("conv2d matches the naive seven loops in float32") {
  manual_seed(30);
  for (const ConvCase& c : kConvCases) {
    INFO("x " << Dims(c.x) << " w " << Dims(c.w));
    Tensor x = randn(c.x), w = randn(c.w), b = randn({c.w[0]});
    Tensor got = conv2d(x, w, b, c.stride, c.padding, c.dilation);
    Tensor want = kernels::conv2d_naive(x, w, b, params_of(c));
    REQUIRE(got.sizes() == want.sizes());
    REQUIRE(test::relative_error(got, want) < 1e-5);
  }
}

TEST_CASE("conv2d gives bitwise the same values and gradients on 1 and 2 threads") {
  manual_seed(31);
  for (const ConvCase& c : kConvCases) {
    INFO("x " << Dims(c.x) << " w " << Dims(c.w));
    Shape big = c.x;
    big[0] = 13;  // several groups of images, split unevenly between the threads
    Tensor x = randn(big).requires_grad_(), w = randn(c.w).requires_grad_(), b = randn({c.w[0]}).requires_grad_();
    std::vector<std::vector<float>> runs[2];
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      Tensor y = conv2d(x, w, b, c.stride, c.padding, c.dilation);
      Tensor g = cos(y);
      auto grads = autograd::grad({y}, {x, w, b}, {g.detach()});
      runs[threads - 1] = {y.to_vector<float>(), grads[0].to_vector<float>(), grads[1].to_vector<float>(),
                           grads[2].to_vector<float>()};
    }
    set_num_threads(2);
    for (size_t k = 0; k < 4; ++k) REQUIRE(runs[0][k] == runs[1][k]);
  }
}

TEST_CASE("conv2d's float32 gradients match float64's on every path") {
  // float32 takes the blocked GEMM and direct kernels where float64 takes OpenBLAS's dgemm
  manual_seed(33);
  for (const ConvCase& c : kConvCases) {
    INFO("x " << Dims(c.x) << " w " << Dims(c.w));
    Tensor x = randn(c.x, kFloat64), w = randn(c.w, kFloat64), b = randn({c.w[0]}, kFloat64);
    std::vector<Tensor> grads[2];
    for (Dtype dtype : {kFloat64, kFloat32}) {
      Tensor xd = x.to(dtype).clone().requires_grad_(), wd = w.to(dtype).clone().requires_grad_();
      Tensor bd = b.to(dtype).clone().requires_grad_();
      Tensor y = conv2d(xd, wd, bd, c.stride, c.padding, c.dilation);
      grads[dtype == kFloat32] = autograd::grad({y}, {xd, wd, bd}, {cos(y.detach())});
    }
    for (size_t i = 0; i < 3; ++i) REQUIRE(test::relative_error(grads[1][i], grads[0][i]) < 1e-5);
  }
}

TEST_CASE("conv2d's fused backward equals its differentiable form") {
  manual_seed(32);
  Tensor x = randn({3, 2, 7, 6}, kFloat64).requires_grad_(), w = randn({4, 2, 3, 2}, kFloat64).requires_grad_();
  Tensor b = randn({4}, kFloat64).requires_grad_();
  Tensor y = conv2d(x, w, b, {2, 1}, {1}, {1, 2});
  Tensor g = randn(y.sizes(), kFloat64);
  auto fused = autograd::grad({y}, {x, w, b}, {g}, /*retain_graph=*/true);
  auto composed = autograd::grad({y}, {x, w, b}, {g}, true, /*create_graph=*/true);
  for (size_t i = 0; i < 3; ++i) REQUIRE(test::relative_error(fused[i], composed[i]) < 1e-12);
}

TEST_CASE("layers give the documented output shapes") {
  Tensor x = randn({2, 3, 28, 28});
  REQUIRE(nn::Conv2d(nn::Conv2dOptions(3, 8, 3)).forward(x).sizes() == Shape{2, 8, 26, 26});
  REQUIRE(nn::Conv2d(nn::Conv2dOptions(3, 8, 5).padding(2)).forward(x).sizes() == Shape{2, 8, 28, 28});
  REQUIRE(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).stride(2).padding(1).dilation(2)).forward(x).sizes() == Shape{2, 8, 13, 13});
  REQUIRE(nn::Conv2d(nn::Conv2dOptions(3, 8, {3, 1}).stride({1, 2})).forward(x).sizes() == Shape{2, 8, 26, 14});
  REQUIRE(nn::MaxPool2d(2).forward(x).sizes() == Shape{2, 3, 14, 14});
  REQUIRE(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)).forward(x).sizes() == Shape{2, 3, 14, 14});
  REQUIRE(nn::AvgPool2d(nn::AvgPool2dOptions({2, 4})).forward(x).sizes() == Shape{2, 3, 14, 7});
  REQUIRE(nn::Flatten().forward(x).sizes() == Shape{2, 3 * 28 * 28});
  REQUIRE(nn::Flatten(nn::FlattenOptions().start_dim(2)).forward(x).sizes() == Shape{2, 3, 784});
  REQUIRE(nn::Linear(28, 5).forward(x).sizes() == Shape{2, 3, 28, 5});
  REQUIRE(conv2d(randn({3, 10, 10}), randn({4, 3, 3, 3})).sizes() == Shape{4, 8, 8});
}

TEST_CASE("max pooling returns int64 argmax indices within each plane") {
  Tensor x = tensor({1, 5, 2, 0,   //
                     3, 4, 9, 8,   //
                     7, 6, 1, 2,   //
                     0, 8, 3, 3},
                    {1, 1, 4, 4});
  auto [values, indices] = nn::MaxPool2d(2).forward_with_indices(x);
  REQUIRE(values.to_vector<float>() == std::vector<float>{5, 9, 8, 3});
  REQUIRE(indices.dtype() == kInt64);
  REQUIRE(indices.to_vector<int64_t>() == std::vector<int64_t>{1, 6, 13, 14});  // first of the tied 3s
  // overlapping windows send each window's gradient to its maximum, adding up where they coincide
  Tensor leaf = x.clone().requires_grad_();
  max_pool2d(leaf, {2}, {1}).sum().backward();
  REQUIRE(leaf.grad().to_vector<float>() == std::vector<float>{0, 1, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0, 0, 2, 1, 0});
  REQUIRE_CLOSE(max_pool2d_backward(ones({1, 1, 2, 2}), indices, {1, 1, 4, 4}),
                tensor({0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0}, {1, 1, 4, 4}));
  REQUIRE_THROWS_WITH(max_pool2d_backward(ones({1, 1, 2, 2}), indices + scalar_tensor(20, kInt64), {1, 1, 4, 4}),
                      "max_pool2d_backward: index 21 is out of range for a plane of 16 elements");
}

TEST_CASE("2x2 max pooling follows the scan-order rule on long rows, odd sizes, ties and NaNs") {
  // The 2×2/stride-2 path reads rows in chunks of 16 windows, in place or through a copy near
  // the end of the input; the reference is the rule itself: first maximum in scan order, a NaN
  // taking over from anything before it.
  manual_seed(34);
  for (Shape shape : {Shape{2, 3, 8, 70}, Shape{3, 2, 9, 11}, Shape{1, 1, 2, 2}}) {
    Tensor x = randint(-3, 3, shape).to(kFloat32);  // many ties
    std::vector<float> v = x.to_vector<float>();
    for (size_t i = 0; i < v.size(); i += 13) v[i] = NAN;
    x = tensor(std::vector<double>(v.begin(), v.end()), shape);
    auto [values, indices] = max_pool2d_with_indices(x, {2}, {2}, {0});
    const int64_t H = shape[2], W = shape[3], HO = H / 2, WO = W / 2;
    std::vector<float> got = values.to_vector<float>();
    std::vector<int64_t> at = indices.to_vector<int64_t>();
    for (int64_t plane = 0; plane < shape[0] * shape[1]; ++plane)
      for (int64_t oh = 0; oh < HO; ++oh)
        for (int64_t ow = 0; ow < WO; ++ow) {
          int64_t want = 2 * oh * W + 2 * ow;
          for (int64_t k : {want + 1, want + W, want + W + 1}) {
            const float c = v[size_t(plane * H * W + k)], best = v[size_t(plane * H * W + want)];
            if (c > best || std::isnan(c)) want = k;
          }
          const size_t o = size_t((plane * HO + oh) * WO + ow);
          INFO("shape " << Dims(shape) << " plane " << plane << " oh " << oh << " ow " << ow);
          REQUIRE(at[o] == want);
          const float w = v[size_t(plane * H * W + want)];
          REQUIRE((std::isnan(w) ? std::isnan(got[o]) : got[o] == w));
        }
  }
}

TEST_CASE("batch norm normalizes with batch statistics in training and running ones in eval") {
  manual_seed(33);
  nn::BatchNorm2d bn(nn::BatchNorm2dOptions(3).momentum(0.5));
  Tensor x = randn({8, 3, 4, 4}) * 3.0 + 2.0;
  Tensor y = bn.forward(x);
  Tensor m = y.mean({0, 2, 3}), v = (y * y).mean({0, 2, 3});
  for (int c = 0; c < 3; ++c) {
    REQUIRE(std::fabs(m.to_vector<double>()[c]) < 1e-5);
    REQUIRE(v.to_vector<double>()[c] == Approx(1.0).epsilon(1e-3));
  }
  // running = 0.5·initial + 0.5·batch, the variance unbiased
  Tensor batch_mean = x.mean({0, 2, 3}), batch_var = var(x, {0, 2, 3}, /*unbiased=*/true);
  REQUIRE_CLOSE(bn.running_mean, batch_mean * 0.5, 1e-5, 1e-5);
  REQUIRE_CLOSE(bn.running_var, batch_var * 0.5 + 0.5, 1e-5, 1e-5);
  bn.eval();
  Tensor z = bn.forward(x);
  Tensor expected = (x - bn.running_mean.view({1, 3, 1, 1})) / sqrt(bn.running_var.view({1, 3, 1, 1}) + 1e-5);
  REQUIRE_CLOSE(z, expected, 1e-5, 1e-5);
  REQUIRE(bn.num_batches_tracked.item<int64_t>() == 1);  // eval does not count
  // without running statistics even eval uses the batch
  nn::BatchNorm1d plain(nn::BatchNorm1dOptions(3).track_running_stats(false).affine(false));
  plain.eval();
  REQUIRE(plain.parameters().empty());
  REQUIRE(plain.buffers().empty());
  Tensor h = plain.forward(randn({6, 3}) + 4.0);
  REQUIRE(std::fabs(h.mean().item<double>()) < 1e-5);
  REQUIRE_THROWS_WITH(nn::BatchNorm2d(3).forward(randn({1, 3, 1, 1})),
                      "batch_norm: expected more than 1 value per channel when training, got input [1, 3, 1, 1]");
  REQUIRE_THROWS_WITH(nn::BatchNorm2d(3).forward(randn({4, 3})), "BatchNorm2d: expected a 4-D input, got [4, 3]");
  REQUIRE_THROWS_WITH(nn::BatchNorm1d(3).forward(randn({4, 2})), "BatchNorm1d: expected 3 channels in dim 1, got input [4, 2]");
}

TEST_CASE("dropout zeros a fraction p, rescales the rest, repeats under manual_seed and is the identity in eval") {
  nn::Dropout drop(0.3);
  Tensor x = ones({200, 500});
  manual_seed(34);
  Tensor y = drop.forward(x);
  std::vector<float> v = y.to_vector<float>();
  int64_t zeros_count = 0;
  for (float e : v) {
    if (e == 0.0f) ++zeros_count;
    else REQUIRE(e == Approx(1.0 / 0.7));
  }
  REQUIRE(double(zeros_count) / double(v.size()) == Approx(0.3).epsilon(0.02));
  manual_seed(34);
  REQUIRE(drop.forward(x).to_vector<float>() == v);
  drop.eval();
  REQUIRE(drop.forward(x).impl() == x.impl());
  REQUIRE(F::dropout(x, F::DropoutFuncOptions().p(1.0)).abs().sum().item<double>() == 0.0);
  REQUIRE_THROWS_WITH(nn::Dropout(1.5), "Dropout: probability must be in [0, 1], got 1.5");
}

TEST_CASE("cross-entropy follows PyTorch's rules for ignored targets") {
  Tensor logits = tensor({2, 0, 1, 0.5, 0.5, 3, 1, 1, 1}, {3, 3});
  Tensor y = tensor({0, -100, 2}, {3}, kInt64);
  // the mean divides by the two counted rows only
  Tensor per_row = F::cross_entropy(logits, y, F::CrossEntropyFuncOptions().reduction(kNone));
  REQUIRE(per_row.to_vector<float>()[1] == 0.0f);
  REQUIRE(F::cross_entropy(logits, y).item<double>() == Approx(per_row.sum().item<double>() / 2.0));
  // every target ignored: 0/0
  REQUIRE(std::isnan(F::cross_entropy(logits, full({3}, -100, kInt64)).item<double>()));
  REQUIRE_THROWS_WITH(F::cross_entropy(logits, tensor({0, 3, 1}, {3}, kInt64)),
                      "cross_entropy: target 3 is out of bounds for 3 classes");
  REQUIRE_THROWS_WITH(F::cross_entropy(logits, tensor({0, 1}, {2}, kInt64)),
                      "cross_entropy: target shape [2] does not match input [3, 3] (expected [3])");
  REQUIRE_THROWS_WITH(F::cross_entropy(logits, tensor({0, 1, 1}, {3})),
                      "cross_entropy: target must hold int64 class indices, got float32");
}

TEST_CASE("layer ops reject bad arguments naming the op and the shapes") {
  Tensor x = randn({2, 3, 8, 8});
  REQUIRE_THROWS_WITH(conv2d(x, randn({4, 2, 3, 3})),
                      "conv2d: input has 3 channels (shape [2, 3, 8, 8]) but weight expects 2 (shape [4, 2, 3, 3])");
  REQUIRE_THROWS_WITH(conv2d(x, randn({4, 3, 9, 3})),
                      "conv2d: the kernel 9x3 (dilation 1x1) does not fit the padded input 8x8 (input shape [2, 3, 8, 8])");
  REQUIRE_THROWS_WITH(conv2d(x, randn({4, 3, 3, 3}), {}, {0}), "conv2d: stride must be at least 1, got [0]");
  REQUIRE_THROWS_WITH(conv2d(randn({8, 8}), randn({4, 3, 3, 3})),
                      "conv2d: expected a 4-D input [N, C, H, W] (or 3-D [C, H, W]), got [8, 8]");
  REQUIRE_THROWS_WITH(conv2d(x, randn({4, 3, 3, 3}), randn({3})), "conv2d: bias must have shape [4], got [3]");
  REQUIRE_THROWS_WITH(max_pool2d(x, {3}, {1}, {2}),
                      "max_pool2d: padding must be at most half the kernel size, got padding [2] for kernel [3]");
  REQUIRE_THROWS_WITH(avg_pool2d(randn({8, 8}), {2}), "avg_pool2d: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got [8, 8]");
  REQUIRE_THROWS_WITH(F::mse_loss(randn({3}), randn({4})), "mse_loss: target shape [4] must match input shape [3]");
  REQUIRE_THROWS_WITH(nn::Linear(4, 2).forward(randn({3, 5})),
                      "linear: input has 5 features (shape [3, 5]) but weight expects 4 (shape [2, 4])");
}

TEST_CASE("the functional forms compute what the modules compute") {
  manual_seed(35);
  Tensor x = randn({2, 3, 8, 8});
  nn::Conv2d conv(nn::Conv2dOptions(3, 4, 3).stride(2).padding(1));
  REQUIRE_CLOSE(F::conv2d(x, conv.weight, F::Conv2dFuncOptions().bias(conv.bias).stride(2).padding(1)), conv.forward(x));
  REQUIRE_CLOSE(F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2).padding(1)),
                nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)).forward(x));
  REQUIRE_CLOSE(F::avg_pool2d(x, F::AvgPool2dFuncOptions(2).count_include_pad(false)), nn::AvgPool2d(2).forward(x));
  nn::BatchNorm2d bn(3);
  Tensor running_mean = zeros({3}), running_var = ones({3});
  Tensor y = F::batch_norm(x, running_mean, running_var, F::BatchNormFuncOptions().weight(bn.weight).bias(bn.bias).training(true));
  Tensor z = bn.forward(x);  // once: REQUIRE_CLOSE evaluates its arguments more than once
  REQUIRE_CLOSE(y, z);
  REQUIRE_CLOSE(running_mean, bn.running_mean);
  REQUIRE_CLOSE(running_var, bn.running_var);
  REQUIRE_CLOSE(F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.2)), leaky_relu(x, 0.2));
  REQUIRE_CLOSE(F::gelu(x, F::GELUFuncOptions().approximate("tanh")), gelu(x, "tanh"));
  REQUIRE_CLOSE(F::flatten(x), flatten(x, 1));
  REQUIRE_CLOSE(F::sigmoid(x) + F::tanh(x) + F::relu(x), sigmoid(x) + tanh(x) + relu(x));
}
