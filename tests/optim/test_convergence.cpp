// Optimizers reaching minima: L-BFGS with strong Wolfe on the Rosenbrock function, Newton on an
// L2-regularized logistic regression, and every optimizer fitting XOR with a tiny MLP.
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "helpers.h"

using namespace descent;
using namespace descent::optim;
using Params = std::vector<Tensor>;

namespace {

bool verbose() { return std::getenv("DESCENT_GOLDEN_REPORT") != nullptr; }

// f(x, y) = (1 − x)² + 100·(y − x²)², minimum 0 at (1, 1) at the bottom of a curved valley.
Tensor rosenbrock(const Tensor& xy) {
  Tensor x = xy.select(0, 0), y = xy.select(0, 1);
  return pow(1.0 - x, 2.0) + 100.0 * pow(y - x * x, 2.0);
}

double grad_norm(const Tensor& loss, const Params& params) {
  double sum = 0;
  for (const Tensor& g : autograd::grad({loss}, params))
    for (double v : g.to_vector<double>()) sum += v * v;
  return std::sqrt(sum);
}

}  // namespace

TEST_CASE("L-BFGS with strong Wolfe reaches the Rosenbrock minimum to 1e-8 within 100 steps") {
  Tensor xy = tensor({-1.5, 2.0}, {2}, kFloat64).requires_grad_();
  // One iteration per step, so that "steps" counts iterations; tolerances off so it keeps going.
  LBFGS lbfgs({xy}, LBFGSOptions(1).max_iter(1).history_size(10).tolerance_grad(0).tolerance_change(0)
                        .line_search_fn("strong_wolfe"));
  auto closure = [&] {
    lbfgs.zero_grad();
    Tensor loss = rosenbrock(xy);
    loss.backward();
    return loss;
  };
  int steps = 0;
  double error = INFINITY;
  while (steps < 100 && error > 1e-8) {
    lbfgs.step(closure);
    ++steps;
    const std::vector<double> v = xy.to_vector<double>();
    error = std::max(std::abs(v[0] - 1), std::abs(v[1] - 1));
  }
  INFO("after " << steps << " steps: " << xy << ", " << lbfgs.func_evals() << " function evaluations");
  CHECK(error <= 1e-8);
  CHECK(steps <= 100);
  if (verbose())
    std::cout << "rosenbrock lbfgs: |x - x*|_inf = " << error << " after " << steps << " steps, "
              << lbfgs.func_evals() << " evaluations\n";
}

TEST_CASE("Newton solves an L2-regularized logistic regression to a gradient norm below 1e-10 in 10 steps") {
  manual_seed(7);
  const int64_t N = 80, D = 4;
  Tensor X = randn({N, D}, kFloat64);
  Tensor w_true = tensor({1.5, -2.0, 0.5, 1.0}, {D}, kFloat64);
  // Labels drawn from the logistic model itself, so the classes overlap and the optimum is finite.
  Tensor y = lt(rand({N}, kFloat64), sigmoid(matmul(X, w_true))).to(kFloat64);
  Tensor w = zeros({D}, kFloat64).requires_grad_(), b = zeros({1}, kFloat64).requires_grad_();
  const double lambda = 0.01;
  auto loss_fn = [&] {
    Tensor z = matmul(X, w) + b;
    // Binary cross-entropy on logits, log(1 + e^z) − y·z, plus (λ/2)·‖w‖².
    return mean(softplus(z) - y * z) + 0.5 * lambda * nn::utils::l2_penalty({w});
  };
  Newton newton({w, b}, NewtonOptions(1.0));
  double norm = grad_norm(loss_fn(), {w, b});
  int steps = 0;
  std::vector<double> norms{norm};
  while (steps < 10 && norm >= 1e-10) {
    newton.step(loss_fn);  // the closure only returns the loss: Newton differentiates it itself
    ++steps;
    norm = grad_norm(loss_fn(), {w, b});
    norms.push_back(norm);
  }
  INFO("gradient norms: " << ::Catch::Detail::stringify(norms));
  CHECK(norm < 1e-10);
  CHECK(steps <= 10);
  CHECK(newton.last_damping() == 0);  // convex: no damping was needed
  if (verbose()) {
    std::cout << "newton logistic regression: gradient norm " << norm << " after " << steps << " steps (";
    for (double n : norms) std::cout << n << " ";
    std::cout << ")\n";
  }
}

TEST_CASE("Newton damps an indefinite Hessian until Cholesky succeeds") {
  // f(x, y) = x² − y² + y⁴/4 at (1, 0.1): H = diag(2, −2 + 3·0.01) is indefinite.
  Tensor xy = tensor({1.0, 0.1}, {2}, kFloat64).requires_grad_();
  auto f = [&] {
    Tensor x = xy.select(0, 0), y = xy.select(0, 1);
    return x * x - y * y + 0.25 * pow(y, 4.0);
  };
  Newton newton({xy}, NewtonOptions(1.0));
  const double before = f().item<double>();
  newton.step(f);
  CHECK(newton.last_damping() > 1.97);  // λ had to exceed −λ_min(H) = 1.97
  CHECK(f().item<double>() < before);  // the damped step descends instead of jumping to the saddle
}

TEST_CASE("every optimizer fits XOR with a 2-4-1 MLP") {
  const Tensor X = tensor({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2}, kFloat64);
  const Tensor Y = tensor({0, 1, 1, 0}, {4, 1}, kFloat64);
  struct Fit {
    std::string name;
    std::function<std::unique_ptr<Optimizer>(const Params&)> make;
    int steps;
  };
  const std::vector<Fit> fits = {
      {"SGD", [](const Params& p) { return std::make_unique<SGD>(p, SGDOptions(1.0)); }, 300},
      {"SGD momentum", [](const Params& p) { return std::make_unique<SGD>(p, SGDOptions(0.3).momentum(0.9)); }, 300},
      {"SGD Nesterov", [](const Params& p) { return std::make_unique<SGD>(p, SGDOptions(0.5).momentum(0.9).nesterov(true)); }, 300},
      {"Adagrad", [](const Params& p) { return std::make_unique<Adagrad>(p, AdagradOptions(0.5)); }, 300},
      {"RMSprop", [](const Params& p) { return std::make_unique<RMSprop>(p, RMSpropOptions(0.02)); }, 300},
      {"Adadelta", [](const Params& p) { return std::make_unique<Adadelta>(p, AdadeltaOptions(1.0)); }, 2000},
      {"Adam", [](const Params& p) { return std::make_unique<Adam>(p, AdamOptions(0.05)); }, 300},
      {"AdamW", [](const Params& p) { return std::make_unique<AdamW>(p, AdamWOptions(0.05)); }, 300},
      {"NAdam", [](const Params& p) { return std::make_unique<NAdam>(p, NAdamOptions(0.05)); }, 300},
      {"Adamax", [](const Params& p) { return std::make_unique<Adamax>(p, AdamaxOptions(0.1)); }, 300},
      {"LBFGS", [](const Params& p) { return std::make_unique<LBFGS>(p, LBFGSOptions(1).line_search_fn("strong_wolfe")); }, 20},
      {"Newton", [](const Params& p) { return std::make_unique<Newton>(p, NewtonOptions(1.0).damping(0.1)); }, 50},
  };
  for (const Fit& fit : fits) {
    INFO(fit.name);
    manual_seed(3);
    Params p = {randn({2, 4}, kFloat64).requires_grad_(), zeros({4}, kFloat64).requires_grad_(),
                randn({4, 1}, kFloat64).requires_grad_(), zeros({1}, kFloat64).requires_grad_()};
    auto logits = [&] { return matmul(tanh(matmul(X, p[0]) + p[1]), p[2]) + p[3]; };
    auto loss_fn = [&] {
      Tensor z = logits();
      return mean(softplus(z) - Y * z);  // binary cross-entropy on logits
    };
    auto opt = fit.make(p);
    const bool newton = fit.name == "Newton";
    auto closure = [&] {
      opt->zero_grad();
      Tensor loss = loss_fn();
      if (!newton) loss.backward();
      return loss;
    };
    for (int i = 0; i < fit.steps; ++i) opt->step(closure);
    NoGradGuard no_grad;
    const std::vector<double> prob = sigmoid(logits()).to_vector<double>();
    const double loss = loss_fn().item<double>();
    INFO("probabilities " << ::Catch::Detail::stringify(prob) << ", loss " << loss);
    CHECK(prob[0] < 0.2);
    CHECK(prob[1] > 0.8);
    CHECK(prob[2] > 0.8);
    CHECK(prob[3] < 0.2);
    if (verbose()) std::cout << "xor " << fit.name << ": loss " << loss << " after " << fit.steps << " steps\n";
  }
}
