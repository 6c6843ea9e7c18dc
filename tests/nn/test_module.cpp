// The Module tree: registration, dotted names, train/eval, to(dtype), Sequential, printing.
#include <sstream>

#include "helpers.h"

using namespace descent;

namespace {

struct Block : nn::Module {
  Block() {
    features = register_module("features", std::make_shared<nn::Sequential>(
        nn::Conv2d(nn::Conv2dOptions(1, 2, 3).padding(1)), nn::BatchNorm2d(2), nn::ReLU()));
    head = register_module("head", std::make_shared<nn::Linear>(2 * 4 * 4, 3));
    scale = register_parameter("scale", ones({1}));
    step = register_buffer("step", zeros({}, kInt64));
  }
  Tensor forward(const Tensor& x) { return head->forward(flatten(features->forward(x), 1)) * scale; }
  std::shared_ptr<nn::Sequential> features;
  std::shared_ptr<nn::Linear> head;
  Tensor scale, step;
};

std::vector<std::string> names(const nn::NamedTensors& named) {
  std::vector<std::string> out;
  for (const auto& [name, t] : named) out.push_back(name);
  return out;
}

}  // namespace

TEST_CASE("named_parameters walks the tree with dotted names in registration order") {
  Block block;
  REQUIRE(names(block.named_parameters()) == std::vector<std::string>{"scale", "features.0.weight", "features.0.bias",
                                                                      "features.1.weight", "features.1.bias",
                                                                      "head.weight", "head.bias"});
  REQUIRE(names(block.named_buffers()) == std::vector<std::string>{"step", "features.1.running_mean",
                                                                   "features.1.running_var",
                                                                   "features.1.num_batches_tracked"});
  REQUIRE(names(block.named_parameters(/*recurse=*/false)) == std::vector<std::string>{"scale"});
  REQUIRE(block.parameters().size() == 7);
  REQUIRE(block.children().size() == 2);
  // a parameter handle is the module's own tensor, a leaf that requires grad
  REQUIRE(block.parameters()[5].impl() == block.head->weight.impl());
  for (const Tensor& p : block.parameters()) REQUIRE((p.requires_grad() && p.is_leaf()));
  REQUIRE(!block.step.requires_grad());
}

TEST_CASE("a module used twice lists its parameters once") {
  auto shared = std::make_shared<nn::Linear>(3, 3);
  nn::Sequential twice(shared, nn::Tanh(), shared);
  REQUIRE(names(twice.named_parameters()) == std::vector<std::string>{"0.weight", "0.bias"});
  Tensor y = twice.forward(randn({2, 3}));
  REQUIRE(y.sizes() == Shape{2, 3});
}

TEST_CASE("registering a bad or duplicate name fails with a clear message") {
  nn::Linear layer(2, 2);
  REQUIRE_THROWS_WITH(layer.register_parameter("weight", zeros({2})), "register_parameter: 'weight' is already registered in Linear");
  REQUIRE_THROWS_WITH(layer.register_buffer("a.b", zeros({2})), "register_buffer: name 'a.b' must not contain '.'");
  REQUIRE_THROWS_WITH(layer.register_module("", std::make_shared<nn::ReLU>()), "register_module: the name must not be empty");
  REQUIRE_THROWS_WITH(layer.register_parameter("count", zeros({2}, kInt64)),
                      "requires_grad_: only floating-point tensors can require gradients, got int64");
}

TEST_CASE("train() and eval() switch every descendant") {
  Block block;
  REQUIRE(block.is_training());
  block.eval();
  REQUIRE(!block.is_training());
  REQUIRE(!block.features->is_training());
  REQUIRE(!block.features->ptr<nn::BatchNorm2d>(1)->is_training());
  block.train();
  REQUIRE(block.features->ptr<nn::BatchNorm2d>(1)->is_training());
}

TEST_CASE("to(dtype) converts in place so that member handles stay valid") {
  manual_seed(1);
  Block block;
  Tensor weight = block.head->weight;  // a handle taken before the conversion
  const std::vector<float> before = weight.to_vector<float>();
  Tensor loss = block.forward(randn({2, 1, 4, 4})).sum();
  loss.backward();
  block.to(kFloat64);
  REQUIRE(weight.dtype() == kFloat64);
  REQUIRE(block.head->weight.dtype() == kFloat64);
  REQUIRE(block.head->weight.grad().dtype() == kFloat64);
  REQUIRE(block.features->ptr<nn::BatchNorm2d>(1)->running_var.dtype() == kFloat64);
  REQUIRE(block.step.dtype() == kInt64);  // integer buffers keep their type
  std::vector<double> after = weight.to_vector<double>();
  for (size_t i = 0; i < before.size(); ++i) REQUIRE(after[i] == double(before[i]));
  Tensor y = block.forward(randn({2, 1, 4, 4}, kFloat64));
  REQUIRE(y.dtype() == kFloat64);
  REQUIRE_THROWS_WITH(block.to(kInt64), "Module::to: expected a floating-point dtype, got int64");
}

TEST_CASE("zero_grad drops or zeroes every gradient") {
  nn::Linear layer(3, 2);
  layer.forward(randn({4, 3})).sum().backward();
  REQUIRE(layer.weight.grad().defined());
  layer.zero_grad(/*set_to_none=*/false);
  REQUIRE(layer.weight.grad().abs().sum().item<double>() == 0.0);
  layer.zero_grad();
  REQUIRE(!layer.weight.grad().defined());
  REQUIRE(!layer.bias.grad().defined());
  // and in every descendant of a nested model
  nn::Sequential outer(nn::Linear(3, 4), nn::Sequential(nn::ReLU(), nn::Linear(4, 2)));
  outer.forward(randn({5, 3})).sum().backward();
  for (const Tensor& p : outer.parameters()) REQUIRE(p.grad().defined());
  outer.zero_grad(/*set_to_none=*/false);
  for (const Tensor& p : outer.parameters()) REQUIRE(p.grad().abs().sum().item<double>() == 0.0);
  outer.zero_grad();
  for (const Tensor& p : outer.parameters()) REQUIRE(!p.grad().defined());
}

TEST_CASE("Sequential runs its children in order and gives typed access to them") {
  manual_seed(2);
  auto net = std::make_shared<nn::Sequential>(nn::Linear(4, 8), nn::ReLU(), std::make_shared<nn::Linear>(8, 2));
  net->push_back(nn::Functional([](const Tensor& x) { return x * 2.0; }));
  REQUIRE(net->size() == 4);
  Tensor x = randn({3, 4});
  auto first = net->ptr<nn::Linear>(0), last = net->ptr<nn::Linear>(2);
  REQUIRE(first != nullptr);
  REQUIRE(net->ptr<nn::Linear>(1) == nullptr);
  REQUIRE_CLOSE(net->forward(x), last->forward(relu(first->forward(x))) * 2.0);
  REQUIRE_THROWS_WITH((*net)[7], "Sequential: index 7 is out of range for 4 modules");
}

TEST_CASE("a model prints as a tree like PyTorch's") {
  auto net = std::make_shared<nn::Sequential>(nn::Conv2d(nn::Conv2dOptions(1, 4, 3).stride(2)), nn::ReLU(),
                                              nn::MaxPool2d(2), nn::Flatten(), nn::Dropout(0.25),
                                              nn::Linear(16, 10, false));
  std::ostringstream os;
  os << *net;
  REQUIRE(os.str() ==
          "Sequential(\n"
          "  (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(2, 2))\n"
          "  (1): ReLU()\n"
          "  (2): MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))\n"
          "  (3): Flatten(start_dim=1, end_dim=-1)\n"
          "  (4): Dropout(p=0.25)\n"
          "  (5): Linear(in_features=16, out_features=10, bias=false)\n"
          ")");
  Block block;
  os.str("");
  os << *block.head;
  REQUIRE(os.str() == "Linear(in_features=32, out_features=3, bias=true)");
}
