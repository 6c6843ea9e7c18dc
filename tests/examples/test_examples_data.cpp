// The image examples on the real datasets of DESCENT_DATA_DIR (built only where mnist/ is there):
// short runs (--limit-train, one epoch) that must clear a floor far above chance, determinism
// (same seed and threads, same metrics), and exact resumption from FILE.epochN.
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

double accuracy_of(const std::string& program, const std::string& args) {
  Outcome o = run_example(program, args);
  INFO(program << ' ' << args << "\nstdout:\n" << o.out << "stderr:\n" << o.err);
  REQUIRE(o.status == 0);
  return test::final_accuracy(o);
}

// Runs `program` for `epochs` epochs straight (with checkpoints) and again from FILE.epoch<from>,
// and twice more straight without them; all four metrics files must agree but for the seconds.
void require_deterministic_and_resumable(const std::string& program, const std::string& args, int epochs, int from) {
  const std::string tag = program + std::to_string(epochs);
  const std::string ckpt = scratch(tag + ".ckpt"), run1 = scratch(tag + "_1.csv"), run2 = scratch(tag + "_2.csv");
  const std::string resumed = scratch(tag + "_resumed.csv");
  const std::string common = args + " --epochs " + std::to_string(epochs);
  REQUIRE(run_example(program, common + " --checkpoint " + ckpt + " --metrics " + run1).status == 0);
  REQUIRE(run_example(program, common + " --metrics " + run2).status == 0);
  Outcome o = run_example(program, common + " --resume " + ckpt + ".epoch" + std::to_string(from) + " --metrics " + resumed);
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  REQUIRE(o.out.find("resumed from") != std::string::npos);

  auto a = test::csv_without_seconds(run1), b = test::csv_without_seconds(run2), c = test::csv_without_seconds(resumed);
  REQUIRE(a.size() == size_t(epochs) + 1);
  REQUIRE(b == a);  // same seed, same threads: the same run
  REQUIRE(c == a);  // the resumed run repeats the uninterrupted one's later epochs
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
  if (!std::filesystem::exists(kFashion)) {
    WARN("Fashion-MNIST not installed at " << kFashion << " (apt-get install dataset-fashion-mnist); skipped");
    return;
  }
  REQUIRE(accuracy_of("mnist_mlp", "--limit-train 3000 --epochs 1 --threads 2") >= 0.7);
}

TEST_CASE("cifar_cnn on 2000 CIFAR-10 images from the image folders for one epoch beats chance clearly") {
  // Adam on small batches: the default (SGD with Nesterov momentum under a one-cycle schedule)
  // needs more than 16 steps to get going.
  const std::string args = " --limit-train 2000 --epochs 1 --batch-size 32 --optimizer adam --threads 2";
  REQUIRE(accuracy_of("cifar_cnn", "--data " + kCifar + args) >= 0.22);
}

TEST_CASE("mnist_cnn LeNet-5: identical metrics with the same seed, and exact resumption from FILE.epoch2") {
  require_deterministic_and_resumable("mnist_cnn", kMnist + " --model lenet5 --limit-train 3000 --threads 2", 4, 2);
}

TEST_CASE("mnist_cnn's small CNN with dropout resumes exactly: the generator is part of the state") {
  require_deterministic_and_resumable("mnist_cnn", kMnist + " --limit-train 640 --scheduler onecycle --threads 2", 3, 1);
}
