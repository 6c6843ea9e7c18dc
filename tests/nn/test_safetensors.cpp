// Modules through safetensors files (nn/safetensors.h): a model's parameters and buffers round
// trip exactly; a file that does not fit the model (names, shapes, dtypes; missing or unexpected
// tensors under strict) is refused listing every problem, and nothing is loaded; saving is as
// crash-safe as checkpoints. Against PyTorch, both ways: the models of the examples (at reduced
// widths) saved by torch (tests/golden/safetensors, tools/golden_safetensors.py) give torch's
// outputs here, and the same models saved here give descent's outputs in torch (a test that
// reports itself skipped when /usr/bin/python3 with torch is absent).
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <filesystem>
#include <fstream>

#include "helpers.h"

using namespace descent;

namespace {

namespace fs = std::filesystem;

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("descent_test_nn_st_" + std::to_string(::getpid()) + "_" + name)).string();
}

std::string golden(const std::string& name) { return std::string(DESCENT_GOLDEN_DIR) + "/safetensors/" + name; }

struct Net : nn::Module {
  explicit Net(int64_t hidden = 8) {
    conv = register_module("conv", std::make_shared<nn::Conv2d>(nn::Conv2dOptions(1, 3, 3).padding(1)));
    bn = register_module("bn", std::make_shared<nn::BatchNorm2d>(3));
    fc = register_module("fc", std::make_shared<nn::Linear>(3 * 4 * 4, hidden));
  }
  Tensor forward(const Tensor& x) { return fc->forward(flatten(relu(bn->forward(conv->forward(x))), 1)); }
  std::shared_ptr<nn::Conv2d> conv;
  std::shared_ptr<nn::BatchNorm2d> bn;
  std::shared_ptr<nn::Linear> fc;
};

std::shared_ptr<Net> trained_net(uint64_t seed, int64_t hidden = 8) {
  manual_seed(seed);
  auto net = std::make_shared<Net>(hidden);
  net->forward(randn({4, 1, 4, 4}));  // moves BatchNorm's statistics and counter
  return net;
}

std::vector<std::string> state_bytes(const nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& named : {m.named_parameters(), m.named_buffers()})
    for (const auto& [name, t] : named) {
      Tensor c = t.contiguous();
      out.push_back(name + ":" + std::string(static_cast<const char*>(c.raw_data()), size_t(c.numel()) * c.element_size()));
    }
  return out;
}

// ---- The examples' models, at the reduced widths of tools/golden_safetensors.py -------------

// examples/mnist_mlp.cpp (784-512-256-10 there).
struct MLP : nn::Module {
  MLP(int64_t h1 = 16, int64_t h2 = 8) {
    fc1 = register_module("fc1", std::make_shared<nn::Linear>(784, h1));
    fc2 = register_module("fc2", std::make_shared<nn::Linear>(h1, h2));
    fc3 = register_module("fc3", std::make_shared<nn::Linear>(h2, 10));
  }
  Tensor forward(const Tensor& x) { return fc3->forward(relu(fc2->forward(relu(fc1->forward(flatten(x, 1)))))); }
  std::shared_ptr<nn::Linear> fc1, fc2, fc3;
};

// examples/mnist_cnn.cpp's small CNN (32, 64, 128 there).
std::shared_ptr<nn::Sequential> small_cnn(int64_t c1 = 3, int64_t c2 = 6, int64_t hidden = 16) {
  return std::make_shared<nn::Sequential>(
      nn::Conv2d(nn::Conv2dOptions(1, c1, 3)), nn::ReLU(), nn::Conv2d(nn::Conv2dOptions(c1, c2, 3)), nn::ReLU(),
      nn::MaxPool2d(2), nn::Dropout(0.25), nn::Flatten(), nn::Linear(c2 * 12 * 12, hidden), nn::ReLU(),
      nn::Dropout(0.5), nn::Linear(hidden, 10));
}

// examples/mnist_cnn.cpp's LeNet-5 (6, 16, 120, 84 there).
std::shared_ptr<nn::Sequential> lenet5(int64_t c1 = 3, int64_t c2 = 8, int64_t f1 = 30, int64_t f2 = 20) {
  return std::make_shared<nn::Sequential>(
      nn::Conv2d(nn::Conv2dOptions(1, c1, 5).padding(2)), nn::ReLU(), nn::MaxPool2d(2),
      nn::Conv2d(nn::Conv2dOptions(c1, c2, 5)), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
      nn::Linear(c2 * 25, f1), nn::ReLU(), nn::Linear(f1, f2), nn::ReLU(), nn::Linear(f2, 10));
}

// examples/cifar_cnn.cpp's VGG with batch norm (16, 32, 64 there).
std::shared_ptr<nn::Sequential> vgg_bn(std::vector<int64_t> widths = {4, 8, 16}) {
  auto net = std::make_shared<nn::Sequential>();
  int64_t in = 3;
  for (int64_t w : widths) {
    for (int64_t from : {in, w}) {
      net->push_back(nn::Conv2d(nn::Conv2dOptions(from, w, 3).padding(1).bias(false)));
      net->push_back(nn::BatchNorm2d(w));
      net->push_back(nn::ReLU());
    }
    net->push_back(nn::MaxPool2d(2));
    in = w;
  }
  net->push_back(nn::Flatten());
  net->push_back(nn::Linear(widths.back() * 4 * 4, 10));
  return net;
}

struct Model {
  std::string name;
  std::shared_ptr<nn::Module> module;
  std::function<Tensor(const Tensor&)> forward;
  Dtype file_dtype;  // lenet5's golden file is float64
};

std::vector<Model> models() {
  auto mlp = std::make_shared<MLP>();
  auto cnn = small_cnn(), lenet = lenet5(), vgg = vgg_bn();
  return {{"mlp", mlp, [mlp](const Tensor& x) { return mlp->forward(x); }, kFloat32},
          {"small_cnn", cnn, [cnn](const Tensor& x) { return cnn->forward(x); }, kFloat32},
          {"lenet5", lenet, [lenet](const Tensor& x) { return lenet->forward(x); }, kFloat64},
          {"vgg_bn", vgg, [vgg](const Tensor& x) { return vgg->forward(x); }, kFloat32}};
}

std::map<std::string, Tensor> as_map(const NamedTensors& named) { return {named.begin(), named.end()}; }

}  // namespace

TEST_CASE("a module saved as safetensors loads back bitwise, buffers included, into the same handles") {
  const std::string path = temp_path("roundtrip.safetensors");
  auto saved = trained_net(70);
  save_safetensors(saved, path, {{"epoch", "3"}});
  auto loaded = std::make_shared<Net>();
  Tensor weight = loaded->fc->weight;
  REQUIRE(state_bytes(*loaded) != state_bytes(*saved));
  const SafetensorsLoadResult result = load_safetensors(loaded, path);
  REQUIRE(result.missing_keys.empty());
  REQUIRE(result.unexpected_keys.empty());
  REQUIRE(state_bytes(*loaded) == state_bytes(*saved));
  REQUIRE(weight.impl() == loaded->fc->weight.impl());
  REQUIRE(loaded->bn->num_batches_tracked.item<int64_t>() == 1);
  // The file holds torch's state_dict names, parameters then buffers, and the metadata.
  SafetensorsMetadata metadata;
  const NamedTensors file = load_safetensors(path, &metadata);
  REQUIRE(metadata == SafetensorsMetadata{{"epoch", "3"}});
  std::vector<std::string> names;
  for (const auto& [name, t] : file) names.push_back(name);
  REQUIRE(names == std::vector<std::string>{"conv.weight", "conv.bias", "bn.weight", "bn.bias", "fc.weight", "fc.bias",
                                            "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"});
  // By reference too, and a float64 model in float64.
  nn::Module& base = *loaded;
  save_safetensors(base, path);
  load_safetensors(base, path);
  auto doubled = trained_net(71);
  doubled->to(kFloat64);
  save_safetensors(doubled, path);
  auto target = std::make_shared<Net>();
  target->to(kFloat64);
  load_safetensors(target, path);
  REQUIRE(state_bytes(*target) == state_bytes(*doubled));
  fs::remove(path);
}

TEST_CASE("a safetensors file that does not fit the model is refused listing every problem, and nothing is loaded") {
  const std::string path = temp_path("other.safetensors");
  auto target = trained_net(72);
  const auto before = state_bytes(*target);

  save_safetensors(trained_net(73, /*hidden=*/5), path);  // fc is [5, 48] there, [8, 48] here
  for (bool strict : {true, false}) {
    REQUIRE_THROWS_WITH(load_safetensors(target, path, strict),
                        "safetensors file " + path + " does not fit the model (2 problems; nothing was loaded): "
                        "tensor 'fc.weight' is float32 [5, 48] in the file but float32 [8, 48] in the model; "
                        "tensor 'fc.bias' is float32 [5] in the file but float32 [8] in the model");
    REQUIRE(state_bytes(*target) == before);
  }

  auto doubled = trained_net(74);
  doubled->to(kFloat64);
  save_safetensors(doubled, path);
  REQUIRE_THROWS_WITH(load_safetensors(target, path),
                      Catch::Contains("tensor 'conv.weight' is float64 [3, 1, 3, 3] in the file but float32 [3, 1, 3, 3] in the model"));
  REQUIRE(state_bytes(*target) == before);

  // Missing and unexpected tensors: refused under strict, reported and skipped without.
  NamedTensors partial = target->named_parameters();
  partial.erase(partial.begin());  // no conv.weight
  for (auto& [name, t] : partial) t = t.detach() + 1.0;
  partial.emplace_back("fc.scale", ones({1}));
  save_safetensors(partial, path);
  try {
    load_safetensors(target, path);
    FAIL("a strict load should have thrown");
  } catch (const std::runtime_error& e) {
    REQUIRE(std::string(e.what()) ==
            "safetensors file " + path + " does not fit the model (5 problems; nothing was loaded): "
            "missing tensor 'conv.weight' (float32 [3, 1, 3, 3] in the model); "
            "missing tensor 'bn.running_mean' (float32 [3] in the model); "
            "missing tensor 'bn.running_var' (float32 [3] in the model); "
            "missing tensor 'bn.num_batches_tracked' (int64 [] in the model); "
            "unexpected tensor 'fc.scale' (the model has no such tensor)");
  }
  REQUIRE(state_bytes(*target) == before);
  const SafetensorsLoadResult result = load_safetensors(target, path, /*strict=*/false);
  REQUIRE(result.missing_keys ==
          std::vector<std::string>{"conv.weight", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"});
  REQUIRE(result.unexpected_keys == std::vector<std::string>{"fc.scale"});
  REQUIRE(state_bytes(*target) != before);
  auto fresh = trained_net(72);  // the same as target was
  REQUIRE(target->conv->weight.to_vector<float>() == fresh->conv->weight.to_vector<float>());  // left alone
  REQUIRE(target->fc->bias.to_vector<float>() == (fresh->fc->bias + 1.0).to_vector<float>());  // loaded

  // float16 is read as float32: it fits a float32 model, not a float64 one.
  struct Holder : nn::Module {
    explicit Holder(Dtype d) { f16 = register_parameter("f16", zeros({8}, d)); }
    Tensor f16;
  };
  Holder as_double(kFloat64);
  REQUIRE_THROWS_WITH(load_safetensors(as_double, golden("dtypes.safetensors"), /*strict=*/false),
                      "safetensors file " + golden("dtypes.safetensors") + " does not fit the model (1 problem; nothing "
                      "was loaded): tensor 'f16' is float32 [8] (read from F16) in the file but float64 [8] in the model");
  Holder as_float(kFloat32);
  load_safetensors(as_float, golden("dtypes.safetensors"), /*strict=*/false);
  REQUIRE(as_float.f16.to_vector<float>()[0] == 1.0f);
  fs::remove(path);
}

TEST_CASE("a damaged safetensors file changes nothing in the module, even when its header fits") {
  const std::string path = temp_path("damaged.safetensors");
  struct Masked : nn::Module {
    Masked() {
      weight = register_parameter("weight", ones({3}));
      mask = register_buffer("mask", tensor({1, 0, 1}, {3}, kBool));
    }
    Tensor weight, mask;
  };
  Masked source, target;
  {
    NoGradGuard g;
    source.weight.mul_(7.0);
  }
  save_safetensors(source, path);
  // The mask's second byte becomes 2: only reading the data finds that, after the header passed.
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  bytes[bytes.size() - 2] = 2;
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  REQUIRE_THROWS_WITH(load_safetensors(target, path),
                      "safetensors file " + path + ": tensor 'mask' (BOOL) holds the byte 2 at element 1; a bool is 0 or 1");
  REQUIRE(target.weight.to_vector<float>() == std::vector<float>{1, 1, 1});  // weight was read first, not loaded
  REQUIRE_THROWS_WITH(load_safetensors(target, path + ".missing"),
                      "safetensors file " + path + ".missing: cannot open the file (No such file or directory)");
  fs::remove(path);
}

TEST_CASE("a safetensors save that fails leaves the previous file intact and no temporary file") {
  const fs::path folder = temp_path("crash_folder");
  fs::create_directories(folder);
  const std::string path = (folder / "model.safetensors").string();
  save_safetensors(trained_net(75), path);
  // The target is a folder holding a file: refused before anything is written.
  const std::string blocked = (folder / "blocked.safetensors").string();
  fs::create_directories(blocked);
  std::ofstream(blocked + "/keep") << "x";
  REQUIRE_THROWS_WITH(save_safetensors(trained_net(76), blocked),
                      Catch::Equals("safetensors file " + blocked + ": is a folder, not a file"));
  REQUIRE_THROWS_WITH(save_safetensors(trained_net(76), path + "/inner.safetensors"),
                      Catch::StartsWith("safetensors file " + path + "/inner.safetensors: cannot create " + path +
                                        "/inner.safetensors.tmp."));
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  REQUIRE(names == std::vector<std::string>{"blocked.safetensors", "model.safetensors"});
  auto loaded = std::make_shared<Net>();
  load_safetensors(loaded, path);
  REQUIRE(state_bytes(*loaded) == state_bytes(*trained_net(75)));
  fs::remove_all(folder);
}

TEST_CASE("PyTorch's saved models load into the same descent models and give torch's outputs") {
  for (Model& m : models()) {
    INFO(m.name);
    if (m.file_dtype == kFloat64) m.module->to(kFloat64);
    SafetensorsMetadata metadata;
    const std::string file = golden(m.name + ".safetensors");
    load_safetensors(file, &metadata);
    REQUIRE(metadata.at("model") == m.name);
    load_safetensors(m.module, file);  // strict: every name, shape and dtype
    // Both sides compute in float64 from the same weights, so they agree far below 1e-6.
    m.module->to(kFloat64);
    m.module->eval();
    auto io = as_map(load_safetensors(golden(m.name + ".io.safetensors")));
    NoGradGuard no_grad;
    Tensor got = m.forward(io.at("input"));
    INFO(test::mismatch_report(got, io.at("output"), 1e-6, 0));
    REQUIRE(got.sizes() == io.at("output").sizes());
    REQUIRE(test::relative_error(got, io.at("output")) <= 1e-6);
  }
}

TEST_CASE("descent's saved models load into torch and give descent's outputs") {
  if (std::system("/usr/bin/python3 -c 'import torch, numpy' > /dev/null 2>&1") != 0) {
    std::cout << "skipped: /usr/bin/python3 with torch and numpy is not installed (Debian: python3-torch)" << std::endl;
    return;
  }
  const fs::path dir = temp_path("to_torch");
  fs::create_directories(dir);
  manual_seed(77);
  for (Model& m : models()) {
    // Weights of descent's own initialization, BatchNorm statistics moved by a few batches.
    m.module->train();
    const Shape shape = m.name == "vgg_bn" ? Shape{4, 3, 32, 32} : Shape{4, 1, 28, 28};
    for (int i = 0; i < 3; ++i) m.forward(randn(shape) * 2.0 + 0.5);
    if (m.file_dtype == kFloat64) m.module->to(kFloat64);
    save_safetensors(m.module, (dir / (m.name + ".safetensors")).string(), {{"model", m.name}});
    m.module->to(kFloat64);
    m.module->eval();
    NoGradGuard no_grad;
    Shape two = shape;
    two[0] = 2;
    Tensor x = randn(two, kFloat64);
    save_safetensors({{"input", x}, {"output", m.forward(x)}}, (dir / (m.name + ".io.safetensors")).string());
  }
  const std::string log = (dir / "check.log").string();
  const int status = std::system(("/usr/bin/python3 " + std::string(DESCENT_SOURCE_DIR) +
                                  "/tools/golden_safetensors.py check " + dir.string() + " > " + log + " 2>&1").c_str());
  std::ifstream in(log);
  const std::string output{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  INFO(output);
  REQUIRE(status == 0);
  REQUIRE(output.find("vgg_bn: 38 tensors") != std::string::npos);
  fs::remove_all(dir);
}
