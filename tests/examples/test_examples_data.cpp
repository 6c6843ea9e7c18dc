// The image examples on the real datasets of DESCENT_DATA_DIR (built only where mnist/ is there):
// short runs (--limit-train, one epoch) that must clear a floor far above chance, determinism
// (same seed and threads, same metrics), and exact resumption from FILE.epochN. A test whose
// data is absent (Fashion-MNIST's Debian package, the cifar10 folder) reports itself skipped.
// The floors are a few points under what these exact commands measured at --threads 2; the
// full-length accuracies are in the README's table.
#include "programs.h"

using test::Outcome;
using test::run_example;
using test::scratch;

namespace {

const std::string kMnist = " --data " + std::string(DESCENT_DATA_DIR) + "/mnist";
const std::string kCifar = std::string(DESCENT_DATA_DIR) + "/cifar10";
const std::string kFashion = "/usr/share/datasets/fashion-mnist";

// The data a test needs, or a "skipped:" line (CTest's Skipped) and false when it is absent.
bool have(const std::string& dir, const std::string& how_to_get_it) {
  if (std::filesystem::is_directory(dir)) return true;
  test::skip(dir + " not found (" + how_to_get_it + ")");
  return false;
}

double accuracy_of(const std::string& program, const std::string& args) {
  Outcome o = run_example(program, args);
  INFO(program << ' ' << args << "\nstdout:\n" << o.out << "stderr:\n" << o.err);
  REQUIRE(o.status == 0);
  return test::final_accuracy(o);
}

}  // namespace

TEST_CASE("mnist_mlp on 3000 MNIST digits for one epoch passes 85%") {
  REQUIRE(accuracy_of("mnist_mlp", kMnist + " --limit-train 3000 --epochs 1 --threads 2") >= 0.85);
}

TEST_CASE("mnist_cnn LeNet-5 on 3000 MNIST digits for one epoch passes 75%") {
  REQUIRE(accuracy_of("mnist_cnn", kMnist + " --model lenet5 --limit-train 3000 --epochs 1 --threads 2") >= 0.75);
}

TEST_CASE("mnist_cnn's small CNN on 2000 MNIST digits for one epoch passes 85%") {
  REQUIRE(accuracy_of("mnist_cnn", kMnist + " --limit-train 2000 --epochs 1 --threads 2") >= 0.85);
}

TEST_CASE("mnist_mlp on its default data, Fashion-MNIST, when Debian's package is installed") {
  if (!have(kFashion, "apt-get install dataset-fashion-mnist")) return;
  REQUIRE(accuracy_of("mnist_mlp", "--limit-train 3000 --epochs 1 --threads 2") >= 0.7);
}

TEST_CASE("cifar_cnn on 2000 CIFAR-10 images from the image folders for one epoch beats chance clearly") {
  // Adam on small batches: the default (SGD with Nesterov momentum under a one-cycle schedule)
  // needs more than 16 steps to get going.
  if (!have(kCifar, "CIFAR-10's image folders, see ../shared/data/README.md")) return;
  const std::string args = " --limit-train 2000 --epochs 1 --batch-size 32 --optimizer adam --threads 2";
  REQUIRE(accuracy_of("cifar_cnn", "--data " + kCifar + args) >= 0.22);
}

TEST_CASE("mnist_cnn LeNet-5: identical metrics with the same seed, and exact resumption from FILE.epoch2") {
  test::require_deterministic_and_resumable("mnist_cnn", kMnist + " --model lenet5 --limit-train 3000 --threads 2", 4, 2);
}

TEST_CASE("mnist_cnn's small CNN with dropout resumes exactly: the generator is part of the state") {
  test::require_deterministic_and_resumable("mnist_cnn", kMnist + " --limit-train 640 --scheduler onecycle --threads 2", 3, 1);
}

TEST_CASE("mnist_mlp: identical metrics with the same seed, and exact resumption from FILE.epoch2") {
  test::require_deterministic_and_resumable("mnist_mlp", kMnist + " --limit-train 2000 --threads 2", 4, 2);
}
