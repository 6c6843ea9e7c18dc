// The image programs (mnist_mlp, mnist_cnn, cifar_cnn) on small dataset folders the tests
// write (small_datasets.h), so that they run everywhere, with or without the real data:
// - every kind of bad file — a truncated, missing or foreign CIFAR-10 batch, an empty image
//   folder or class folder, an image of the wrong size, a cut-off PNG or JPEG, a missing, truncated or
//   inconsistent IDX file — ends with one line on stderr naming the file and the problem, and
//   exit status 2;
// - --momentum, --weight-decay and --clip-grad-norm reach the optimizer and the loop;
// - cifar_cnn is deterministic and resumes exactly, batch norm, augmentation and all.
// The same programs on the real MNIST and CIFAR-10 are in test_examples_data.cpp.
#include <filesystem>

#include "programs.h"
#include "small_datasets.h"

using test::Bytes;
using test::Outcome;
using test::require_usage_error;
using test::run_example;
using test::scratch;

namespace {

namespace fs = std::filesystem;

Bytes read_bytes(const std::string& path) {
  const std::string s = test::slurp(path);
  return Bytes(s.begin(), s.end());
}

// Cuts the file at `path` to `fraction` of its length.
void cut(const std::string& path, double fraction) {
  Bytes bytes = read_bytes(path);
  bytes.resize(size_t(double(bytes.size()) * fraction));
  test::write_file(path, bytes);
}

// A fresh copy of the written CIFAR-10 image folders (one image per class and split).
std::string cifar_folders(const std::string& name) {
  const std::string dir = scratch(name);
  test::write_cifar_folders(dir, 1);
  return dir;
}

// The rows of a metrics CSV, without the header, as cells.
std::vector<std::vector<std::string>> csv_cells(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  auto lines = Outcome::lines(test::slurp(path));
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> cells;
    std::stringstream row(lines[i]);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

}  // namespace

TEST_CASE("cifar_cnn on a truncated, missing or foreign binary batch: one line naming the file, status 2") {
  const std::string dir = scratch("cifar_bin_bad");
  test::write_cifar_binary(dir, 4, 4);
  const std::string batch3 = dir + "/data_batch_3.bin", batch4 = dir + "/data_batch_4.bin";

  cut(batch3, 0.9);  // 4 records of 3073 bytes, cut to 11062
  require_usage_error(run_example("cifar_cnn", "--data " + dir), "cifar_cnn",
                      {batch3, "truncated or not a CIFAR-10 batch: 11062 bytes is not a whole number of 3073-byte records"});

  test::write_file(batch3, test::cifar_batch(4, 8));
  fs::remove(batch4);
  require_usage_error(run_example("cifar_cnn", "--data " + dir), "cifar_cnn", {batch4, "missing"});

  // CIFAR-100's records have two label bytes: read as CIFAR-10, a "label" above 9 turns up.
  Bytes foreign = test::cifar_batch(2, 0);
  foreign[3073] = 57;
  test::write_file(batch4, foreign);
  require_usage_error(run_example("cifar_cnn", "--data " + dir), "cifar_cnn", {batch4, "record 1 has label 57"});

  test::write_file(batch4, test::cifar_batch(4, 12));
  fs::remove(dir + "/test_batch.bin");
  require_usage_error(run_example("cifar_cnn", "--data " + dir), "cifar_cnn", {dir + "/test_batch.bin", "missing"});
}

TEST_CASE("cifar_cnn on image folders with an empty class or a bad image: one line naming it, status 2") {
  SECTION("an empty class folder") {
    const std::string dir = cifar_folders("folders_empty_class");
    fs::remove(dir + "/train/dog/0.png");
    require_usage_error(run_example("cifar_cnn", "--data " + dir), "cifar_cnn",
                        {dir + "/train/dog", "class folder holds no images"});
  }
  SECTION("an empty train folder") {
    const std::string dir = cifar_folders("folders_empty_train");
    fs::remove_all(dir + "/train");
    fs::create_directories(dir + "/train");
    require_usage_error(run_example("cifar_cnn", "--data " + dir), "cifar_cnn", {dir + "/train", "no class folders"});
  }
  SECTION("an image of the wrong size among 32x32 ones") {
    const std::string dir = cifar_folders("folders_wrong_size");
    test::write_file(dir + "/train/frog/1.png", test::png(28, 32, 3, Bytes(28 * 32 * 3, 90)));
    require_usage_error(run_example("cifar_cnn", "--data " + dir), "cifar_cnn",
                        {dir + "/train/frog/1.png", "image is 28x32 with 3 channels", "is 32x32 with 3 channels"});
  }
  SECTION("images that all have another size than CIFAR-10's") {
    const std::string dir = scratch("folders_mnist_sized");
    for (const char* split : {"train", "test"})
      for (const std::string& name : test::cifar_classes())
        test::write_file(dir + "/" + split + "/" + name + "/0.png", test::png(28, 28, 1, Bytes(28 * 28, 30)));
    require_usage_error(run_example("cifar_cnn", "--data " + dir), "cifar_cnn",
                        {dir + "/train", "expected 10 class folders of 32x32 RGB images", "[1, 28, 28]"});
  }
  SECTION("a cut-off PNG") {
    const std::string dir = cifar_folders("folders_cut_png");
    cut(dir + "/test/ship/0.png", 0.5);
    require_usage_error(run_example("cifar_cnn", "--data " + dir), "cifar_cnn",
                        {dir + "/test/ship/0.png", "cannot decode the image"});
  }
  SECTION("a cut-off JPEG among PNGs and whole JPEGs") {
    const std::string dir = cifar_folders("folders_cut_jpeg");
    test::Noise noise(5);
    const std::string good = dir + "/train/cat/1.jpg", bad = dir + "/train/cat/2.jpg";
    test::write_file(good, test::cifar_jpeg(3, noise));
    Bytes jpeg = test::cifar_jpeg(3, noise);
    jpeg.resize(jpeg.size() * 6 / 10);  // in the middle of the compressed pixels
    test::write_file(bad, jpeg);
    require_usage_error(run_example("cifar_cnn", "--data " + dir), "cifar_cnn", {bad, "cannot decode the image"});
    // the whole JPEGs were fine: without the cut-off one the folders load and train
    fs::remove(bad);
    Outcome o = run_example("cifar_cnn", "--data " + dir + " --epochs 1 --batch-size 8");
    INFO(o.out << o.err);
    REQUIRE(o.status == 0);
    REQUIRE(o.out.find("(image folders): 11 training and 10 test images") != std::string::npos);
  }
}

TEST_CASE("mnist_mlp and mnist_cnn on a missing, truncated or inconsistent IDX file: one line naming it, status 2") {
  const std::string dir = scratch("idx_bad");
  test::write_mnist_folder(dir, 30, 20);
  const std::string labels = dir + "/t10k-labels-idx1-ubyte";

  fs::remove(labels);
  require_usage_error(run_example("mnist_mlp", "--data " + dir), "mnist_mlp",
                      {dir + ": no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz here"});

  // gzipped, then cut inside the deflate stream
  Bytes labels_idx = test::idx(0x801, {20}, Bytes(20, 3));
  test::write_file(labels + ".gz", test::gzip(labels_idx));
  cut(labels + ".gz", 0.6);
  require_usage_error(run_example("mnist_cnn", "--data " + dir), "mnist_cnn",
                      {labels + ".gz", "corrupt or truncated gzip data"});

  // 19 labels for 20 images
  fs::remove(labels + ".gz");
  test::write_file(labels, test::idx(0x801, {19}, Bytes(19, 3)));
  require_usage_error(run_example("mnist_mlp", "--data " + dir), "mnist_mlp",
                      {dir + ": t10k-images-idx3-ubyte holds 20 images but t10k-labels-idx1-ubyte holds 19 labels"});
}

TEST_CASE("mnist_mlp: --momentum, --weight-decay and --clip-grad-norm each change the run, and not when neutral") {
  const std::string dir = scratch("idx_small");
  test::write_mnist_folder(dir, 640, 200);
  int runs = 0;
  // The metrics of a 2-epoch run of plain SGD (lr 0.05, constant) with `extra` flags.
  auto metrics = [&](const std::string& extra) {
    const std::string csv = scratch("flags" + std::to_string(++runs) + ".csv");
    Outcome o = run_example("mnist_mlp", "--data " + dir + " --epochs 2 --scheduler none --lr 0.05 --threads 2 " +
                                             extra + " --metrics " + csv);
    INFO(extra << "\n" << o.out << o.err);
    REQUIRE(o.status == 0);
    return csv;
  };
  const std::string plain_csv = metrics("--optimizer sgd");
  const auto plain = test::csv_without_seconds(plain_csv);
  REQUIRE(plain.size() == 3);

  // Neutral values give the very same run: the flags are read, not ignored...
  REQUIRE(test::csv_without_seconds(metrics("--optimizer momentum --momentum 0")) == plain);  // SGD's momentum 0.9 otherwise
  REQUIRE(test::csv_without_seconds(metrics("--optimizer sgd --weight-decay 0")) == plain);
  REQUIRE(test::csv_without_seconds(metrics("--optimizer sgd --clip-grad-norm 1e9")) == plain);
  // ...and real ones change it.
  REQUIRE(test::csv_without_seconds(metrics("--optimizer momentum --momentum 0.5")) != plain);
  REQUIRE(test::csv_without_seconds(metrics("--optimizer sgd --weight-decay 0.01")) != plain);
  // Gradients clipped to norm 0.001 move the weights by at most 5e-5 a step: the loss stays near
  // ln 10 = 2.30, far above plain SGD's.
  const auto plain_rows = csv_cells(plain_csv);
  const auto clipped = csv_cells(metrics("--optimizer sgd --clip-grad-norm 0.001"));
  INFO("plain train loss " << plain_rows[1][1] << ", clipped " << clipped[1][1]);
  REQUIRE(std::stod(clipped[1][1]) > 2.2);
  REQUIRE(std::stod(plain_rows[1][1]) < 1.5);

  // All three at once: a sane run whose lr column is the constant --lr and whose final line is
  // the last epoch's test metrics.
  const std::string csv = metrics("--optimizer nesterov --momentum 0.8 --weight-decay 5e-4 --clip-grad-norm 1");
  const auto rows = csv_cells(csv);
  REQUIRE(rows.size() == 2);
  for (const auto& row : rows) REQUIRE(row[5] == "0.05");
  REQUIRE(std::stod(rows[1][4]) >= 0.9);  // test accuracy of the easy written digits
}

TEST_CASE("cifar_cnn on a written binary release: identical metrics with the same seed, exact resumption from FILE.epoch2") {
  const std::string dir = scratch("cifar_bin");
  test::write_cifar_binary(dir, 40, 100);  // 200 training and 100 test images
  // Momentum, weight decay, clipping and the default one-cycle schedule all carry state across
  // the checkpoint, and so do batch norm's running statistics and the random crops and flips.
  test::require_deterministic_and_resumable(
      "cifar_cnn", "--data " + dir + " --batch-size 32 --optimizer momentum --momentum 0.8 --weight-decay 1e-3 "
                   "--clip-grad-norm 5 --lr 0.05 --threads 2", 4, 2);
}
