// optimizer_paths: its pictures and its CSV. The pictures are decoded and checked for size and
// for every optimizer's colour; the CSV is checked for what the pictures are meant to show
// (L-BFGS and Newton reach Rosenbrock's minimum, the three learning rates crawl / converge /
// diverge, stochastic steps are noisier than mini-batch steps, which are noisier than batch
// steps); and two runs give the same bytes.
#include <stb_image.h>

#include <cmath>
#include <map>

#include "programs.h"

using namespace descent;

namespace {

struct Row {
  std::string function, optimizer;
  int step;
  double x, y, loss;
};

std::vector<Row> read_paths(const std::string& path) {
  std::vector<Row> rows;
  auto lines = test::Outcome::lines(test::slurp(path));
  REQUIRE(!lines.empty());
  REQUIRE(lines[0] == "function,optimizer,step,x,y,loss");
  for (size_t i = 1; i < lines.size(); ++i) {
    std::stringstream in(lines[i]);
    Row r;
    std::string field;
    std::getline(in, r.function, ',');
    std::getline(in, r.optimizer, ',');
    std::getline(in, field, ',');
    r.step = std::stoi(field);
    std::getline(in, field, ',');
    r.x = std::strtod(field.c_str(), nullptr);  // strtod: denormals are fine
    std::getline(in, field, ',');
    r.y = std::strtod(field.c_str(), nullptr);
    std::getline(in, field, ',');
    r.loss = std::strtod(field.c_str(), nullptr);
    rows.push_back(r);
  }
  return rows;
}

// Path length over straight-line distance: 1 for a straight path, larger the more it wanders.
double wander(const std::vector<Row>& rows, const std::string& function, const std::string& optimizer) {
  std::vector<Row> p;
  for (const Row& r : rows)
    if (r.function == function && r.optimizer == optimizer) p.push_back(r);
  REQUIRE(p.size() > 10);
  double length = 0;
  for (size_t i = 1; i < p.size(); ++i) length += std::hypot(p[i].x - p[i - 1].x, p[i].y - p[i - 1].y);
  return length / std::hypot(p.back().x - p.front().x, p.back().y - p.front().y);
}

const std::vector<std::string> kOptimizers = {"sgd",  "momentum", "nesterov", "adagrad", "rmsprop", "adadelta",
                                              "adam", "adamw",    "nadam",    "adamax",  "lbfgs",   "newton"};

}  // namespace

TEST_CASE("optimizer_paths draws every optimizer on every function, the same bytes every run") {
  const std::string a = test::scratch("paths_a"), b = test::scratch("paths_b");
  test::Outcome first = test::run_example("optimizer_paths", "--out " + a);
  INFO(first.err);
  REQUIRE(first.status == 0);
  REQUIRE(test::run_example("optimizer_paths", "--out " + b).status == 0);
  for (std::string name : {"rosenbrock", "quadratic", "beale", "saddle", "learning_rates", "variants"}) {
    INFO(name);
    const std::string png = a + "/" + name + ".png";
    REQUIRE(test::slurp(png) == test::slurp(b + "/" + name + ".png"));
    int w = 0, h = 0, channels = 0;
    unsigned char* pixels = stbi_load(png.c_str(), &w, &h, &channels, 3);
    REQUIRE(pixels != nullptr);
    CHECK(w >= 640);
    CHECK(h >= 480);
    if (name != "learning_rates" && name != "variants") {
      // Every optimizer's path colour is drawn (at least a short stretch of it).
      for (size_t i = 0; i < kOptimizers.size(); ++i) {
        plot::Color c = plot::path_color(i);
        int matches = 0;
        for (int k = 0; k < w * h; ++k)
          matches += pixels[3 * k] == c.r && pixels[3 * k + 1] == c.g && pixels[3 * k + 2] == c.b;
        INFO(kOptimizers[i]);
        CHECK(matches >= 20);
      }
    }
    stbi_image_free(pixels);
  }
  REQUIRE(test::slurp(a + "/paths.csv") == test::slurp(b + "/paths.csv"));
}

TEST_CASE("optimizer_paths' paths show what the pictures claim") {
  const std::string dir = test::scratch("paths_c");
  REQUIRE(test::run_example("optimizer_paths", "--out " + dir).status == 0);
  std::vector<Row> rows = read_paths(dir + "/paths.csv");
  std::map<std::pair<std::string, std::string>, Row> last;
  for (const Row& r : rows) last[{r.function, r.optimizer}] = r;
  for (std::string f : {"rosenbrock", "quadratic", "beale", "saddle"})
    for (const auto& o : kOptimizers) CHECK(last.count({f, o}) == 1);
  // The second-order methods find Rosenbrock's minimum at (1, 1) (L-BFGS stops once its
  // gradient is below its default tolerance, 1e-7, a few 1e-6 away).
  for (std::string o : {"lbfgs", "newton"}) {
    INFO(o);
    CHECK(std::fabs(last[{"rosenbrock", o}].x - 1) < 1e-4);
    CHECK(std::fabs(last[{"rosenbrock", o}].y - 1) < 1e-4);
    CHECK(last[{"rosenbrock", o}].loss < 1e-9);
  }
  // Learning rates: a crawl, convergence, divergence.
  double small = 0, right = 0, large = 0, start = 0;
  for (const auto& [key, r] : last) {
    if (key.first != "learning_rates") continue;
    if (key.second.rfind("too small", 0) == 0) small = r.loss;
    if (key.second.rfind("right", 0) == 0) right = r.loss;
    if (key.second.rfind("too large", 0) == 0) large = r.loss;
  }
  for (const Row& r : rows)
    if (r.function == "learning_rates" && r.step == 0) start = r.loss;
  CHECK(small > 0.1 * start);
  CHECK(right < 1e-2);
  CHECK(large > start);
  // Stochastic wanders more than mini-batch, which wanders more than full batch.
  double batch = wander(rows, "variants", "batch (200)"), mini = wander(rows, "variants", "mini-batch (16)"),
         sgd = wander(rows, "variants", "stochastic (1)");
  INFO("wander: batch " << batch << ", mini-batch " << mini << ", stochastic " << sgd);
  CHECK(batch < mini);
  CHECK(mini < sgd);
}

TEST_CASE("optimizer_paths refuses an unknown flag with one line and status 2") {
  test::Outcome o = test::run_example("optimizer_paths", "--frobnicate 1");
  CHECK(o.status == 2);
  REQUIRE(o.err_lines().size() == 1);
  CHECK(o.err_lines()[0].find("unknown flag --frobnicate") != std::string::npos);
}
