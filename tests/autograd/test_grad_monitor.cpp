// GradientMonitor on deep chains built from core ops: tanh layers with large weights explode
// (the "chaotic" regime: each layer multiplies the backward signal by more than one), sigmoid
// layers vanish (sigmoid' <= 1/4 per layer), and a NaN gradient is named as such.
#include <sstream>

#include "helpers.h"

#include <descent/autograd/grad_monitor.h>

using namespace descent;
using NamedParameters = std::vector<std::pair<std::string, Tensor>>;

namespace {

// 30 layers h = act(h·W_k), W_k ~ N(0, gain²/width); loss = sum of the last layer's output.
NamedParameters deep_chain(int depth, double gain, bool sigmoid_layers) {
  manual_seed(7);
  const int64_t width = 32, batch = 16;
  NamedParameters params;
  Tensor h = randn({batch, width});
  for (int k = 0; k < depth; ++k) {
    Tensor w = (randn({width, width}) * (gain / std::sqrt(double(width)))).requires_grad_();
    params.emplace_back("layer" + std::to_string(k) + ".weight", w);
    h = sigmoid_layers ? sigmoid(matmul(h, w)) : tanh(matmul(h, w));
  }
  h.sum().backward();
  return params;
}

double norm_of(const autograd::GradientMonitor& m, const std::string& name) { return m.stats(name).last; }

}  // namespace

TEST_CASE("the gradient monitor flags exploding gradients in a deep tanh chain with large weights") {
  NamedParameters params = deep_chain(30, 6.0, false);
  std::ostringstream log;
  autograd::GradientMonitor monitor(1, 1e-7, 1e3, log);
  auto warnings = monitor.observe(0, params);
  INFO(log.str() << monitor.report());
  // The backward signal grows layer by layer towards the input: the first layer's gradient is
  // far larger than the last one's, and beyond the threshold.
  REQUIRE(norm_of(monitor, "layer0.weight") > 1e3);
  REQUIRE(norm_of(monitor, "layer0.weight") > 1e3 * norm_of(monitor, "layer29.weight"));
  bool first_flagged = false;
  for (const auto& w : warnings) {
    REQUIRE(w.kind == autograd::GradWarning::Kind::Exploding);
    first_flagged = first_flagged || w.name == "layer0.weight";
  }
  REQUIRE(first_flagged);
  REQUIRE(log.str().find("gradient of 'layer0.weight' explodes: norm") != std::string::npos);
  REQUIRE(monitor.stats("layer0.weight").exploding == 1);
  REQUIRE(monitor.stats("layer29.weight").exploding == 0);
}

TEST_CASE("the gradient monitor flags vanishing gradients in a deep sigmoid chain") {
  NamedParameters params = deep_chain(30, 1.0, true);
  std::ostringstream log;
  autograd::GradientMonitor monitor(1, 1e-7, 1e3, log);
  auto warnings = monitor.observe(0, params);
  INFO(log.str() << monitor.report());
  REQUIRE(norm_of(monitor, "layer0.weight") < 1e-7);
  REQUIRE(norm_of(monitor, "layer29.weight") > 1e-3);  // near the loss the gradient is healthy
  REQUIRE(!warnings.empty());
  REQUIRE(warnings.front().name == "layer0.weight");
  REQUIRE(warnings.front().kind == autograd::GradWarning::Kind::Vanishing);
  REQUIRE(log.str().find("gradient of 'layer0.weight' vanishes: norm") != std::string::npos);
  REQUIRE(log.str().find("'layer29.weight'") == std::string::npos);
}

TEST_CASE("the gradient monitor names a parameter whose gradient is NaN") {
  // w − w is 0, sqrt's gradient at 0 is +inf, and the two paths back to w bring +inf and −inf:
  // their sum is NaN.
  Tensor w = tensor({1.0, 2.0, 3.0}).requires_grad_();
  Tensor v = tensor({0.5, 0.5}).requires_grad_();
  (sqrt(w - w).sum() + (v * v).sum()).backward();
  std::ostringstream log;
  autograd::GradientMonitor monitor(1, 1e-7, 1e3, log);
  auto warnings = monitor.observe(3, {{"w", w}, {"v", v}});
  REQUIRE(warnings.size() == 1);
  REQUIRE(warnings[0].name == "w");
  REQUIRE(warnings[0].kind == autograd::GradWarning::Kind::NonFinite);
  REQUIRE(std::isnan(warnings[0].norm));
  REQUIRE(log.str() == "GradientMonitor: step 3: gradient of 'w' is not finite: norm nan\n");
  REQUIRE(monitor.stats("v").last == Approx(std::sqrt(2.0)));  // |2v| = |(1, 1)|
}

TEST_CASE("the gradient monitor looks only every n steps and keeps min, mean and max over its window") {
  Tensor w = tensor({3.0, 4.0}).requires_grad_();
  std::ostringstream log;
  autograd::GradientMonitor monitor(10, 1e-7, 1e3, log);
  for (int step = 0; step < 30; ++step) {
    w.mutable_grad() = tensor({3.0 * (step + 1), 4.0 * (step + 1)});  // norm 5·(step + 1)
    monitor.observe(step, {{"w", w}});
  }
  const auto& s = monitor.stats("w");
  REQUIRE(s.count == 3);  // steps 0, 10, 20
  REQUIRE(s.min == Approx(5.0));
  REQUIRE(s.max == Approx(105.0));
  REQUIRE(s.mean() == Approx((5.0 + 55.0 + 105.0) / 3));
  std::string report = monitor.report();
  INFO(report);
  REQUIRE(report.find("w") != std::string::npos);
  REQUIRE(report.find("105") != std::string::npos);
  REQUIRE(log.str().empty());
  monitor.reset();
  REQUIRE(monitor.stats().empty());
}

TEST_CASE("the gradient monitor reports a parameter that received no gradient") {
  Tensor used = tensor({1.0}).requires_grad_(), unused = tensor({1.0}).requires_grad_();
  (used * 2.0).sum().backward();
  std::ostringstream log;
  autograd::GradientMonitor monitor(1, 1e-7, 1e3, log);
  auto warnings = monitor.observe(0, {{"used", used}, {"unused", unused}});
  REQUIRE(warnings.size() == 1);
  REQUIRE(warnings[0].kind == autograd::GradWarning::Kind::Missing);
  REQUIRE(warnings[0].name == "unused");
}

TEST_CASE("the gradient monitor rejects nonsensical settings") {
  REQUIRE_THROWS_AS(autograd::GradientMonitor(0), std::invalid_argument);
  REQUIRE_THROWS_AS(autograd::GradientMonitor(1, 10.0, 1.0), std::invalid_argument);
}
