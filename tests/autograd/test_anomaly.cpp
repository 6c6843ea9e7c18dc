// Anomaly mode on the two classic cases: a NaN made in the forward pass (log of a negative
// number), which must be blamed on 'log', and an Inf that appears only in the backward pass
// (sqrt's gradient at 0), which must be blamed on 'sqrt', the op whose backward made it.
#include "helpers.h"

using namespace descent;

namespace {

// The message of the exception `f` throws, or "" when it throws none.
template <class F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("anomaly mode names log when log of a negative number makes a NaN") {
  Tensor x = tensor({1.0, -2.0, 3.0}).requires_grad_();
  std::string message;
  {
    autograd::DetectAnomalyGuard guard;
    message = error_of([&] { (log(x) * 2.0).sum().backward(); });
  }
  INFO(message);
  REQUIRE(message.find("'log'") != std::string::npos);
  REQUIRE(message.find("nan") != std::string::npos);
  REQUIRE(!autograd::anomaly_enabled());  // the guard restored the previous setting
  // Without anomaly mode the same computation runs through and leaves a NaN behind.
  Tensor y = log(x).sum();
  REQUIRE(std::isnan(y.item<double>()));
}

// The ops inside sqrt's backward (g / (2·sqrt(x))) are not checked one by one while the engine
// runs it, so the Inf is blamed on 'sqrt', the op whose backward made it.
TEST_CASE("anomaly mode names sqrt when its backward makes an Inf at 0") {
  Tensor x = tensor({0.0, 4.0}).requires_grad_();
  std::string message;
  {
    autograd::DetectAnomalyGuard guard;
    Tensor y = sqrt(x);  // forward is finite: sqrt(0) = 0
    REQUIRE(y.to_vector<double>() == std::vector<double>{0.0, 2.0});
    message = error_of([&] { y.sum().backward(); });
  }
  INFO(message);
  REQUIRE(message.find("backward of 'sqrt'") != std::string::npos);
  REQUIRE(message.find("inf") != std::string::npos);
}

TEST_CASE("anomaly mode stays quiet when everything is finite") {
  Tensor x = tensor({1.0, 4.0}).requires_grad_();
  autograd::DetectAnomalyGuard guard;
  REQUIRE_NOTHROW((sqrt(x) + log(x)).sum().backward());
  REQUIRE(x.grad().to_vector<double>()[1] == Approx(0.25 + 0.25));
}
