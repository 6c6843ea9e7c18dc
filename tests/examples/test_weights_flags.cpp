// The training programs' --save-weights and --load-weights (safetensors files, the weights alone):
// the saved file holds the model under torch's names with the run's metadata; a run started from
// it begins where the saved one ended; a file that does not fit the model, is damaged or absent,
// or is combined with --resume, ends with one line on stderr and exit status 2 before training.
// The format itself is tested in tests/tensor/test_safetensors.cpp, modules and PyTorch in
// tests/nn/test_safetensors.cpp.
#include <descent/descent.h>

#include <cmath>
#include <fstream>
#include <map>

#include "programs.h"
#include "small_datasets.h"

using namespace descent;
using test::Outcome;
using test::require_usage_error;
using test::run_example;
using test::scratch;

namespace {

struct Saved {
  std::vector<std::string> names;
  std::map<std::string, Tensor> tensors;
  SafetensorsMetadata metadata;
};

Saved read_weights(const std::string& path) {
  Saved s;
  for (auto& [name, t] : load_safetensors(path, &s.metadata)) {
    s.names.push_back(name);
    s.tensors[name] = t;
  }
  return s;
}

double final_loss(const Outcome& o) {
  double loss, accuracy;
  INFO("stdout:\n" << o.out << "stderr:\n" << o.err);
  REQUIRE(o.status == 0);
  REQUIRE(test::final_line(o, loss, accuracy));
  return loss;
}

}  // namespace

TEST_CASE("iris_hinge --save-weights writes the final weights, and --load-weights starts a run from them") {
  const std::string first = scratch("iris_weights.safetensors"), second = scratch("iris_weights_again.safetensors");
  const double trained = final_loss(run_example("iris_hinge", "--epochs 6 --threads 2 --save-weights " + first));
  const Saved saved = read_weights(first);
  REQUIRE(saved.names == std::vector<std::string>{"weight", "bias"});  // nn::Linear's, as torch.nn.Linear's
  REQUIRE(saved.tensors.at("weight").sizes() == Shape{3, 4});
  REQUIRE(saved.tensors.at("bias").sizes() == Shape{3});
  REQUIRE(saved.metadata.at("program") == "iris_hinge");
  REQUIRE(saved.metadata.at("epoch") == "6");
  REQUIRE(std::abs(std::stod(saved.metadata.at("test_loss")) - trained) < 1e-5);

  // One epoch at a vanishing learning rate leaves the weights where they start: from the file,
  // the test loss is the saved run's; from a fresh initialization it is not.
  const std::string still = "--epochs 1 --threads 2 --optimizer sgd --lr 1e-12";
  const Outcome loaded = run_example("iris_hinge", still + " --load-weights " + first + " --save-weights " + second);
  REQUIRE(loaded.out.find("loaded weights from " + first) != std::string::npos);
  REQUIRE(std::abs(final_loss(loaded) - trained) < 1e-5);
  const Saved again = read_weights(second);
  for (const std::string name : {"weight", "bias"}) {
    INFO(name);
    REQUIRE((again.tensors.at(name) - saved.tensors.at(name)).abs().max().item<float>() < 1e-9);
  }
  REQUIRE(std::abs(final_loss(run_example("iris_hinge", still)) - trained) > 0.05);
}

TEST_CASE("mnist_cnn --save-weights names LeNet-5's layers as torch's nn.Sequential does") {
  const std::string dir = scratch("mnist_weights");
  test::write_mnist_folder(dir, 64, 20);
  const std::string path = scratch("lenet5.safetensors");
  final_loss(run_example("mnist_cnn", "--data " + dir + " --model lenet5 --epochs 1 --threads 2 --save-weights " + path));
  const Saved saved = read_weights(path);
  // Conv, ReLU, MaxPool, Conv, ReLU, MaxPool, Flatten, Linear, ReLU, Linear, ReLU, Linear.
  REQUIRE(saved.names == std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias",
                                                  "9.weight", "9.bias", "11.weight", "11.bias"});
  REQUIRE(saved.tensors.at("0.weight").sizes() == Shape{6, 1, 5, 5});
  REQUIRE(saved.tensors.at("7.weight").sizes() == Shape{120, 400});
  REQUIRE(saved.metadata.at("program") == "mnist_cnn lenet5");
  // The other model refuses them, listing what differs, before it trains.
  const Outcome o = run_example("mnist_cnn", "--data " + dir + " --model small --epochs 1 --load-weights " + path);
  require_usage_error(o, "mnist_cnn",
                      {"safetensors file " + path + " does not fit the model (", "nothing was loaded",
                       "tensor '0.weight' is float32 [6, 1, 5, 5] in the file but float32 [32, 1, 3, 3] in the model"});
  REQUIRE(o.out.find("epoch 1/1") == std::string::npos);
}

TEST_CASE("a --load-weights file that is absent or damaged, or given with --resume: one line on stderr, exit status 2") {
  const std::string path = scratch("iris_for_errors.safetensors");
  REQUIRE(run_example("iris_hinge", "--epochs 1 --save-weights " + path).status == 0);
  require_usage_error(run_example("iris_hinge", "--load-weights " + scratch("absent.safetensors")), "iris_hinge",
                      "safetensors file " + scratch("absent.safetensors") + ": cannot open the file");
  std::string bytes = test::slurp(path);
  bytes.resize(bytes.size() - 5);
  std::ofstream(scratch("cut.safetensors"), std::ios::binary) << bytes;
  require_usage_error(run_example("iris_hinge", "--load-weights " + scratch("cut.safetensors")), "iris_hinge",
                      {"safetensors file " + scratch("cut.safetensors") + ": ", "is the file truncated?"});
  require_usage_error(run_example("iris_hinge", "--load-weights " + path + " --resume " + path), "iris_hinge",
                      "--load-weights cannot be combined with --resume");
  require_usage_error(run_example("iris_hinge", "--save-weights"), "iris_hinge", "missing value for --save-weights");
}
