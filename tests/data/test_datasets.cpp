// Datasets in memory: TensorDataset, Subset, ImageDataset (scaling, map, batches) and the
// default get_batch that stacks a user dataset's examples.
#include "helpers.h"

using namespace descent;

namespace {

// Four 1x2x2 images: image i has pixels 10 i + 0..3; labels 3, 1, 0, 2.
data::ImageDataset tiny_images() {
  std::vector<uint8_t> pixels;
  for (int i = 0; i < 4; ++i)
    for (int p = 0; p < 4; ++p) pixels.push_back(uint8_t(10 * i + p));
  return data::ImageDataset(pixels, {3, 1, 0, 2}, {1, 2, 2}, {"a", "b", "c", "d"});
}

// A user dataset: example i is data [i, -i] (float64), target i % 3 (int64).
struct Pairs : data::Dataset {
  int64_t size() const override { return 5; }
  data::Example get(int64_t i) const override {
    return {tensor({double(i), double(-i)}, {2}, kFloat64), scalar_tensor(double(i % 3), kInt64)};
  }
};

}  // namespace

TEST_CASE("TensorDataset gives rows of its tensors, alone and in batches, keeping their dtypes") {
  Tensor x = arange(0.0, 12.0, 1.0).view({4, 3});
  Tensor y = tensor({0.5, 1.5, 2.5, 3.5}, {4}, kFloat64);
  data::TensorDataset ds(x, y);
  REQUIRE(ds.size() == 4);
  data::Example e = ds.get(2);
  REQUIRE(e.data.to_vector<float>() == std::vector<float>{6, 7, 8});
  REQUIRE(e.target.item<double>() == 2.5);
  std::vector<int64_t> idx = {3, 0, 3};
  data::Example b = ds.get_batch(idx, 0, 0);
  REQUIRE(b.data.sizes() == Shape{3, 3});
  REQUIRE(b.data.to_vector<float>() == std::vector<float>{9, 10, 11, 0, 1, 2, 9, 10, 11});
  REQUIRE(b.target.dtype() == kFloat64);
  REQUIRE(b.target.to_vector<double>() == std::vector<double>{3.5, 0.5, 3.5});

  REQUIRE_THROWS_WITH(data::TensorDataset(x, zeros({3})),
                      "TensorDataset: data and target must have the same number of rows, got [4, 3] and [3]");
  REQUIRE_THROWS_WITH(ds.get(4), "TensorDataset: index 4 is out of range for 4 examples");
}

TEST_CASE("TensorDataset detaches its tensors so batches never carry a graph") {
  Tensor x = randn({3, 2}).requires_grad_();
  data::TensorDataset ds(x * 2.0, arange(3));
  std::vector<int64_t> idx = {0, 1};
  REQUIRE_FALSE(ds.get_batch(idx, 0, 0).data.requires_grad());
  REQUIRE_FALSE(ds.data().requires_grad());
}

TEST_CASE("the default get_batch stacks a user dataset's examples along a new first dim") {
  Pairs ds;
  std::vector<int64_t> idx = {4, 1, 3};
  data::Example b = ds.get_batch(idx, 0, 0);
  REQUIRE(b.data.sizes() == Shape{3, 2});
  REQUIRE(b.data.dtype() == kFloat64);
  REQUIRE(b.data.to_vector<double>() == std::vector<double>{4, -4, 1, -1, 3, -3});
  REQUIRE(b.target.sizes() == Shape{3});
  REQUIRE(b.target.to_vector<int64_t>() == std::vector<int64_t>{1, 1, 0});
  std::vector<int64_t> bad = {0, 5};
  REQUIRE_THROWS_WITH(ds.get_batch(bad, 0, 0), "Dataset::get_batch: index 5 is out of range for a dataset of 5 examples");
}

TEST_CASE("the default get_batch refuses examples of different shapes, naming both") {
  struct Ragged : data::Dataset {
    int64_t size() const override { return 2; }
    data::Example get(int64_t i) const override { return {zeros({i + 1}), scalar_tensor(0, kInt64)}; }
  };
  std::vector<int64_t> idx = {0, 1};
  REQUIRE_THROWS_WITH(Ragged().get_batch(idx, 0, 0),
                      "Dataset::get_batch: example 1 has data [2] float32 but the batch's first example has [1] float32; "
                      "every example must have the same shape and dtype to be stacked");
}

TEST_CASE("Subset forwards to the examples it picks, and Subset(dataset, n) is the first n") {
  auto images = std::make_shared<data::ImageDataset>(tiny_images());
  data::Subset picked(images, std::vector<int64_t>{2, 0});
  REQUIRE(picked.size() == 2);
  REQUIRE(picked.get(0).target.item<int64_t>() == 0);
  std::vector<int64_t> idx = {1, 0, 1};
  data::Example b = picked.get_batch(idx, 0, 0);
  REQUIRE(b.target.to_vector<int64_t>() == std::vector<int64_t>{3, 0, 3});
  REQUIRE(b.data.select(0, 0).to_vector<float>() == images->get(0).data.to_vector<float>());
  REQUIRE(data::Subset(images, 3).indices() == std::vector<int64_t>{0, 1, 2});
  REQUIRE(data::Subset(images, 100).size() == 4);
  REQUIRE_THROWS_WITH(data::Subset(images, std::vector<int64_t>{4}), "Subset: index 4 is out of range for a dataset of 4 examples");
}

TEST_CASE("ImageDataset scales uint8 to [0, 1] as x / 255 and batches float32 data with int64 targets") {
  data::ImageDataset ds = tiny_images();
  REQUIRE(ds.get(2).data.to_vector<float>() == std::vector<float>{20 / 255.0f, 21 / 255.0f, 22 / 255.0f, 23 / 255.0f});
  std::vector<int64_t> idx = {3, 1};
  data::Example b = ds.get_batch(idx, 0, 0);
  REQUIRE(b.data.sizes() == Shape{2, 1, 2, 2});
  REQUIRE(b.data.dtype() == kFloat32);
  REQUIRE(b.target.dtype() == kInt64);
  REQUIRE(b.target.to_vector<int64_t>() == std::vector<int64_t>{2, 1});
  REQUIRE(b.data.to_vector<float>()[0] == 30 / 255.0f);
  REQUIRE(b.data.to_vector<float>()[7] == 13 / 255.0f);

  // every byte value maps to exactly value / 255 in float
  std::vector<uint8_t> all(256);
  for (int v = 0; v < 256; ++v) all[size_t(v)] = uint8_t(v);
  data::ImageDataset ramp(all, {0}, {1, 16, 16}, {"x"});
  std::vector<float> got = ramp.get(0).data.to_vector<float>();
  for (int v = 0; v < 256; ++v) REQUIRE(got[size_t(v)] == float(v) / 255.0f);
}

TEST_CASE("ImageDataset::map returns a transformed copy and leaves the original alone") {
  data::ImageDataset ds = tiny_images();
  data::ImageDataset normalized = ds.map(data::Normalize(0.5, 0.25));
  REQUIRE(ds.transforms().empty());
  REQUIRE(normalized.transforms().size() == 1);
  REQUIRE(normalized.get(1).data.to_vector<float>()[2] == Approx((12 / 255.0 - 0.5) / 0.25).epsilon(1e-6));
  data::ImageDataset cropped = ds.map(data::RandomCrop(1)).map(data::Normalize(0.0, 1.0));
  REQUIRE(cropped.example_shape() == Shape{1, 1, 1});
  REQUIRE(cropped.image_shape() == Shape{1, 2, 2});
  std::vector<int64_t> idx = {0, 1, 2};
  REQUIRE(cropped.get_batch(idx, 0, 0).data.sizes() == Shape{3, 1, 1, 1});
  REQUIRE_THROWS_WITH(ds.map(data::RandomCrop(3)), "RandomCrop: a 3x3 crop does not fit an image [1, 2, 2] padded by 0");
  REQUIRE_THROWS_WITH(ds.map(data::Normalize({0.5, 0.5, 0.5}, {1, 1, 1})),
                      "Normalize: has 3 channel means but the image [1, 2, 2] has 1 channels");
}

TEST_CASE("ImageDataset checks that pixels, labels and classes fit together") {
  REQUIRE_THROWS_WITH(data::ImageDataset(std::vector<uint8_t>(7), {0, 1}, {1, 2, 2}, {"a", "b"}),
                      "ImageDataset: 2 labels need 8 pixel bytes for images [1, 2, 2], got 7");
  REQUIRE_THROWS_WITH(data::ImageDataset(std::vector<uint8_t>(8), {0, 2}, {1, 2, 2}, {"a", "b"}),
                      "ImageDataset: label 2 of image 1 is outside [0, 2)");
  REQUIRE_THROWS_WITH(data::ImageDataset(std::vector<uint8_t>(8), {0, 1}, {2, 2}, {"a", "b"}),
                      "ImageDataset: expected an image shape [C, H, W] of positive sizes, got [2, 2]");
}

TEST_CASE("large image batches are the same computed serially and in parallel") {
  // 300 images of 3x32x32 with transforms: above the size where get_batch splits across threads
  std::vector<uint8_t> pixels(300 * 3072);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t((i * 2654435761u) >> 24);
  std::vector<int64_t> labels(300);
  for (int i = 0; i < 300; ++i) labels[size_t(i)] = i % 10;
  data::ImageDataset ds = data::ImageDataset(pixels, labels, {3, 32, 32}, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"})
                              .map(data::RandomCrop(32, 4))
                              .map(data::RandomHorizontalFlip())
                              .map(data::Normalize({0.4, 0.5, 0.6}, {0.2, 0.25, 0.3}));
  std::vector<int64_t> idx(300);
  for (int i = 0; i < 300; ++i) idx[size_t(i)] = (i * 7) % 300;
  set_num_threads(1);
  data::Example one = ds.get_batch(idx, 5, 2);
  set_num_threads(2);
  data::Example two = ds.get_batch(idx, 5, 2);
  REQUIRE(one.data.to_vector<float>() == two.data.to_vector<float>());
  REQUIRE(one.target.to_vector<int64_t>() == two.target.to_vector<int64_t>());
  // and each row is what get() gives that example with its generator
  Generator gen = data::example_generator(5, 2, idx[123]);
  REQUIRE(two.data.select(0, 123).to_vector<float>() == ds.get(idx[123], gen).data.to_vector<float>());
}
