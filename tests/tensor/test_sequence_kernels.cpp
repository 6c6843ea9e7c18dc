// The sequence-model kernels in float32: fast_math.h's exp, sigmoid and tanh against the C
// library's, and each float32 kernel (layer norm, masked softmax, LSTM and GRU layers) against
// the same computation in float64, which the golden tests compare with PyTorch. And their
// results do not depend on the number of threads.
#include <cmath>
#include <limits>

#include "helpers.h"
#include "tensor/kernels/fast_math.h"

using namespace descent;

TEST_CASE("fast exp is within 2 ulp of std::exp and keeps its edge cases") {
  double worst = 0;
  for (float x = -87.0f; x < 88.0f; x += 0.0137f) {
    const float got = kernels::fast::exp(x), want = std::exp(x);
    worst = std::max(worst, std::fabs(double(got) - double(want)) / double(want));
  }
  INFO("largest relative error " << worst);
  REQUIRE(worst < 2.4e-7);  // 2 ulp of float is 2.4e-7 relative
  const float inf = std::numeric_limits<float>::infinity();
  REQUIRE(kernels::fast::exp(0.0f) == 1.0f);
  REQUIRE(kernels::fast::exp(-inf) == 0.0f);
  REQUIRE(kernels::fast::exp(-100.0f) == 0.0f);
  REQUIRE(kernels::fast::exp(inf) == inf);
  REQUIRE(kernels::fast::exp(100.0f) == inf);
  REQUIRE(std::isnan(kernels::fast::exp(std::numeric_limits<float>::quiet_NaN())));
}

TEST_CASE("fast tanh, sigmoid and erf are within 4e-7 of the C library's") {
  double worst_tanh = 0, worst_sigmoid = 0, worst_erf = 0;
  for (float x = -20.0f; x < 20.0f; x += 0.00731f) {
    worst_tanh = std::max(worst_tanh, std::fabs(double(kernels::fast::tanh(x)) - std::tanh(double(x))));
    worst_sigmoid = std::max(worst_sigmoid, std::fabs(double(kernels::fast::sigmoid(x)) - 1 / (1 + std::exp(-double(x)))));
    worst_erf = std::max(worst_erf, std::fabs(double(kernels::fast::erf(x)) - std::erf(double(x))));
  }
  INFO("tanh " << worst_tanh << ", sigmoid " << worst_sigmoid << ", erf " << worst_erf);
  REQUIRE(worst_tanh < 2e-7);
  REQUIRE(worst_sigmoid < 2e-7);
  REQUIRE(worst_erf < 4e-7);
  REQUIRE(kernels::fast::erf(-std::numeric_limits<float>::infinity()) == -1.0f);
  REQUIRE(std::isnan(kernels::fast::erf(std::numeric_limits<float>::quiet_NaN())));
  REQUIRE(kernels::fast::tanh(1e-30f) == 1e-30f);  // tiny arguments keep their value
  REQUIRE(kernels::fast::tanh(-50.0f) == -1.0f);
  REQUIRE(kernels::fast::sigmoid(-200.0f) == 0.0f);
  REQUIRE(kernels::fast::sigmoid(200.0f) == 1.0f);
}

namespace {
// f run on float32 copies of `inputs` (values and their gradients for a fixed upstream gradient)
// against the same in float64: the largest relative error of any result.
double float32_error(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& inputs) {
  double worst = 0;
  std::vector<Tensor> results[2];
  for (int pass = 0; pass < 2; ++pass) {
    const Dtype dtype = pass == 0 ? kFloat32 : kFloat64;
    std::vector<Tensor> in;
    for (const Tensor& t : inputs) in.push_back(t.to(dtype).requires_grad_());
    Tensor out = f(in);
    manual_seed(99);
    Tensor g = randn(out.sizes(), dtype);
    results[pass].push_back(out);
    for (const Tensor& grad : autograd::grad({out}, in, {g})) results[pass].push_back(grad);
  }
  for (size_t i = 0; i < results[0].size(); ++i)
    worst = std::max(worst, test::relative_error(results[0][i], results[1][i]));
  return worst;
}
}  // namespace

TEST_CASE("the float32 sequence kernels agree with float64") {
  manual_seed(1);
  using Args = std::vector<Tensor>;
  const double layer_norm_error = float32_error(
      [](const Args& x) { return layer_norm(x[0], {48}, x[1], x[2]); },
      {randn({37, 48}, kFloat64) * 3.0 + 1.0, rand({48}, kFloat64) + 0.5, randn({48}, kFloat64)});
  const double softmax_error = float32_error(
      [](const Args& x) { return masked_softmax(x[0], x[1], 0.3, true); },
      {randn({3, 16, 16}, kFloat64) * 4.0, randn({16, 16}, kFloat64)});
  const double lstm_error = float32_error(
      [](const Args& x) {
        auto [out, h, c] = lstm_layer(x[0], x[1], x[2], x[3]);
        return cat({reshape(out, {-1}), reshape(c, {-1})});
      },
      {randn({9, 5, 4 * 24}, kFloat64), randn({4 * 24, 24}, kFloat64) * 0.2, randn({5, 24}, kFloat64),
       randn({5, 24}, kFloat64)});
  const double gru_error = float32_error(
      [](const Args& x) { return std::get<0>(gru_layer(x[0], x[1], x[2], x[3])); },
      {randn({9, 5, 3 * 24}, kFloat64), randn({3 * 24, 24}, kFloat64) * 0.2, randn({3 * 24}, kFloat64),
       randn({5, 24}, kFloat64)});
  INFO("layer_norm " << layer_norm_error << ", masked_softmax " << softmax_error << ", lstm_layer " << lstm_error
                     << ", gru_layer " << gru_error);
  REQUIRE(layer_norm_error < 1e-5);
  REQUIRE(softmax_error < 1e-5);
  REQUIRE(lstm_error < 1e-5);
  REQUIRE(gru_error < 1e-5);
}

TEST_CASE("the sequence kernels give the same bits on one thread and on two") {
  manual_seed(2);
  Tensor x = randn({300, 64}), w = rand({64}) + 0.5, b = randn({64});
  Tensor xg = randn({12, 32, 4 * 64}), wh = randn({4 * 64, 64}) * 0.1;
  std::vector<std::vector<float>> runs[2];
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    std::vector<Tensor> in = {x.clone().requires_grad_(), w.clone().requires_grad_(), b.clone().requires_grad_(),
                              xg.clone().requires_grad_(), wh.clone().requires_grad_()};
    Tensor y = layer_norm(in[0], {64}, in[1], in[2]);
    Tensor out = std::get<0>(lstm_layer(in[3], in[4]));
    Tensor s = masked_softmax(reshape(in[0], {3, 100, 64}), {}, 0.5, true);
    (y.sum() + (out * out).sum() + (s * s).sum()).backward();
    for (const Tensor& t : {y, out, s, in[0].grad(), in[1].grad(), in[2].grad(), in[3].grad(), in[4].grad()})
      runs[threads - 1].push_back(t.to_vector<float>());
  }
  set_num_threads(2);
  for (size_t i = 0; i < runs[0].size(); ++i) {
    INFO("result " << i);
    REQUIRE(runs[0][i] == runs[1][i]);
  }
}
