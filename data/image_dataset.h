#pragma once
// ImageDataset: labelled images kept as uint8, channels-first ([C, H, W] each, one after the
// other), turned into float32 in [0, 1] (x / 255, torchvision's ToTensor) and passed through
// the dataset's transforms only when an example is produced. MNIST, CIFAR10 and ImageFolder are
// ImageDatasets with a constructor that reads files; anyone with uint8 images in memory can
// build one directly.
//
// uint8 keeps MNIST at 47 MB instead of 188 MB as float32, and converting a batch is a single
// pass that costs far less than a training step. get_batch writes every example straight into
// its row of the batch tensor, examples in parallel for large batches, each with its own
// Generator (data/dataset.h), so results never depend on the thread count.
// A copy is cheap: copies share the images (they are never modified).
// Read next: data/transforms.h, data/mnist.h.
#include <concepts>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/transforms.h"

namespace descent::data {

class ImageDataset : public Dataset {
 public:
  // `pixels` holds labels.size() images of `image_shape` [C, H, W]; every label is in
  // [0, classes.size()). Throws std::invalid_argument when the sizes disagree.
  ImageDataset(std::vector<uint8_t> pixels, std::vector<int64_t> labels, const Shape& image_shape,
               std::vector<std::string> classes);

  int64_t size() const override { return int64_t(images_->labels.size()); }
  // data float32 of example_shape(), target an int64 scalar (0-d) holding the label.
  Example get(int64_t index) const override;
  Example get(int64_t index, Generator& generator) const override;
  // data float32 [B] + example_shape(), target int64 [B].
  Example get_batch(std::span<const int64_t> indices, uint64_t seed, int64_t epoch) const override;

  // A copy of this dataset that applies `transform` after the transforms it already has
  // (libtorch's dataset.map(...)); the images are shared, this dataset is unchanged. Throws
  // std::invalid_argument if the transform cannot take the images as they arrive at it.
  template <class T>
    requires std::derived_from<T, Transform>
  ImageDataset map(T transform) const {
    return map(std::shared_ptr<const Transform>(std::make_shared<T>(std::move(transform))));
  }
  ImageDataset map(std::shared_ptr<const Transform> transform) const;

  const Shape& image_shape() const { return shapes_.front(); }  // as stored, [C, H, W]
  const Shape& example_shape() const { return shapes_.back(); }  // after the transforms
  const std::vector<std::string>& classes() const { return images_->classes; }
  int64_t num_classes() const { return int64_t(images_->classes.size()); }
  const std::vector<int64_t>& labels() const { return images_->labels; }
  const uint8_t* pixels(int64_t index) const;  // the stored uint8 image `index`
  const std::vector<std::shared_ptr<const Transform>>& transforms() const { return transforms_; }

 private:
  struct Images {
    std::vector<uint8_t> pixels;
    std::vector<int64_t> labels;
    std::vector<std::string> classes;
  };
  // Writes example `index`, scaled and transformed, to `out`; `a` and `b` are scratch buffers
  // of max_numel_ floats each.
  void produce(int64_t index, float* out, Generator& generator, float* a, float* b) const;

  std::shared_ptr<const Images> images_;
  std::vector<std::shared_ptr<const Transform>> transforms_;
  std::vector<Shape> shapes_;  // shapes_[k] enters transform k; shapes_.back() leaves the last
  int64_t max_numel_ = 0;      // the largest image along the way (scratch size)
};

}  // namespace descent::data
