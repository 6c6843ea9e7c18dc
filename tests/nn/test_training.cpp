// The three reference models of CONTRACT.md, each defined in a few lines with the nn API, must
// learn: a few steps of plain SGD (written out here: p -= lr·grad under NoGradGuard) on a fixed
// synthetic batch lower the loss, measured in eval mode so that dropout does not blur it.
#include "helpers.h"

using namespace descent;

namespace {

struct MLP : nn::Module {
  MLP() {
    fc1 = register_module("fc1", std::make_shared<nn::Linear>(784, 128));
    fc2 = register_module("fc2", std::make_shared<nn::Linear>(128, 10));
  }
  Tensor forward(const Tensor& x) { return fc2->forward(relu(fc1->forward(flatten(x, 1)))); }
  std::shared_ptr<nn::Linear> fc1, fc2;
};

struct LeNet5 : nn::Module {
  LeNet5() {
    features = register_module("features", std::make_shared<nn::Sequential>(
        nn::Conv2d(nn::Conv2dOptions(1, 6, 5).padding(2)), nn::ReLU(), nn::MaxPool2d(2),
        nn::Conv2d(nn::Conv2dOptions(6, 16, 5)), nn::ReLU(), nn::MaxPool2d(2)));
    classifier = register_module("classifier", std::make_shared<nn::Sequential>(
        nn::Flatten(), nn::Linear(400, 120), nn::ReLU(), nn::Linear(120, 84), nn::ReLU(), nn::Linear(84, 10)));
  }
  Tensor forward(const Tensor& x) { return classifier->forward(features->forward(x)); }
  std::shared_ptr<nn::Sequential> features, classifier;
};

// The small CNN of the cnn_train benchmark.
struct SmallCNN : nn::Module {
  SmallCNN() {
    net = register_module("net", std::make_shared<nn::Sequential>(
        nn::Conv2d(1, 32, 3), nn::ReLU(), nn::Conv2d(32, 64, 3), nn::ReLU(), nn::MaxPool2d(2), nn::Dropout(0.25),
        nn::Flatten(), nn::Linear(9216, 128), nn::ReLU(), nn::Dropout(0.5), nn::Linear(128, 10)));
  }
  Tensor forward(const Tensor& x) { return net->forward(x); }
  std::shared_ptr<nn::Sequential> net;
};

// Runs `steps` SGD steps on one batch; returns the eval-mode loss before and after.
template <class Model> std::pair<double, double> train(Model& model, int steps, double lr) {
  manual_seed(40);
  Tensor x = randn({16, 1, 28, 28});
  Tensor y = randint(0, 10, {16});
  nn::CrossEntropyLoss criterion;
  auto eval_loss = [&] {
    NoGradGuard no_grad;
    model.eval();
    double loss = criterion.forward(model.forward(x), y).template item<double>();
    model.train();
    return loss;
  };
  const double before = eval_loss();
  for (int step = 0; step < steps; ++step) {
    model.zero_grad();
    Tensor loss = criterion.forward(model.forward(x), y);
    loss.backward();
    NoGradGuard no_grad;
    for (Tensor& p : model.parameters()) p.sub_(p.grad(), lr);
  }
  return {before, eval_loss()};
}

}  // namespace

TEST_CASE("an MLP learns a batch with hand-written SGD") {
  manual_seed(41);
  MLP model;
  auto [before, after] = train(model, 8, 0.1);
  INFO("loss " << before << " -> " << after);
  REQUIRE(after < 0.8 * before);
}

TEST_CASE("LeNet-5 learns a batch with hand-written SGD") {
  manual_seed(42);
  LeNet5 model;
  REQUIRE(model.parameters().size() == 10);
  auto [before, after] = train(model, 15, 0.2);
  INFO("loss " << before << " -> " << after);
  REQUIRE(after < 0.9 * before);
}

TEST_CASE("the small CNN learns a batch with hand-written SGD") {
  manual_seed(43);
  SmallCNN model;
  REQUIRE(model.named_parameters()[4].first == "net.7.weight");
  auto [before, after] = train(model, 8, 0.05);
  INFO("loss " << before << " -> " << after);
  REQUIRE(after < 0.8 * before);
}
