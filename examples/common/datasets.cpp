// Finding and preparing the examples' image datasets (see datasets.h).
#include "common/datasets.h"

#include <cmath>
#include <filesystem>
#include <stdexcept>

namespace examples {

using namespace descent;
namespace fs = std::filesystem;

namespace {

void require_folder(const std::string& dir) {
  if (!fs::is_directory(dir)) throw std::runtime_error("--data " + dir + ": no such folder");
}

std::shared_ptr<const data::Dataset> limited(std::shared_ptr<const data::Dataset> set, int64_t limit) {
  if (limit <= 0 || limit >= set->size()) return set;
  return std::make_shared<data::Subset>(std::move(set), limit);
}

// Mean and standard deviation of every pixel of every image, in [0, 1] units.
std::pair<double, double> pixel_stats(const data::ImageDataset& images) {
  const int64_t per_image = images.image_shape()[0] * images.image_shape()[1] * images.image_shape()[2];
  double sum = 0, sum_sq = 0;
  for (int64_t i = 0; i < images.size(); ++i) {
    const uint8_t* p = images.pixels(i);
    int64_t s = 0, s2 = 0;  // exact per image: at most 784 · 255² fits easily
    for (int64_t k = 0; k < per_image; ++k) s += p[k], s2 += int64_t(p[k]) * p[k];
    sum += double(s), sum_sq += double(s2);
  }
  const double n = double(per_image) * double(images.size());
  const double mean = sum / n;
  return {mean / 255.0, std::sqrt(std::max(sum_sq / n - mean * mean, 0.0)) / 255.0};
}

// The examples of `images` reordered class by class in turn (class 0's first, class 1's first,
// ..., class 0's second, ...): an image folder lists whole classes one after another, so without
// this the first N (--limit-train) would all be airplanes. The loader shuffles anyway.
std::shared_ptr<const data::Dataset> interleaved(std::shared_ptr<const data::ImageDataset> images) {
  std::vector<std::vector<int64_t>> by_class(size_t(images->num_classes()));
  for (int64_t i = 0; i < images->size(); ++i) by_class[size_t(images->labels()[size_t(i)])].push_back(i);
  std::vector<int64_t> order;
  for (size_t k = 0; order.size() < size_t(images->size()); ++k)
    for (const auto& members : by_class)
      if (k < members.size()) order.push_back(members[k]);
  return std::make_shared<data::Subset>(std::move(images), std::move(order));
}

std::string counts(const data::Dataset& train, const data::Dataset& test) {
  return std::to_string(train.size()) + " training and " + std::to_string(test.size()) + " test images";
}

}  // namespace

ImageData load_mnist(const std::string& dir, int64_t limit_train) {
  require_folder(dir);
  data::MNIST train(dir, /*train=*/true), test(dir, /*train=*/false);
  auto [mean, std] = pixel_stats(train);
  ImageData out;
  out.train = limited(std::make_shared<data::ImageDataset>(train.map(data::Normalize(mean, std))), limit_train);
  out.test = std::make_shared<data::ImageDataset>(test.map(data::Normalize(mean, std)));
  char stats[64];
  std::snprintf(stats, sizeof stats, "normalized by mean %.4f, std %.4f", mean, std);
  out.description = dir + ": " + counts(*out.train, *out.test) + ", " + stats;
  return out;
}

ImageData load_cifar10(const std::string& dir, int64_t limit_train) {
  require_folder(dir);
  // Which layout does the folder hold? The binary release's files, or train/ and test/ folders.
  const bool binary = fs::exists(fs::path(dir) / "data_batch_1.bin") ||
                      fs::exists(fs::path(dir) / "cifar-10-batches-bin" / "data_batch_1.bin");
  const bool folders = fs::is_directory(fs::path(dir) / "train") && fs::is_directory(fs::path(dir) / "test");
  std::shared_ptr<data::ImageDataset> train, test;
  if (binary) {
    train = std::make_shared<data::CIFAR10>(dir, true);
    test = std::make_shared<data::CIFAR10>(dir, false);
  } else if (folders) {
    train = std::make_shared<data::ImageFolder>((fs::path(dir) / "train").string());
    test = std::make_shared<data::ImageFolder>((fs::path(dir) / "test").string());
    for (const auto& [split, set] : {std::pair{"train", train}, std::pair{"test", test}}) {
      if (set->image_shape() != Shape{3, 32, 32} || set->num_classes() != 10)
        throw std::runtime_error("--data " + dir + "/" + split + ": expected 10 class folders of 32x32 RGB images, got " +
                                 std::to_string(set->num_classes()) + " classes of [C, H, W] = " +
                                 shape_str(set->image_shape()));
    }
    if (train->classes() != test->classes())
      throw std::runtime_error("--data " + dir + ": train/ and test/ have different class folders");
  } else {
    throw std::runtime_error("--data " + dir +
                             ": not CIFAR-10 (expected the binary release, data_batch_1.bin ... test_batch.bin, "
                             "or train/ and test/ folders of images by class)");
  }
  // CIFAR-10's per-channel statistics of the training images (the values everyone uses).
  const data::Normalize normalize({0.4914, 0.4822, 0.4465}, {0.2470, 0.2435, 0.2616});
  ImageData out;
  auto augmented = std::make_shared<data::ImageDataset>(
      train->map(data::RandomCrop(32, 4)).map(data::RandomHorizontalFlip()).map(normalize));
  out.train = limited(binary ? augmented : interleaved(augmented), limit_train);
  out.test = std::make_shared<data::ImageDataset>(test->map(normalize));
  out.description = dir + (binary ? " (binary release): " : " (image folders): ") + counts(*out.train, *out.test) +
                    ", training images cropped and flipped at random";
  return out;
}

}  // namespace examples
