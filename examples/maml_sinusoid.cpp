// maml_sinusoid: model-agnostic meta-learning (Finn, Abbeel, Levine 2017, §5.1) on sine waves —
// gradient descent that learns an initialization from which one step of gradient descent fits
// a new task. It differentiates through a gradient step, so it needs second derivatives.
//
//   build/examples/maml_sinusoid                   # second-order MAML, then both models evaluated
//   build/examples/maml_sinusoid --first-order     # first-order MAML (the inner gradient a constant)
//   build/examples/maml_sinusoid --plot maml.png   # the paper's picture for one held-out task
//
// A task is y = A·sin(x − φ) with A ~ U[0.1, 5], φ ~ U[0, π], x ~ U[−5, 5]; a learner sees K
// points of it. The network is a 1-40-40-1 ReLU MLP. One meta-iteration takes --meta-batch tasks,
// each with K support and K query points, and for each
//   θ' = θ − α·∇_θ L_support(θ)                       (--inner-steps such steps, α = --inner-lr)
// then moves θ by Adam (1e-3) on the mean over tasks of L_query(θ'). Its gradient
//   ∇_θ L_query(θ') = (I − α·∇²L_support(θ))·∇L_query(θ')
// holds a Hessian-vector product: autograd::grad(..., create_graph = true) records the inner
// gradient as a graph of its own, and backward() differentiates through it. --first-order drops
// the Hessian term (the inner gradient is taken as a constant).
// The baseline is the same network pretrained on all tasks at once (Adam on the mean loss of
// the same batches). On 1000 held-out tasks both start from their weights, take up to 10 steps
// of gradient descent (α) on K points, and are scored on 100 other points of the task.
// The inner loop runs the model with tensors that are not its parameters: nn::functional_call.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numbers>

#include <descent/descent.h>

#include "common/cpu_line.h"
#include "common/flags.h"
#include "common/main.h"

using namespace descent;
namespace F = descent::nn::functional;

namespace {

struct Config {
  examples::Flags flags;
  int64_t iterations, meta_batch, k, inner_steps;
  double inner_lr, meta_lr;
  bool first_order;
};

Config parse(int argc, char** argv) {
  examples::Flags defaults;
  const std::vector<examples::ExtraFlag> extra = {
      {"iterations", "15000", {}}, {"meta-batch", "25", {}}, {"k", "10", {}}, {"inner-lr", "0.01", {}},
      {"inner-steps", "1", {}}, {"meta-lr", "0.001", {}}, {"first-order", "0", {"0", "1"}, /*is_switch=*/true}};
  Config c;
  c.flags = examples::parse_flags(argc, argv, defaults, extra,
                                  {"data", "epochs", "batch-size", "optimizer", "lr", "momentum", "weight-decay",
                                   "clip-grad-norm", "scheduler", "warmup", "early-stopping", "checkpoint", "resume",
                                   "limit-train", "metrics"});
  const examples::Flags& f = c.flags;
  c.iterations = examples::extra_int(f, "iterations", 0);
  c.meta_batch = examples::extra_int(f, "meta-batch", 1);
  c.k = examples::extra_int(f, "k", 1);
  c.inner_steps = examples::extra_int(f, "inner-steps", 1);
  c.inner_lr = examples::extra_double(f, "inner-lr", 0.0);
  c.meta_lr = examples::extra_double(f, "meta-lr", 0.0);
  c.first_order = f.extra.at("first-order") == "1";
  return c;
}

// ---- tasks --------------------------------------------------------------------------------------

struct Task {
  double amplitude, phase;
  // n points x ~ U[−5, 5] (from gen) and their values: [n, 1] each
  std::pair<Tensor, Tensor> sample(int64_t n, Generator& gen) const {
    std::vector<double> x(static_cast<size_t>(n));
    for (double& v : x) v = -5.0 + 10.0 * gen.next_double();
    Tensor xs = tensor(x, {n, 1});
    return {xs, values(xs)};
  }
  Tensor values(const Tensor& x) const { return sin(x - phase) * amplitude; }
};

Task random_task(Generator& gen) {
  const double a = 0.1 + 4.9 * gen.next_double(), phi = std::numbers::pi * gen.next_double();
  return {a, phi};
}

std::shared_ptr<nn::Sequential> make_net() {
  return std::make_shared<nn::Sequential>(nn::Linear(1, 40), nn::ReLU(), nn::Linear(40, 40), nn::ReLU(),
                                          nn::Linear(40, 1));
}

// θ' after `steps` steps of gradient descent on the support points, from `params`; with
// create_graph the steps stay differentiable (second-order MAML), without it each gradient is a
// constant but θ' still depends on θ (first-order MAML). The graph from θ to θ' is kept
// (retain_graph): a later step, and the meta-gradient, go through it again.
nn::NamedTensors adapt(nn::Sequential& net, nn::NamedTensors params, const Tensor& x, const Tensor& y, int64_t steps,
                       double lr, bool create_graph) {
  for (int64_t s = 0; s < steps; ++s) {
    Tensor loss = F::mse_loss(nn::functional_call(net, params, x), y);
    std::vector<Tensor> grads = autograd::grad({loss}, nn::values(params), {}, /*retain_graph=*/true, create_graph);
    for (size_t i = 0; i < params.size(); ++i) params[i].second = params[i].second - lr * grads[i];
  }
  return params;
}

// One plain gradient step for evaluation: the result is a fresh leaf, so no graph grows from step to step.
nn::NamedTensors step_detached(nn::Sequential& net, const nn::NamedTensors& params, const Tensor& x, const Tensor& y,
                               double lr) {
  nn::NamedTensors next = adapt(net, params, x, y, 1, lr, false);
  for (auto& [name, t] : next) t = t.detach().requires_grad_();
  return next;
}

// ---- training -----------------------------------------------------------------------------------

void meta_train(const Config& c, nn::Sequential& net, Generator& gen) {
  optim::Adam opt(net.parameters(), optim::AdamOptions(c.meta_lr));
  const nn::NamedTensors theta = net.named_parameters();
  double running = 0;
  for (int64_t it = 1; it <= c.iterations; ++it) {
    opt.zero_grad();
    Tensor meta_loss = zeros({});
    for (int64_t t = 0; t < c.meta_batch; ++t) {
      const Task task = random_task(gen);
      auto [xs, ys] = task.sample(c.k, gen);
      auto [xq, yq] = task.sample(c.k, gen);
      nn::NamedTensors fast = adapt(net, theta, xs, ys, c.inner_steps, c.inner_lr, !c.first_order);
      meta_loss = meta_loss + F::mse_loss(nn::functional_call(net, fast, xq), yq);
    }
    meta_loss = meta_loss / double(c.meta_batch);
    meta_loss.backward();  // through θ' = θ − α∇L(θ): the second derivatives of L
    opt.step();
    running = it == 1 ? meta_loss.item<double>() : 0.99 * running + 0.01 * meta_loss.item<double>();
    if (it % (std::max<int64_t>(1, c.iterations / 10)) == 0 || it == c.iterations)
      std::printf("  maml iteration %lld/%lld  query loss after adaptation %.4f (running mean)\n", (long long)it,
                  (long long)c.iterations, running);
  }
}

// The baseline: the same network fit to the same kind of batches without any adaptation.
void pretrain(const Config& c, nn::Sequential& net, Generator& gen) {
  optim::Adam opt(net.parameters(), optim::AdamOptions(c.meta_lr));
  double running = 0;
  for (int64_t it = 1; it <= c.iterations; ++it) {
    opt.zero_grad();
    Tensor loss = zeros({});
    for (int64_t t = 0; t < c.meta_batch; ++t) {
      const Task task = random_task(gen);
      auto [x, y] = task.sample(2 * c.k, gen);
      loss = loss + F::mse_loss(net.forward(x), y);
    }
    loss = loss / double(c.meta_batch);
    loss.backward();
    opt.step();
    running = it == 1 ? loss.item<double>() : 0.99 * running + 0.01 * loss.item<double>();
    if (it % (std::max<int64_t>(1, c.iterations / 10)) == 0 || it == c.iterations)
      std::printf("  pretraining iteration %lld/%lld  loss %.4f (running mean)\n", (long long)it,
                  (long long)c.iterations, running);
  }
}

// ---- evaluation ---------------------------------------------------------------------------------

constexpr int64_t kEvalTasks = 1000, kEvalPoints = 100, kMaxSteps = 10;

// MSE on kEvalPoints query points of each held-out task after 0..kMaxSteps steps from K points,
// averaged over the tasks. The tasks depend on the seed only, so both models see the same ones.
std::vector<double> evaluate(const Config& c, nn::Sequential& net) {
  Generator gen(c.flags.seed + 1000003);  // held-out tasks: a stream training never draws from
  std::vector<double> mse(kMaxSteps + 1, 0.0);
  for (int64_t t = 0; t < kEvalTasks; ++t) {
    const Task task = random_task(gen);
    auto [xs, ys] = task.sample(c.k, gen);
    auto [xq, yq] = task.sample(kEvalPoints, gen);
    nn::NamedTensors params = net.named_parameters();
    for (int64_t s = 0; s <= kMaxSteps; ++s) {
      {
        NoGradGuard no_grad;
        mse[size_t(s)] += F::mse_loss(nn::functional_call(net, params, xq), yq).item<double>() / double(kEvalTasks);
      }
      if (s < kMaxSteps) params = step_detached(net, params, xs, ys, c.inner_lr);
    }
  }
  return mse;
}

// The paper's figure 2 for one held-out task: the true function, the K points, and each model's
// prediction before adaptation and after 1 and 10 steps.
void plot_task(const Config& c, nn::Sequential& maml, nn::Sequential& pretrained, const std::string& path) {
  Generator gen(c.flags.seed + 7);
  const Task task = random_task(gen);
  auto [xs, ys] = task.sample(c.k, gen);
  Tensor grid = linspace(-5.0, 5.0, 200).view({200, 1});
  const std::vector<double> gx = grid.to_vector<double>();
  plot::Figure figure(1, 2, 640, 480);
  figure.title("MAML vs pretrained, K = " + std::to_string(c.k) + ", A = " + std::to_string(task.amplitude).substr(0, 4) +
               ", phase = " + std::to_string(task.phase).substr(0, 4));
  for (auto [net, name] : {std::pair{&maml, "MAML"}, std::pair{&pretrained, "pretrained"}}) {
    plot::LineChart chart;
    chart.title(name).x_label("x").y_label("y");
    chart.add("ground truth", gx, task.values(grid).to_vector<double>(), plot::SeriesStyle().color(plot::kBlack));
    nn::NamedTensors params = net->named_parameters();
    for (int64_t s = 0; s <= kMaxSteps; ++s) {
      if (s == 0 || s == 1 || s == kMaxSteps) {
        NoGradGuard no_grad;
        const std::string label = s == 0 ? "pre-update" : std::to_string(s) + (s == 1 ? " grad step" : " grad steps");
        chart.add(label, gx, nn::functional_call(*net, params, grid).to_vector<double>(),
                  plot::SeriesStyle().dash(s == 0 ? 6 : 0));
      }
      if (s < kMaxSteps) params = step_detached(*net, params, xs, ys, c.inner_lr);
    }
    chart.add("K points used for gradient", xs.to_vector<double>(), ys.to_vector<double>(),
              plot::SeriesStyle().width(0).markers(true).color(plot::Color::hex(0xd62728)));
    figure.add(chart);
  }
  figure.save_png(path);
}

void run(const Config& c) {
  if (c.flags.threads > 0) set_num_threads(c.flags.threads);
  manual_seed(c.flags.seed);
  examples::print_cpu_line();
  std::printf("MAML (%s): %lld iterations of %lld tasks, K = %lld, %lld inner step(s) of %g\n",
              c.first_order ? "first order" : "second order", (long long)c.iterations, (long long)c.meta_batch,
              (long long)c.k, (long long)c.inner_steps, c.inner_lr);
  auto maml = make_net(), pretrained = make_net();
  {  // both start from the same weights
    NoGradGuard no_grad;
    const std::vector<Tensor> from = maml->parameters(), to = pretrained->parameters();
    for (size_t i = 0; i < to.size(); ++i) Tensor(to[i]).copy_(from[i]);
  }
  const auto t0 = std::chrono::steady_clock::now();
  Generator train_tasks(c.flags.seed);
  meta_train(c, *maml, train_tasks);
  const double maml_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Generator pretrain_tasks(c.flags.seed);
  pretrain(c, *pretrained, pretrain_tasks);
  const double total_train = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const std::vector<double> m = evaluate(c, *maml), p = evaluate(c, *pretrained);
  std::printf("held-out tasks: %lld, K = %lld, step size %g; MSE on %lld query points per task\n", (long long)kEvalTasks,
              (long long)c.k, c.inner_lr, (long long)kEvalPoints);
  std::printf("  steps   MAML      pretrained\n");
  for (int64_t s : {0, 1, 2, 5, 10})
    std::printf("  %5lld   %-8.4f  %-8.4f\n", (long long)s, m[size_t(s)], p[size_t(s)]);
  std::printf("time: MAML %.1f s, pretraining %.1f s, evaluation %.1f s\n", maml_seconds, total_train - maml_seconds,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() - total_train);
  if (!c.flags.plot.empty()) plot_task(c, *maml, *pretrained, c.flags.plot);
  const size_t steps = size_t(std::min<int64_t>(c.inner_steps, kMaxSteps));
  std::printf("final maml_mse=%.4f pretrained_mse=%.4f\n", m[steps], p[steps]);
}

}  // namespace

int main(int argc, char** argv) {
  return examples::run_main(argc, argv, [&] { run(parse(argc, argv)); });
}
