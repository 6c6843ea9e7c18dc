// The loaders on the real datasets of DESCENT_DATA_DIR (this suite is built only where its
// mnist/ exists): MNIST's counts, first labels and pixel range, a shuffled epoch of MNIST
// batches, Fashion-MNIST from Debian's package and a few hundred CIFAR-10 JPEGs through
// ImageFolder. A test whose data is absent prints "skipped: ..." and returns, which CTest reports
// as skipped. How fast the loader is belongs to docs/data.md ("Speed"), not to a test.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "helpers.h"

using namespace descent;
namespace fs = std::filesystem;

namespace {

const std::string kData = DESCENT_DATA_DIR;

std::vector<int64_t> first_labels(const data::ImageDataset& ds, size_t n) {
  return std::vector<int64_t>(ds.labels().begin(), ds.labels().begin() + long(n));
}

std::vector<int64_t> class_counts(const data::ImageDataset& ds) {
  std::vector<int64_t> counts(size_t(ds.num_classes()));
  for (int64_t l : ds.labels()) ++counts[size_t(l)];
  return counts;
}

// The data a test needs, or a "skipped:" line (CTest's Skipped) and false when it is absent.
bool have(const std::string& path, const std::string& how_to_get_it) {
  if (fs::exists(path)) return true;
  std::cout << "skipped: " << path << " not found (" << how_to_get_it << ")" << std::endl;
  return false;
}

}  // namespace

TEST_CASE("MNIST from the gzipped IDX files: counts, first labels and pixel range") {
  data::MNIST train(kData + "/mnist", true), test_set(kData + "/mnist", false);
  REQUIRE(train.size() == 60000);
  REQUIRE(test_set.size() == 10000);
  REQUIRE(train.image_shape() == Shape{1, 28, 28});
  REQUIRE(first_labels(train, 10) == std::vector<int64_t>{5, 0, 4, 1, 9, 2, 1, 3, 1, 4});
  REQUIRE(first_labels(test_set, 10) == std::vector<int64_t>{7, 2, 1, 0, 4, 1, 4, 9, 5, 9});
  // the original's class counts (train: 5923 zeros ... 5949 nines; test: 980 zeros ...)
  REQUIRE(class_counts(train) == std::vector<int64_t>{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949});
  REQUIRE(class_counts(test_set) == std::vector<int64_t>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009});

  std::vector<int64_t> all(10000);
  for (int64_t i = 0; i < 10000; ++i) all[size_t(i)] = i;
  data::Example batch = test_set.get_batch(all, 0, 0);
  REQUIRE(batch.data.sizes() == Shape{10000, 1, 28, 28});
  REQUIRE(batch.data.min().item<float>() == 0.0f);
  REQUIRE(batch.data.max().item<float>() == 1.0f);
  const double mean = batch.data.mean().item<double>();
  REQUIRE(mean > 0.12);  // MNIST's test mean is about 0.1325
  REQUIRE(mean < 0.14);
  // the first training image is a 5: its centre row has ink, its corner none
  data::Example five = train.get(0);
  REQUIRE(five.data.select(0, 0).select(0, 0).sum().item<float>() == 0.0f);
  REQUIRE(five.data.select(0, 0).select(0, 14).sum().item<float>() > 1.0f);
}

TEST_CASE("Fashion-MNIST loads through the same reader when Debian's package is installed") {
  const std::string root = "/usr/share/datasets/fashion-mnist";
  if (!have(root, "apt-get install dataset-fashion-mnist")) return;
  data::MNIST train(root, true), test_set(root, false);
  REQUIRE(train.size() == 60000);
  REQUIRE(test_set.size() == 10000);
  REQUIRE(first_labels(train, 10) == std::vector<int64_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5});
  REQUIRE(first_labels(test_set, 10) == std::vector<int64_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7});
  REQUIRE(class_counts(train) == std::vector<int64_t>(10, 6000));
}

TEST_CASE("a few hundred CIFAR-10 JPEGs through ImageFolder: 10 classes, [3, 32, 32], labels in folder order") {
  // 30 images of each class, linked into a temporary tree so the test decodes 300 files only.
  const fs::path source = kData + "/cifar10/test";
  if (!have(source, "CIFAR-10's image folders, see ../shared/data/README.md")) return;
  const fs::path tree = fs::temp_directory_path() / ("descent-cifar-" + std::to_string(::getpid()));
  fs::remove_all(tree);
  std::vector<std::string> classes;
  for (const auto& entry : fs::directory_iterator(source)) classes.push_back(entry.path().filename().string());
  std::sort(classes.begin(), classes.end());
  for (const std::string& cls : classes) {
    fs::create_directories(tree / cls);
    for (int i = 0; i < 30; ++i) {
      char name[16];
      std::snprintf(name, sizeof name, "%04d.jpg", i);
      fs::create_symlink(source / cls / name, tree / cls / name);
    }
  }
  data::ImageFolder folder(tree.string());
  fs::remove_all(tree);

  REQUIRE(folder.classes() == std::vector<std::string>{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                                                        "horse", "ship", "truck"});
  REQUIRE(folder.size() == 300);
  REQUIRE(folder.image_shape() == Shape{3, 32, 32});
  for (int64_t i = 0; i < 300; ++i) REQUIRE(folder.labels()[size_t(i)] == i / 30);
  REQUIRE(fs::path(folder.paths()[31]).filename() == "0001.jpg");
  REQUIRE(fs::path(folder.paths()[31]).parent_path().filename() == "automobile");
  data::DataLoader loader(folder, data::DataLoaderOptions(100).shuffle(true).seed(1));
  for (auto& batch : loader) {
    REQUIRE(batch.data.sizes() == Shape{100, 3, 32, 32});
    REQUIRE(batch.data.min().item<float>() >= 0.0f);
    REQUIRE(batch.data.max().item<float>() <= 1.0f);
  }
}

TEST_CASE("one shuffled epoch of MNIST at batch 64 holds every training image once, in 938 batches") {
  data::MNIST train(kData + "/mnist", true);
  // Each image's pixel sum, in pixel units: nearly a fingerprint of the image.
  std::vector<int64_t> want(size_t(train.size())), got;
  for (int64_t i = 0; i < train.size(); ++i)
    for (int64_t k = 0; k < 28 * 28; ++k) want[size_t(i)] += train.pixels(i)[k];

  data::DataLoader loader(train, data::DataLoaderOptions(64).shuffle(true).seed(0));
  int64_t batches = 0;
  std::vector<int64_t> first_targets;
  for (auto& batch : loader) {
    ++batches;
    REQUIRE(batch.target.size(0) == (batches == 938 ? 60000 - 937 * 64 : 64));
    REQUIRE(batch.data.sizes() == Shape{batch.target.size(0), 1, 28, 28});
    for (double sum : (batch.data.sum({1, 2, 3}) * 255.0).to_vector<double>()) got.push_back(std::llround(sum));
    if (first_targets.empty()) first_targets = batch.target.to_vector<int64_t>();
  }
  REQUIRE(batches == 938);
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  REQUIRE(got == want);  // every image once
  REQUIRE(first_targets != first_labels(train, 64));  // and shuffled
}
