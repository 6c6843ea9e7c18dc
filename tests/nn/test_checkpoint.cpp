// Module checkpoints through descent::save / descent::load: exact round trips, and every way a
// load can fail (missing file, truncated or corrupted file, another model's checkpoint) gives
// an error naming the file (and the tensor, where one is to blame) and leaves the model as it was.
// Saving is crash-safe: a save that fails midway leaves the previous checkpoint byte for byte
// and no temporary file, and concurrent saves of one path never mix their bytes.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "helpers.h"

using namespace descent;

namespace {

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

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("descent_test_nn_" + std::to_string(::getpid()) + "_" + name)).string();
}

// Every parameter and buffer as raw bytes.
std::vector<std::string> state_bytes(const nn::Module& m) {
  std::vector<std::string> out;
  auto add = [&](const nn::NamedTensors& named) {
    for (const auto& [name, t] : named) {
      Tensor c = t.contiguous();
      out.push_back(name + ":" + std::string(static_cast<const char*>(c.raw_data()), size_t(c.numel()) * c.element_size()));
    }
  };
  add(m.named_parameters());
  add(m.named_buffers());
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

// The names in path's folder that start with path's file name, other than the file itself:
// temporary files a save left behind.
std::vector<std::string> leftovers(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string base = fs::path(path).filename().string();
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(fs::path(path).parent_path())) {
    const std::string name = entry.path().filename().string();
    if (name != base && name.rfind(base, 0) == 0) out.push_back(name);
  }
  return out;
}

// A trained-looking model: BatchNorm's running statistics and counter moved away from their start.
std::shared_ptr<Net> trained_net(uint64_t seed) {
  manual_seed(seed);
  auto net = std::make_shared<Net>();
  net->forward(randn({4, 1, 4, 4}));
  return net;
}

}  // namespace

TEST_CASE("a saved model loads back bitwise, buffers included") {
  const std::string path = temp_path("roundtrip.ckpt");
  auto saved = trained_net(50);
  descent::save(saved, path);
  auto loaded = std::make_shared<Net>();
  Tensor weight = loaded->fc->weight;  // handles taken before the load stay valid
  REQUIRE(state_bytes(*loaded) != state_bytes(*saved));
  descent::load(loaded, path);
  REQUIRE(state_bytes(*loaded) == state_bytes(*saved));
  REQUIRE(weight.impl() == loaded->fc->weight.impl());
  REQUIRE(loaded->bn->num_batches_tracked.item<int64_t>() == 1);
  // the loaded model computes the same function
  saved->eval();
  loaded->eval();
  Tensor x = randn({2, 1, 4, 4});
  REQUIRE(saved->forward(x).to_vector<float>() == loaded->forward(x).to_vector<float>());
  // a derived type and its base load the same file
  nn::Module& base = *loaded;
  descent::load(base, path);
  std::remove(path.c_str());
}

TEST_CASE("several modules share one file under prefixes") {
  const std::string path = temp_path("prefixes.ckpt");
  auto a = trained_net(51), b = trained_net(52);
  serialize::OutputArchive out;
  a->save(out, "student.");
  b->save(out, "teacher.");
  out.save_to(path);
  serialize::InputArchive in;
  in.load_from(path);
  auto c = std::make_shared<Net>(), d = std::make_shared<Net>();
  c->load(in, "student.");
  d->load(in, "teacher.");
  REQUIRE(state_bytes(*c) == state_bytes(*a));
  REQUIRE(state_bytes(*d) == state_bytes(*b));
  std::remove(path.c_str());
}

TEST_CASE("a missing, truncated or corrupted checkpoint is refused with the file's name") {
  const std::string path = temp_path("damaged.ckpt");
  auto net = trained_net(53);
  descent::save(net, path);
  const std::string good = read_file(path);
  auto target = trained_net(54);
  const auto before = state_bytes(*target);

  REQUIRE_THROWS_WITH(descent::load(target, path + ".missing"),
                      "checkpoint " + path + ".missing: cannot open the file: no such file");
  // A folder given for the file (this used to surface as libstdc++'s "basic_filebuf::underflow").
  const std::string folder = temp_path("a_folder");
  std::filesystem::create_directories(folder);
  REQUIRE_THROWS_WITH(descent::load(target, folder), "checkpoint " + folder + ": is a folder, not a file");
  std::filesystem::remove_all(folder);
  // The damaged entry is named: cut the file or flip a bit inside fc.weight's values.
  const size_t at = good.find("fc.weight") + 40;
  write_file(path, good.substr(0, at));
  REQUIRE_THROWS_WITH(descent::load(target, path),
                      "checkpoint " + path + ": truncated file (it ends inside 'fc.weight')");
  std::string flipped = good;
  flipped[at] ^= 0x10;
  write_file(path, flipped);
  REQUIRE_THROWS_WITH(descent::load(target, path),
                      "checkpoint " + path + ": entry 'fc.weight' is corrupt (checksum mismatch)");
  write_file(path, "not a checkpoint at all");
  REQUIRE_THROWS_WITH(descent::load(target, path), "checkpoint " + path + ": not a descent checkpoint (bad magic number)");
  REQUIRE(state_bytes(*target) == before);
  std::remove(path.c_str());
}

TEST_CASE("another model's checkpoint is refused naming each tensor that does not fit, and nothing is loaded") {
  const std::string path = temp_path("other.ckpt");
  auto target = trained_net(55);
  const auto before = state_bytes(*target);

  descent::save(std::make_shared<Net>(/*hidden=*/5), path);  // fc is [5, 48] there, [8, 48] here
  REQUIRE_THROWS_WITH(descent::load(target, path),
                      "checkpoint " + path + " does not fit the model (2 problems; nothing was loaded): "
                      "tensor 'fc.weight' is float32 [5, 48] in the file but float32 [8, 48] in the model; "
                      "tensor 'fc.bias' is float32 [5] in the file but float32 [8] in the model");
  REQUIRE(state_bytes(*target) == before);

  nn::Sequential other(nn::Linear(48, 8));  // different names altogether
  descent::save(other, path);
  try {
    descent::load(target, path);
    FAIL("load should have thrown");
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    INFO(msg);
    REQUIRE(msg.find("checkpoint " + path + " does not fit the model (11 problems; nothing was loaded)") == 0);
    REQUIRE(msg.find("missing tensor 'conv.weight' (float32 [3, 1, 3, 3] in the model)") != std::string::npos);
    REQUIRE(msg.find("and 3 more") != std::string::npos);
  }
  REQUIRE(state_bytes(*target) == before);

  auto doubled = trained_net(56);
  doubled->to(kFloat64);
  descent::save(doubled, path);
  REQUIRE_THROWS_WITH(descent::load(target, path),
                      Catch::Contains("tensor 'conv.weight' is float64 [3, 1, 3, 3] in the file but float32 [3, 1, 3, 3] in the model"));
  REQUIRE(state_bytes(*target) == before);

  // an extra entry under the model's prefix is also a mismatch
  serialize::OutputArchive out;
  target->save(out);
  out.write("fc.scale", ones({1}));
  out.save_to(path);
  REQUIRE_THROWS_WITH(descent::load(target, path), Catch::Contains("unexpected entry 'fc.scale' (the model has no such tensor)"));
  std::remove(path.c_str());
}

TEST_CASE("a checkpoint of an unsupported format version is refused naming the file and the version") {
  const std::string path = temp_path("version.ckpt");
  descent::save(trained_net(57), path);
  std::string bytes = read_file(path);
  const uint32_t version = 7;  // the uint32 after the 8-byte magic number
  std::memcpy(bytes.data() + 8, &version, sizeof version);
  write_file(path, bytes);
  auto target = trained_net(58);
  const auto before = state_bytes(*target);
  REQUIRE_THROWS_WITH(descent::load(target, path),
                      "checkpoint " + path + ": format version 7 is not supported (expected 2)");
  REQUIRE(state_bytes(*target) == before);
  std::remove(path.c_str());
}

TEST_CASE("a save that fails midway leaves the previous checkpoint intact and no temporary file") {
  namespace fs = std::filesystem;
  const fs::path folder = temp_path("crash_folder");
  fs::create_directories(folder);
  const std::string path = (folder / "model.ckpt").string();
  descent::save(trained_net(59), path);
  const std::string previous = read_file(path);
  auto bigger = std::make_shared<Net>(/*hidden=*/64);  // a file several times larger than the limit below

  SECTION("the disk fills up while the file is written") {
    // A file size limit makes write() fail with EFBIG after the first bytes, even for root
    // (as a full disk would); SIGXFSZ, which would end the process, is ignored meanwhile.
    rlimit old_limit;
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    rlimit small = old_limit;
    small.rlim_cur = 1000;
    auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string error;
    try {
      descent::save(bigger, path);
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &old_limit);
    ::signal(SIGXFSZ, old_handler);
    REQUIRE(error == "checkpoint " + path + ": write failed: file too large (over the file size limit)");
  }
  SECTION("the path is a folder") {
    const std::string blocked = (folder / "blocked.ckpt").string();
    fs::create_directories(blocked);
    write_file(blocked + "/keep", "x");
    REQUIRE_THROWS_WITH(descent::save(bigger, blocked), "checkpoint " + blocked + ": is a folder, not a file");
    REQUIRE(fs::is_directory(blocked));
    REQUIRE(read_file(blocked + "/keep") == "x");
    REQUIRE(leftovers(blocked).empty());
  }
  SECTION("the folder does not exist: a path under a file") {
    const std::string under_file = path + "/inner.ckpt";  // path is a regular file
    REQUIRE_THROWS_WITH(descent::save(bigger, under_file),
                        Catch::StartsWith("checkpoint " + under_file + ": cannot create " + under_file + ".tmp."));
  }
  REQUIRE(read_file(path) == previous);
  REQUIRE(leftovers(path).empty());
  auto loaded = std::make_shared<Net>();
  descent::load(loaded, path);  // still a valid checkpoint of the first model
  REQUIRE(state_bytes(*loaded) == state_bytes(*trained_net(59)));
  fs::remove_all(folder);
}

TEST_CASE("concurrent saves of one path never mix: the file is always one complete checkpoint") {
  const std::string path = temp_path("concurrent.ckpt");
  auto a = trained_net(60), b = trained_net(61);
  std::vector<std::string> errors(2);
  auto save_many = [&](std::shared_ptr<Net> net, std::string& error) {
    try {
      for (int i = 0; i < 20; ++i) descent::save(net, path);
    } catch (const std::exception& e) {
      error = e.what();
    }
  };
  std::thread first(save_many, a, std::ref(errors[0])), second(save_many, b, std::ref(errors[1]));
  first.join();
  second.join();
  REQUIRE(errors[0].empty());
  REQUIRE(errors[1].empty());
  auto loaded = std::make_shared<Net>();
  descent::load(loaded, path);
  const auto got = state_bytes(*loaded);
  REQUIRE((got == state_bytes(*a) || got == state_bytes(*b)));
  REQUIRE(leftovers(path).empty());
  std::remove(path.c_str());
}
