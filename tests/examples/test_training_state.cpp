// optim::TrainingState: one file holding every piece of a run. Training N steps straight must
// equal N/2 steps, save, load into freshly built objects, N/2 more steps, bit for bit, with the
// default generator (dropout's source) continuing where it was; a file with other pieces, or a
// plain model checkpoint, is refused with a message naming what is wrong.
#include <cstdio>
#include <filesystem>

#include "helpers.h"

using namespace descent;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("descent_ts_" + std::to_string(getpid()) + "_" + name)).string();
}

// Everything a small run has: a model with dropout, SGD with momentum, a schedule and a loader.
struct Setup {
  std::shared_ptr<nn::Sequential> model;
  std::unique_ptr<optim::SGD> opt;
  std::unique_ptr<optim::StepLR> sched;
  std::unique_ptr<data::DataLoader> loader;
  optim::TrainingState state;

  explicit Setup(uint64_t seed) {
    manual_seed(seed);  // a different seed gives different initial weights: loading must overwrite them
    model = std::make_shared<nn::Sequential>(nn::Linear(4, 8), nn::ReLU(), nn::Dropout(0.3), nn::Linear(8, 2));
    opt = std::make_unique<optim::SGD>(model->parameters(), optim::SGDOptions(0.1).momentum(0.9));
    sched = std::make_unique<optim::StepLR>(*opt, 2, 0.5);
    manual_seed(7);
    data::TensorDataset points(randn({40, 4}), randint(0, 2, {40}));
    loader = std::make_unique<data::DataLoader>(points, data::DataLoaderOptions(8).shuffle(true).seed(3));
    state.add("model", model).add("optimizer", *opt).add("scheduler", *sched).add("loader", *loader);
  }

  void epoch() {
    nn::CrossEntropyLoss ce;
    for (auto& [x, y] : *loader) {
      opt->zero_grad();
      ce.forward(model->forward(x), y).backward();
      opt->step();
    }
    sched->step();
    state.set_epoch(state.epoch() + 1);
  }
};

}  // namespace

TEST_CASE("a training state resumes a run exactly: parameters, optimizer, schedule, loader and generator") {
  const std::string path = temp_path("resume.ckpt");
  Setup straight(1);
  for (int e = 0; e < 4; ++e) straight.epoch();
  const Tensor after_straight = randn({5});  // the generator's next draw after four epochs

  Setup first(1);
  for (int e = 0; e < 2; ++e) first.epoch();
  save(first.state, path);

  Setup resumed(99);  // other initial weights, generator elsewhere
  load(resumed.state, path);
  REQUIRE(resumed.state.epoch() == 2);
  REQUIRE(resumed.loader->epoch() == 2);
  REQUIRE(resumed.sched->last_epoch() == 2);
  for (int e = 0; e < 2; ++e) resumed.epoch();

  auto a = straight.model->named_parameters(), b = resumed.model->named_parameters();
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].first);
    REQUIRE(test::relative_error(b[i].second, a[i].second) == 0.0);  // bit for bit
  }
  REQUIRE(resumed.opt->param_groups()[0].lr() == straight.opt->param_groups()[0].lr());
  REQUIRE(test::relative_error(randn({5}), after_straight) == 0.0);
  std::filesystem::remove(path);
}

TEST_CASE("a training state with other pieces is refused, naming both lists, before anything changes") {
  const std::string path = temp_path("pieces.ckpt");
  Setup saved(1);
  saved.epoch();
  save(saved.state, path);

  manual_seed(5);
  auto model = std::make_shared<nn::Sequential>(nn::Linear(4, 8), nn::ReLU(), nn::Dropout(0.3), nn::Linear(8, 2));
  const Tensor before = model->parameters()[0].clone();
  optim::SGD opt(model->parameters(), optim::SGDOptions(0.1));
  optim::TrainingState other;
  other.add("model", model).add("optimizer", opt);  // no scheduler, no loader
  try {
    load(other, path);
    FAIL("load should have thrown");
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    INFO(message);
    REQUIRE(message.find(path) != std::string::npos);
    REQUIRE(message.find("[model,optimizer,scheduler,loader]") != std::string::npos);
    REQUIRE(message.find("[model,optimizer]") != std::string::npos);
  }
  REQUIRE(test::relative_error(model->parameters()[0], before) == 0.0);
  REQUIRE(other.epoch() == 0);
  std::filesystem::remove(path);
}

TEST_CASE("a model checkpoint is not a training state, and loading one says so") {
  const std::string path = temp_path("model.ckpt");
  auto model = std::make_shared<nn::Linear>(3, 2);
  save(model, path);
  optim::TrainingState state;
  state.add("model", model);
  try {
    load(state, path);
    FAIL("load should have thrown");
  } catch (const std::runtime_error& e) {
    INFO(e.what());
    REQUIRE(std::string(e.what()).find("not a training state") != std::string::npos);
  }
  std::filesystem::remove(path);
}

TEST_CASE("piece names must be non-empty, undotted, unique and not reserved") {
  nn::Linear a(2, 2), b(2, 2);
  optim::TrainingState state;
  state.add("model", a);
  REQUIRE_THROWS_AS(state.add("model", b), std::invalid_argument);
  REQUIRE_THROWS_AS(state.add("", b), std::invalid_argument);
  REQUIRE_THROWS_AS(state.add("a.b", b), std::invalid_argument);
  REQUIRE_THROWS_AS(state.add("epoch", b), std::invalid_argument);
  REQUIRE_THROWS_AS(state.add("generator", b), std::invalid_argument);
  REQUIRE(state.names() == std::vector<std::string>{"model"});
  REQUIRE_THROWS_AS(state.set_epoch(-1), std::invalid_argument);
}
