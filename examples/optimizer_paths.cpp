// optimizer_paths: the classic pictures of gradient descent, drawn by descent itself.
//   optimizer_paths [--out DIR] [--seed S] [--animate]     (--help: the usage)
// writes into DIR (default "."):
//   rosenbrock.png quadratic.png beale.png saddle.png  every optimizer from one start point,
//                                                      over the function's contours
//   learning_rates.png  plain gradient descent on an ill-conditioned bowl with a learning rate
//                       too small (a crawl), right (convergence) and too large (divergence)
//   variants.png        batch vs stochastic vs mini-batch gradient descent on the (w, b) loss
//                       surface of a linear regression
//   paths.csv           every path: function,optimizer,step,x,y,loss
// and with --animate also rosenbrock.gif, ..., learning_rates.gif, variants.gif: the same
// pictures as animations, every path growing step by step over the contours (plot/animation.h).
// Each optimizer runs on a 2-element float64 parameter p = (x, y) exactly as it would on a
// network's weights: zero_grad, loss, backward, step (L-BFGS and Newton take a closure).
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>

#include <descent/descent.h>
#include <descent/tensor/file_io.h>

#include "common/cpu_line.h"
#include "common/flags.h"
#include "common/main.h"

using namespace descent;
namespace plot = descent::plot;

namespace {

struct TestFunction {
  std::string name, title;
  std::function<Tensor(const Tensor& x, const Tensor& y)> f;  // written with descent's ops
  double x0, x1, y0, y1;                                      // the box drawn
  double start_x, start_y, min_x, min_y;
  int steps;
  std::map<std::string, double> lr;  // per optimizer, tuned so every path shows its character
};

// The same function on doubles, for the contour plot, through the very same ops.
double value_at(const TestFunction& t, double x, double y) {
  NoGradGuard no_grad;
  return t.f(scalar_tensor(x, kFloat64), scalar_tensor(y, kFloat64)).item<double>();
}

// The pictures of one function: large enough that the legend's fourteen rows find a corner
// that hides neither the minimum nor the paths' ends.
constexpr int kWidth = 1000, kHeight = 700;

const std::vector<std::string> kOptimizers = {"sgd",  "momentum", "nesterov", "adagrad", "rmsprop", "adadelta",
                                              "adam", "adamw",    "nadam",    "adamax",  "lbfgs",   "newton"};

std::unique_ptr<optim::Optimizer> make(const std::string& name, const Tensor& p, double lr) {
  std::vector<Tensor> params = {p};
  if (name == "sgd") return std::make_unique<optim::SGD>(params, optim::SGDOptions(lr));
  if (name == "momentum") return std::make_unique<optim::SGD>(params, optim::SGDOptions(lr).momentum(0.9));
  if (name == "nesterov") return std::make_unique<optim::SGD>(params, optim::SGDOptions(lr).momentum(0.9).nesterov(true));
  if (name == "adagrad") return std::make_unique<optim::Adagrad>(params, optim::AdagradOptions(lr));
  if (name == "rmsprop") return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions(lr));
  if (name == "adadelta") return std::make_unique<optim::Adadelta>(params, optim::AdadeltaOptions(lr));
  if (name == "adam") return std::make_unique<optim::Adam>(params, optim::AdamOptions(lr));
  if (name == "adamw") return std::make_unique<optim::AdamW>(params, optim::AdamWOptions(lr).weight_decay(0.1));
  if (name == "nadam") return std::make_unique<optim::NAdam>(params, optim::NAdamOptions(lr));
  if (name == "adamax") return std::make_unique<optim::Adamax>(params, optim::AdamaxOptions(lr));
  if (name == "lbfgs")  // one iteration per step(), so that every iterate is drawn
    return std::make_unique<optim::LBFGS>(params, optim::LBFGSOptions(lr).max_iter(1).line_search_fn("strong_wolfe"));
  return std::make_unique<optim::Newton>(params, optim::NewtonOptions(lr).damping(1e-3));
}

// Runs one optimizer from the start point; stops early if the iterate leaves all reason, or
// stops moving (L-BFGS and Newton converge in a few dozen steps: the rest would only repeat the
// last point, and a long path gets no dots for its iterates).
std::vector<plot::Point> descend(const TestFunction& t, const std::string& name, std::vector<double>* losses) {
  Tensor p = tensor({t.start_x, t.start_y}, {2}, kFloat64).requires_grad_();
  auto loss_of = [&] { return t.f(p.select(0, 0), p.select(0, 1)); };
  auto opt = make(name, p, t.lr.at(name));
  std::vector<plot::Point> path;
  for (int step = 0; step <= t.steps; ++step) {
    std::vector<double> at = p.to_vector<double>();
    double loss = value_at(t, at[0], at[1]);
    // A move of less than a billionth of the box: nothing more to see.
    if (!path.empty() && std::hypot(at[0] - path.back().x, at[1] - path.back().y) <
                             1e-9 * std::hypot(t.x1 - t.x0, t.y1 - t.y0))
      break;
    path.push_back({at[0], at[1]});
    losses->push_back(loss);
    // Ten box sizes away: it has left the picture for good.
    const double far = 10 * std::max(t.x1 - t.x0, t.y1 - t.y0);
    if (!std::isfinite(loss) || std::fabs(at[0]) > far || std::fabs(at[1]) > far || step == t.steps) break;
    if (name == "newton") {
      opt->step([&] { return loss_of(); });  // Newton differentiates the loss itself
    } else if (name == "lbfgs") {
      opt->step([&] { opt->zero_grad(); Tensor l = loss_of(); l.backward(); return l; });
    } else {
      opt->zero_grad();
      loss_of().backward();
      opt->step();
    }
  }
  return path;
}

void write_rows(std::ostream& csv, const std::string& function, const std::string& optimizer,
                const std::vector<plot::Point>& path, const std::vector<double>& losses) {
  for (size_t i = 0; i < path.size(); ++i)
    csv << function << ',' << optimizer << ',' << i << ',' << path[i].x << ',' << path[i].y << ',' << losses[i] << '\n';
}

std::vector<TestFunction> test_functions() {
  auto sq = [](const Tensor& t) { return t * t; };
  // On Rosenbrock every first-order method runs down the same valley, so its lrs also make the
  // paths end at different places along it: a path covered to its end by a shorter one drawn
  // over it would vanish.
  std::map<std::string, double> lr_rosen = {{"sgd", 1e-3}, {"momentum", 5e-4}, {"nesterov", 4e-4}, {"adagrad", 1.0},
      {"rmsprop", 0.01}, {"adadelta", 15}, {"adam", 0.07}, {"adamw", 0.05}, {"nadam", 0.05}, {"adamax", 0.02},
      {"lbfgs", 1}, {"newton", 1}};
  std::map<std::string, double> lr_bowl = {{"sgd", 0.07}, {"momentum", 0.02}, {"nesterov", 0.02}, {"adagrad", 1.5},
      {"rmsprop", 0.1}, {"adadelta", 30}, {"adam", 0.3}, {"adamw", 0.3}, {"nadam", 0.3}, {"adamax", 0.5},
      {"lbfgs", 1}, {"newton", 1}};
  std::map<std::string, double> lr_beale = {{"sgd", 0.01}, {"momentum", 2e-3}, {"nesterov", 2e-3}, {"adagrad", 0.5},
      {"rmsprop", 0.02}, {"adadelta", 20}, {"adam", 0.1}, {"adamw", 0.1}, {"nadam", 0.1}, {"adamax", 0.2},
      {"lbfgs", 1}, {"newton", 1}};
  std::map<std::string, double> lr_saddle = {{"sgd", 0.05}, {"momentum", 0.01}, {"nesterov", 0.01}, {"adagrad", 0.3},
      {"rmsprop", 0.02}, {"adadelta", 5}, {"adam", 0.05}, {"adamw", 0.05}, {"nadam", 0.05}, {"adamax", 0.05},
      {"lbfgs", 0.2}, {"newton", 0.5}};
  return {
      {"rosenbrock", "Rosenbrock: (1-x)^2 + 100(y-x^2)^2",
       [=](const Tensor& x, const Tensor& y) { return sq(1.0 - x) + sq(y - x * x) * 100.0; },
       -2, 2, -1, 3, -1.5, 2.5, 1, 1, 300, lr_rosen},
      {"quadratic", "Ill-conditioned bowl: (x^2 + 25y^2) / 2",
       [=](const Tensor& x, const Tensor& y) { return (sq(x) + sq(y) * 25.0) * 0.5; },
       -5, 5, -2, 2, -4.5, 1.5, 0, 0, 100, lr_bowl},
      {"beale", "Beale's function",
       [=](const Tensor& x, const Tensor& y) {
         return sq(1.5 - x + x * y) + sq(2.25 - x + x * y * y) + sq(2.625 - x + x * y * y * y);
       },
       -1, 4.5, -2, 2.5, 1, 1.5, 3, 0.5, 300, lr_beale},  // the part the paths cross
      {"saddle", "Saddle: x^2 - y^2", [=](const Tensor& x, const Tensor& y) { return sq(x) - sq(y); },
       -2, 2, -2, 2, -1.8, 0.01, 0, 0, 100, lr_saddle},
  };
}

// Batch, stochastic and mini-batch gradient descent on mean((w·x + b - y)²), the same learning
// rate and number of steps, through the same optimizer and DataLoader.
void draw_variants(const std::string& dir, uint64_t seed, std::ostream& csv, bool animate) {
  manual_seed(seed);
  const int64_t n = 200;
  Tensor x = rand({n, 1}, kFloat64) * 4.0 - 2.0;
  Tensor y = x * 2.0 - 1.0 + randn({n, 1}, kFloat64) * 0.5;
  auto surface = [&](double w, double b) { NoGradGuard g; return ((x * w + b - y) * (x * w + b - y)).mean().item<double>(); };
  plot::ContourPlot contour(surface, -3, 4, -4, 3);
  contour.title("Batch vs stochastic vs mini-batch").x_label("w").y_label("b");
  for (auto [name, batch] : {std::pair{"batch (200)", n}, {"mini-batch (16)", int64_t(16)}, {"stochastic (1)", int64_t(1)}}) {
    Tensor p = tensor({-2.5, 2.5}, {2}, kFloat64).requires_grad_();
    optim::SGD opt({p}, optim::SGDOptions(0.05));
    data::DataLoader loader(data::TensorDataset(x, y), data::DataLoaderOptions(batch).shuffle(true).seed(seed));
    std::vector<plot::Point> path = {{-2.5, 2.5}};
    std::vector<double> losses = {surface(-2.5, 2.5)};
    while (path.size() <= 80) {
      for (auto& b : loader) {
        if (path.size() > 80) break;
        opt.zero_grad();
        Tensor pred = b.data * p.select(0, 0) + p.select(0, 1);
        ((pred - b.target) * (pred - b.target)).mean().backward();
        opt.step();
        std::vector<double> at = p.to_vector<double>();
        path.push_back({at[0], at[1]});
        losses.push_back(surface(at[0], at[1]));
      }
    }
    write_rows(csv, "variants", name, path, losses);
    contour.add_path(name, path);
  }
  // The least-squares fit the paths head for (not quite the (2, -1) the data came from).
  const Tensor dx = x - x.mean(), dy = y - y.mean();
  const double w = (dx * dy).sum().item<double>() / (dx * dx).sum().item<double>();
  contour.add_marker("least squares", w, y.mean().item<double>() - w * x.mean().item<double>());
  contour.save_png(dir + "/variants.png", kWidth, kHeight);
  if (animate) plot::save_gif(contour, dir + "/variants.gif", kWidth, kHeight);
}

// Plain gradient descent on the bowl with three learning rates (stable below 2/25 = 0.08).
void draw_learning_rates(const TestFunction& bowl, const std::string& dir, std::ostream& csv, bool animate) {
  plot::Figure figure(1, 3);
  figure.title("Gradient descent on (x^2 + 25y^2)/2: the learning rate");
  for (auto [label, lr] : {std::pair{"too small", 0.003}, {"right", 0.065}, {"too large", 0.09}}) {
    TestFunction t = bowl;
    t.steps = 60;
    t.lr["sgd"] = lr;
    std::vector<double> losses;
    std::vector<plot::Point> path = descend(t, "sgd", &losses);
    write_rows(csv, "learning_rates", std::string(label) + " lr=" + plot::format_value(lr), path, losses);
    auto& panel = figure.add(plot::ContourPlot([&](double x, double y) { return value_at(bowl, x, y); }, bowl.x0,
                                               bowl.x1, bowl.y0, bowl.y1));
    panel.title(std::string(label) + ": lr = " + plot::format_value(lr)).x_label("x").y_label("y");
    panel.add_path("sgd", path).add_marker("minimum", 0, 0);
  }
  figure.save_png(dir + "/learning_rates.png");
  if (animate) plot::save_gif(figure, dir + "/learning_rates.gif");
}

}  // namespace

int main(int argc, char** argv) {
  return examples::run_main(argc, argv, [&] {
    // The shared parser: --out is this program's own flag, --seed the only one of the table's
    // that applies; --help prints the usage.
    const examples::Flags flags = examples::parse_flags(
        argc, argv, examples::Flags{}, {{"out", ".", {}}, {"animate", "0", {}, /*is_switch=*/true}},
        {"data", "epochs", "batch-size", "threads", "optimizer", "lr", "momentum", "weight-decay", "clip-grad-norm",
         "scheduler", "warmup", "early-stopping", "metrics", "plot", "checkpoint", "resume", "limit-train",
         "save-weights", "load-weights"});
    const bool animate = flags.extra.at("animate") == "1";
    examples::print_cpu_line();
    const std::string dir = flags.extra.at("out");
    std::filesystem::create_directories(dir);
    std::ostringstream csv;  // written whole at the end (tensor/file_io.h), never half a file
    csv << "function,optimizer,step,x,y,loss\n";
    csv.precision(10);
    std::vector<TestFunction> functions = test_functions();
    for (const TestFunction& t : functions) {
      plot::ContourPlot contour([&](double x, double y) { return value_at(t, x, y); }, t.x0, t.x1, t.y0, t.y1);
      contour.title(t.title).x_label("x").y_label("y");
      for (const std::string& name : kOptimizers) {
        std::vector<double> losses;
        std::vector<plot::Point> path = descend(t, name, &losses);
        write_rows(csv, t.name, name, path, losses);
        contour.add_path(name, path);
        std::cout << t.name << ' ' << name << ": " << path.size() - 1 << " steps, loss " << losses.front() << " -> "
                  << losses.back() << '\n';
      }
      contour.add_marker(t.name == "saddle" ? "saddle point" : "minimum", t.min_x, t.min_y);
      contour.save_png(dir + "/" + t.name + ".png", kWidth, kHeight);
      if (animate) plot::save_gif(contour, dir + "/" + t.name + ".gif", kWidth, kHeight);
    }
    draw_learning_rates(functions[1], dir, csv, animate);
    draw_variants(dir, flags.seed, csv, animate);
    const std::string csv_path = dir + "/paths.csv";
    file_io::write_file_atomically(csv_path, csv.str(), "cannot write " + csv_path + ": ");
    std::cout << "wrote " << dir << "/{rosenbrock,quadratic,beale,saddle,learning_rates,variants}.png"
              << (animate ? ", the same as .gif" : "") << " and paths.csv\n";
  });
}
