// The example programs end to end, on what needs no downloaded data: linear_regression
// (synthetic data) and iris_hinge (its bundled CSV) train to their acceptance marks, every
// optimizer and schedule of the flag table runs, checkpoints resume exactly, and every kind of
// bad input (an unknown flag, a bad value, a missing or malformed data folder, a corrupt IDX
// file, a checkpoint of another run) ends with one line on stderr and exit status 2.
// The image programs on dataset files the tests write are in test_image_programs.cpp, on the
// real MNIST and CIFAR-10 in test_examples_data.cpp.
#include <regex>

#include "programs.h"

using test::Outcome;
using test::require_usage_error;
using test::run_example;
using test::scratch;

namespace {

const std::string kIris = std::string(DESCENT_SOURCE_DIR) + "/examples/data/iris.csv";

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

}  // namespace

TEST_CASE("linear_regression: batch, stochastic and mini-batch GD all end within 1e-3 of the closed form") {
  Outcome o = run_example("linear_regression", "--threads 2 --metrics " + scratch("lr.csv"));
  INFO("stdout:\n" << o.out << "stderr:\n" << o.err);
  REQUIRE(o.status == 0);
  static const std::regex distance(R"((\w+) +distance to the closed form .* = (\S+))");
  std::vector<std::string> variants;
  for (const auto& line : o.out_lines()) {
    std::smatch m;
    if (!std::regex_match(line, m, distance)) continue;
    INFO(line);
    variants.push_back(m[1].str());
    REQUIRE(std::stod(m[2].str()) < 1e-3);
  }
  REQUIRE(variants == std::vector<std::string>{"batch", "sgd", "minibatch"});
  double loss, accuracy;
  REQUIRE(test::final_line(o, loss, accuracy));
  REQUIRE(loss < 0.02);  // the noise's variance is 0.01
  REQUIRE(std::isnan(accuracy));
  // one metrics file per variant, regression rows with empty accuracy columns
  for (const auto& v : variants) {
    auto rows = test::Outcome::lines(test::slurp(scratch("lr." + v + ".csv")));
    REQUIRE(rows.size() == 51);
    REQUIRE(rows[0] == "epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds");
    REQUIRE(std::regex_match(rows[50], std::regex(R"(50,[^,]+,,[^,]+,,[^,]+,[^,]+)")));
  }
}

TEST_CASE("linear_regression runs one variant and refuses the flags that do not apply to it") {
  Outcome o = run_example("linear_regression", "--variant sgd --epochs 5 --metrics " + scratch("sgd.csv"));
  REQUIRE(o.status == 0);
  REQUIRE(test::Outcome::lines(test::slurp(scratch("sgd.csv"))).size() == 6);
  require_usage_error(run_example("linear_regression", "--optimizer adam"), "linear_regression",
                      "--optimizer does not apply");
  require_usage_error(run_example("linear_regression", "--variant newton"), "linear_regression", "--variant");
  require_usage_error(run_example("linear_regression", "--batch-size 5000"), "linear_regression", "--batch-size");
}

TEST_CASE("iris_hinge reaches 90% test accuracy on its bundled CSV and draws its metrics") {
  const std::string png = scratch("iris.png");
  Outcome o = run_example("iris_hinge", "--threads 2 --plot " + png);
  REQUIRE(o.status == 0);
  REQUIRE(test::final_accuracy(o) >= 0.9);
  REQUIRE(test::slurp(png).substr(0, 8) == "\x89PNG\r\n\x1a\n");
}

TEST_CASE("iris_hinge reads the CSV given by --data and refuses a malformed one") {
  const std::string copy = scratch("iris_copy.csv");
  write_file(copy, test::slurp(kIris));
  Outcome same = run_example("iris_hinge", "--data " + copy), bundled = run_example("iris_hinge", "");
  REQUIRE(same.status == 0);
  REQUIRE(same.out_lines().back() == bundled.out_lines().back());

  std::string text = test::slurp(kIris);
  text.replace(text.find("4.9,3.0"), 7, "4.9;x.0");  // line 3
  const std::string bad = scratch("iris_bad.csv");
  write_file(bad, text);
  require_usage_error(run_example("iris_hinge", "--data " + bad), "iris_hinge", bad + ":3:");
  require_usage_error(run_example("iris_hinge", "--data " + scratch("missing.csv")), "iris_hinge", "missing.csv");
}

TEST_CASE("every optimizer and every schedule of the flag table trains iris_hinge") {
  for (const char* optimizer : {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw",
                                "nadam", "adamax"}) {
    // lr 0.05 for all but Adadelta, whose lr only scales its own step size (default 1)
    const std::string lr = std::string(optimizer) == "adadelta" ? "" : " --lr 0.05";
    Outcome o = run_example("iris_hinge", std::string("--epochs 20 --optimizer ") + optimizer + lr);
    INFO(optimizer << "\n" << o.out << o.err);
    REQUIRE(o.status == 0);
    REQUIRE(test::final_accuracy(o) >= 0.8);
  }
  for (const char* scheduler : {"none", "step", "multistep", "exponential", "inverse_time", "cosine", "warm_restarts",
                                "cyclic", "onecycle", "plateau"}) {
    const std::string warmup = std::string(scheduler) == "plateau" ? "" : " --warmup 2";
    Outcome o = run_example("iris_hinge", std::string("--epochs 20 --scheduler ") + scheduler + warmup);
    INFO(scheduler << "\n" << o.out << o.err);
    REQUIRE(o.status == 0);
    REQUIRE(test::final_accuracy(o) >= 0.7);
  }
}

TEST_CASE("iris_hinge resumed from FILE.epoch3 repeats the uninterrupted run's later epochs exactly") {
  // Cyclic lr and early stopping: every piece of the training state has something to carry.
  const std::string flags = " --epochs 8 --optimizer adam --lr 0.05 --scheduler cyclic --early-stopping 20 --threads 2";
  const std::string ckpt = scratch("iris.ckpt");
  REQUIRE(run_example("iris_hinge", flags + " --checkpoint " + ckpt + " --metrics " + scratch("straight.csv")).status == 0);
  for (int e = 1; e <= 8; ++e) REQUIRE(std::filesystem::exists(ckpt + ".epoch" + std::to_string(e)));
  Outcome resumed = run_example("iris_hinge", flags + " --resume " + ckpt + ".epoch3 --metrics " + scratch("resumed.csv"));
  INFO(resumed.out << resumed.err);
  REQUIRE(resumed.status == 0);
  REQUIRE(resumed.out.find("epoch 3/8") == std::string::npos);  // epochs 1-3 are not run again
  auto straight = test::csv_without_seconds(scratch("straight.csv"));
  auto again = test::csv_without_seconds(scratch("resumed.csv"));
  REQUIRE(straight.size() == 9);
  REQUIRE(again == straight);
}

TEST_CASE("with early stopping the final line reports the best epoch, whose weights are kept") {
  // A large constant lr makes the test loss wander, so the best epoch is not the last.
  const std::string csv = scratch("early.csv");
  Outcome o = run_example("iris_hinge", "--epochs 30 --optimizer sgd --lr 2 --early-stopping 5 --metrics " + csv);
  REQUIRE(o.status == 0);
  double loss, accuracy;
  REQUIRE(test::final_line(o, loss, accuracy));
  std::vector<double> test_losses;
  auto rows = test::Outcome::lines(test::slurp(csv));
  for (size_t i = 1; i < rows.size(); ++i) {
    std::stringstream row(rows[i]);
    std::string cell;
    for (int k = 0; k < 4; ++k) std::getline(row, cell, ',');
    test_losses.push_back(std::stod(cell));
  }
  const double best = *std::min_element(test_losses.begin(), test_losses.end());
  INFO(o.out);
  REQUIRE(o.out.find("early stopping:") != std::string::npos);
  REQUIRE(test_losses.size() < 30);      // it stopped early
  REQUIRE(test_losses.back() > best);    // so the last epoch is not the one to report
  REQUIRE(loss == Approx(best).epsilon(1e-5));
}

TEST_CASE("bad flags: one line on stderr naming the problem, exit status 2") {
  for (const char* program : {"iris_hinge", "mnist_mlp", "mnist_cnn", "cifar_cnn", "linear_regression"}) {
    INFO(program);
    require_usage_error(run_example(program, "--bogus 1"), program, "unknown flag --bogus");
    require_usage_error(run_example(program, "--epochs zero"), program, "'zero' for --epochs");
    require_usage_error(run_example(program, "--epochs 0"), program, "--epochs");
    require_usage_error(run_example(program, "--seed -3"), program, "--seed");
    require_usage_error(run_example(program, "--lr -0.1"), program, "--lr");
    require_usage_error(run_example(program, "--epochs"), program, "missing value for --epochs");
    require_usage_error(run_example(program, "stray"), program, "unexpected argument 'stray'");
  }
  require_usage_error(run_example("mnist_cnn", "--model resnet"), "mnist_cnn", "'resnet' for --model");
  require_usage_error(run_example("mnist_mlp", "--optimizer lion"), "mnist_mlp", "'lion' for --optimizer");
  require_usage_error(run_example("mnist_mlp", "--scheduler linear"), "mnist_mlp", "'linear' for --scheduler");
  require_usage_error(run_example("mnist_mlp", "--warmup 5 --epochs 5"), "mnist_mlp", "--warmup");
  require_usage_error(run_example("iris_hinge", "--optimizer adagrad --momentum 0.9"), "iris_hinge", "--momentum");
  require_usage_error(run_example("iris_hinge", "--scheduler plateau --warmup 1"), "iris_hinge", "--warmup");
  require_usage_error(run_example("iris_hinge", "--optimizer nesterov --momentum 0"), "iris_hinge", "esterov");
  require_usage_error(run_example("iris_hinge", "--l2 much"), "iris_hinge", "--l2");
  require_usage_error(run_example("cifar_cnn", ""), "cifar_cnn", "--data is required");
}

TEST_CASE("--help prints the usage on stdout and exits 0") {
  Outcome o = run_example("mnist_cnn", "--help");
  REQUIRE(o.status == 0);
  REQUIRE(o.err.empty());
  REQUIRE(o.out.find("usage: mnist_cnn") != std::string::npos);
  REQUIRE(o.out.find("--model small|lenet5") != std::string::npos);
  REQUIRE(o.out.find("--limit-train N") != std::string::npos);
}

TEST_CASE("a missing or malformed data folder: one line on stderr, exit status 2") {
  const std::string none = scratch("no_such_folder");
  for (const char* program : {"mnist_mlp", "mnist_cnn", "cifar_cnn"})
    require_usage_error(run_example(program, "--data " + none), program, none + ": no such folder");

  // A folder holding something else than CIFAR-10.
  std::filesystem::create_directories(scratch("not_cifar"));
  require_usage_error(run_example("cifar_cnn", "--data " + scratch("not_cifar")), "cifar_cnn", "not CIFAR-10");

  // An MNIST folder whose image file is corrupt: a label file's magic number, then a truncated one.
  const std::string dir = scratch("bad_mnist");
  std::filesystem::create_directories(dir);
  const std::string header("\x00\x00\x08\x01\x00\x00\x00\x03", 8);  // labels magic, 3 items
  write_file(dir + "/train-images-idx3-ubyte", header + "abc");
  write_file(dir + "/train-labels-idx1-ubyte", header + std::string("\x01\x02\x03", 3));
  require_usage_error(run_example("mnist_mlp", "--data " + dir), "mnist_mlp", "train-images-idx3-ubyte");
  const std::string images("\x00\x00\x08\x03\x00\x00\x00\x03\x00\x00\x00\x1c\x00\x00\x00\x1c", 16);  // 3 of 28x28
  write_file(dir + "/train-images-idx3-ubyte", images + std::string(100, '\x7f'));                 // far too short
  require_usage_error(run_example("mnist_cnn", "--data " + dir), "mnist_cnn", "train-images-idx3-ubyte");
}

TEST_CASE("resuming from a file that is not this run's training state: one line on stderr, exit status 2") {
  const std::string ckpt = scratch("short.ckpt");
  REQUIRE(run_example("iris_hinge", "--epochs 2 --checkpoint " + ckpt).status == 0);
  // other flags, other pieces: this run has a scheduler, the file has none
  require_usage_error(run_example("iris_hinge", "--epochs 4 --scheduler cosine --resume " + ckpt), "iris_hinge",
                      "[model,optimizer,loader,metrics]");
  // a damaged file
  std::string bytes = test::slurp(ckpt);
  bytes[bytes.size() / 2] ^= 0x55;
  write_file(scratch("damaged.ckpt"), bytes);
  require_usage_error(run_example("iris_hinge", "--epochs 4 --resume " + scratch("damaged.ckpt")), "iris_hinge",
                      "checksum");
  require_usage_error(run_example("iris_hinge", "--resume " + scratch("absent.ckpt")), "iris_hinge", "absent.ckpt");
}
