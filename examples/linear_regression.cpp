// linear_regression: y = x·w + b fitted to synthetic data by the three textbook variants of
// gradient descent, side by side, and checked against the exact least-squares solution:
//   batch      the whole dataset per step: one exact gradient, one step per epoch
//   sgd        one example per step, in a new random order each epoch: N noisy steps per epoch
//   minibatch  32 examples per step: the usual compromise
// All three are the same optim::SGD fed by the same data::DataLoader; only the loader's batch
// size differs (N, 1, 32). The stochastic variants' gradients are noisy at the optimum too, so
// their lr decays (ExponentialLR, to a thousandth over the run) to settle on the solution.
// The closed form solves the normal equations XᵀX·θ = Xᵀy (X with a column of ones for b) in
// float64: the products with descent's ops, the 4×4 system by Gauss–Jordan elimination.
//
//   build/examples/linear_regression                 # all three, 50 epochs
//   build/examples/linear_regression --variant sgd --epochs 10 --metrics sgd.csv
//
// Flags: --variant batch|sgd|minibatch|all, --epochs, --batch-size (the mini-batch), --lr (every
// variant's first lr), --seed, --threads, --metrics FILE.csv (with several variants, one file
// each: FILE.batch.csv, ...), --plot FILE.png (each variant's train and test loss and lr by epoch).
// Read next: iris_hinge.cpp (classification), mnist_mlp.cpp (the full training loop).
#include <chrono>
#include <cmath>
#include <cstdio>

#include "common/main.h"
#include "common/metrics.h"
#include "common/runs_plot.h"
#include "common/training.h"

using namespace descent;

namespace {

struct Variant {
  std::string name;
  int64_t batch_size;  // 0: the whole dataset
  double lr;           // the first lr (default)
  double decay;        // ExponentialLR from lr down to lr·decay over the run (1: constant)
};

// The data: x ~ N(0, 1) mixed so that the features are correlated and scaled differently (a
// harder, more typical landscape than a round bowl), y = x·w + b + N(0, 0.1²).
struct Data {
  Tensor x_train, y_train, x_test, y_test;  // [N, 3], [N, 1]
};
Data make_data(int64_t n_train, int64_t n_test) {
  const Tensor mix = tensor({1.0, 0.0, 0.0, 0.6, 0.8, 0.0, -0.3, 0.2, 1.5}, {3, 3});
  const Tensor w = tensor({2.0, -3.0, 0.5}, {3, 1});
  auto draw = [&](int64_t n, Tensor& x, Tensor& y) {
    x = matmul(randn({n, 3}), mix);
    y = matmul(x, w) + 1.0 + 0.1 * randn({n, 1});
  };
  Data d;
  draw(n_train, d.x_train, d.y_train);
  draw(n_test, d.x_test, d.y_test);
  return d;
}

// θ* = (w, b) minimizing the training MSE, from the normal equations, in float64.
Tensor closed_form(const Data& d) {
  Tensor x = cat({d.x_train, ones({d.x_train.size(0), 1})}, 1).to(kFloat64);  // [N, 4]
  std::vector<double> a = mm(t(x), x).to_vector<double>();                      // XᵀX [4, 4]
  std::vector<double> b = mm(t(x), d.y_train.to(kFloat64)).to_vector<double>(); // Xᵀy [4]
  // Gauss–Jordan elimination. XᵀX is symmetric positive definite when the features are
  // independent, so its pivots stay positive and no row exchanges are needed.
  const int n = 4;
  for (int c = 0; c < n; ++c) {
    if (!(a[c * n + c] > 1e-12 * a[0]))
      throw std::runtime_error("XᵀX is singular: the features are linearly dependent");
    for (int r = 0; r < n; ++r) {
      const double f = r == c ? 0.0 : a[r * n + c] / a[c * n + c];
      for (int k = c; k < n; ++k) a[r * n + k] -= f * a[c * n + k];
      b[r] -= f * b[c];
    }
  }
  for (int c = 0; c < n; ++c) b[c] /= a[c * n + c];
  return tensor(b, {n}, kFloat64);
}

double mse(const nn::Linear& model, const Tensor& x, const Tensor& y) {
  NoGradGuard no_grad;
  return nn::functional::mse_loss(model.forward(x), y).item<double>();
}

// One variant's run: its per-epoch log and the parameters it ends with.
struct Result {
  examples::MetricsLog log;
  Tensor theta;  // (w, b), float64 [4]
  int64_t steps = 0;
};

// Trains one variant from the same initial weights as the others.
Result train(const Variant& v, const Data& d, const examples::Flags& flags) {
  manual_seed(flags.seed);  // the same starting point for every variant
  nn::Linear model(3, 1);
  data::TensorDataset points(d.x_train, d.y_train);
  const int64_t batch = v.batch_size > 0 ? v.batch_size : points.size();
  // drop_last: a short last batch (1000 = 31·32 + 8) would be a step whose mean loss weighs its
  // 8 examples 4× more than the others, a bias that a decaying lr freezes in. Dropping it makes
  // every step an equally weighted random sample (8 random examples sit out each epoch).
  data::DataLoader loader(points, data::DataLoaderOptions(batch).shuffle(true).drop_last(true).seed(flags.seed));

  optim::SGD optimizer(model.parameters(), optim::SGDOptions(flags.lr.value_or(v.lr)));
  const double gamma = std::pow(v.decay, 1.0 / std::max(1, flags.epochs - 1));
  optim::ExponentialLR schedule(optimizer, gamma);
  nn::MSELoss criterion;

  Result r;
  for (int epoch = 1; epoch <= flags.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    const double lr = optimizer.param_groups()[0].lr();
    int64_t step = 0;
    for (auto& [x, y] : loader) {
      optimizer.zero_grad();
      Tensor loss = criterion.forward(model.forward(x), y);
      loss.backward();
      examples::check_finite(loss, 0.0, epoch, ++step, optimizer.param_groups()[0].lr(), model,  // NaN/Inf: stop
                             [&] { criterion.forward(model.forward(x), y).backward(); });
      optimizer.step();
      ++r.steps;
    }
    schedule.step();
    examples::EpochMetrics m;
    m.epoch = epoch;
    m.train_loss = mse(model, d.x_train, d.y_train);  // the whole training set, after the epoch
    m.test_loss = mse(model, d.x_test, d.y_test);
    m.lr = lr;
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.log.add(m);
  }
  r.theta = cat({model.weight.detach().flatten(), model.bias.detach().flatten()}).to(kFloat64);
  return r;
}

// "run.csv" -> "run.sgd.csv": one metrics file per variant when several run.
std::string per_variant(const std::string& path, const std::string& variant) {
  const size_t dot = path.find_last_of('.'), slash = path.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return path + "." + variant;
  return path.substr(0, dot) + "." + variant + path.substr(dot);
}

void run(const examples::Flags& flags) {
  examples::setup(flags);
  const Data d = make_data(1000, 200);
  std::printf("data: 1000 training and 200 test points, y = x·w + b + noise (w = [2, -3, 0.5], b = 1, noise std 0.1)\n");

  const std::vector<double> best = closed_form(d).to_vector<double>();
  std::printf("%-10s w = [%.5f, %.5f, %.5f]  b = %.5f  (normal equations)\n", "closed", best[0], best[1], best[2],
              best[3]);

  // Default lrs: batch GD takes large exact steps; single examples need small ones.
  const std::vector<Variant> all = {{"batch", 0, 0.3, 1.0},
                                    {"sgd", 1, 0.01, 1e-3},
                                    {"minibatch", flags.batch_size, 0.1, 1e-3}};
  if (flags.batch_size > d.x_train.size(0))
    throw examples::UsageError("bad value '" + std::to_string(flags.batch_size) +
                               "' for --batch-size (the data has 1000 points)");
  std::vector<Variant> variants;
  for (const auto& v : all)
    if (flags.extra.at("variant") == "all" || flags.extra.at("variant") == v.name) variants.push_back(v);

  std::vector<Result> results;
  for (const auto& v : variants) {
    results.push_back(train(v, d, flags));
    const std::vector<double> th = results.back().theta.to_vector<double>();
    std::printf("%-10s w = [%.5f, %.5f, %.5f]  b = %.5f  (%lld steps)\n", v.name.c_str(), th[0], th[1], th[2], th[3],
                (long long)results.back().steps);
  }

  // The loss of every variant by epoch, side by side.
  std::printf("\nepoch");
  for (const auto& v : variants) std::printf("  %14s", (v.name + " loss").c_str());
  for (int e = 0; e < flags.epochs; ++e) {
    std::printf("\n%5d", e + 1);
    for (const auto& r : results) std::printf("  %14.8f", r.log.rows()[size_t(e)].train_loss);
  }
  std::printf("\n\n");
  const Tensor theta_best = tensor(best, {4}, kFloat64);
  std::vector<std::pair<std::string, examples::MetricsLog>> runs;  // for --plot
  for (size_t i = 0; i < variants.size(); ++i) {
    const double distance = (results[i].theta - theta_best).pow(2).sum().sqrt().item<double>();
    std::printf("%-10s distance to the closed form |θ − θ*| = %.3g\n", variants[i].name.c_str(), distance);
    if (!flags.metrics.empty())
      results[i].log.write_csv(variants.size() > 1 ? per_variant(flags.metrics, variants[i].name) : flags.metrics);
    runs.emplace_back(variants[i].name, results[i].log);
  }
  if (!flags.plot.empty()) examples::plot_runs(runs, flags.plot, "linear_regression: gradient descent variants (MSE)");

  // The contract's last line: the last variant run (mini-batch with --variant all) on the test set.
  examples::print_final_line(results.back().log.rows().back().test_loss, std::nullopt);
}

}  // namespace

int main(int argc, char** argv) {
  return examples::run_main(argc, argv, [&] {
    examples::Flags defaults;
    defaults.epochs = 50;
    defaults.batch_size = 32;
    defaults.lr.reset();  // each variant's own
    run(examples::parse_flags(argc, argv, defaults, {{"variant", "all", {"batch", "sgd", "minibatch", "all"}}},
                              {"data", "optimizer", "momentum", "weight-decay", "clip-grad-norm", "scheduler", "warmup",
                               "early-stopping", "checkpoint", "resume", "limit-train", "save-weights", "load-weights"}));
  });
}
