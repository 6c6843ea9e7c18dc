// ImageDataset: uint8 images in, scaled and transformed float32 examples and batches out.
#include "data/image_dataset.h"

#include <algorithm>
#include <cstring>

#include "tensor/check.h"
#include "tensor/factory.h"
#include "tensor/parallel.h"

namespace descent::data {
namespace {

// x / 255 exactly as torchvision's ToTensor computes it (a division, not a multiply by 1/255,
// so the values agree bit for bit); the loop vectorizes.
void scale_to_unit(const uint8_t* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = float(in[i]) / 255.0f;
}

// Examples per parallel chunk: enough that each chunk converts about 64K floats, so small
// batches (MNIST at 64 is 50K floats) stay on one thread and never pay for a fork.
int64_t examples_per_chunk(int64_t example_numel) { return std::max<int64_t>(1, (int64_t(1) << 16) / example_numel); }

}  // namespace

ImageDataset::ImageDataset(std::vector<uint8_t> pixels, std::vector<int64_t> labels, const Shape& image_shape,
                           std::vector<std::string> classes) {
  CHECK(image_shape.size() == 3 && image_shape[0] > 0 && image_shape[1] > 0 && image_shape[2] > 0,
        "ImageDataset: expected an image shape [C, H, W] of positive sizes, got ", shape_str(Dims(image_shape)));
  CHECK(!classes.empty(), "ImageDataset: expected at least one class name");
  const int64_t numel = image_shape[0] * image_shape[1] * image_shape[2];
  CHECK(int64_t(pixels.size()) == numel * int64_t(labels.size()), "ImageDataset: ", labels.size(), " labels need ",
        numel * int64_t(labels.size()), " pixel bytes for images ", shape_str(Dims(image_shape)), ", got ", pixels.size());
  for (size_t i = 0; i < labels.size(); ++i)
    CHECK(labels[i] >= 0 && labels[i] < int64_t(classes.size()), "ImageDataset: label ", labels[i], " of image ", i,
          " is outside [0, ", classes.size(), ")");
  images_ = std::make_shared<const Images>(Images{std::move(pixels), std::move(labels), std::move(classes)});
  shapes_ = {image_shape};
  max_numel_ = numel;
}

ImageDataset ImageDataset::map(std::shared_ptr<const Transform> transform) const {
  CHECK(transform != nullptr, "ImageDataset::map: expected a transform, got a null pointer");
  ImageDataset out = *this;
  out.shapes_.push_back(transform->output_shape(shapes_.back()));  // throws if it does not fit
  out.transforms_.push_back(std::move(transform));
  out.max_numel_ = std::max(max_numel_, numel_of(Dims(out.shapes_.back())));
  return out;
}

const uint8_t* ImageDataset::pixels(int64_t index) const {
  CHECK(index >= 0 && index < size(), "ImageDataset: index ", index, " is out of range for ", size(), " examples");
  return images_->pixels.data() + size_t(index) * size_t(numel_of(Dims(image_shape())));
}

void ImageDataset::produce(int64_t index, float* out, Generator& generator, float* a, float* b) const {
  const uint8_t* src = images_->pixels.data() + size_t(index) * size_t(numel_of(Dims(image_shape())));
  if (transforms_.empty()) {
    scale_to_unit(src, out, numel_of(Dims(image_shape())));
    return;
  }
  // Scale into scratch, then run the transforms back and forth between the two scratch
  // buffers; the last one writes straight into `out`.
  scale_to_unit(src, a, numel_of(Dims(image_shape())));
  for (size_t k = 0; k < transforms_.size(); ++k) {
    float* dst = k + 1 == transforms_.size() ? out : b;
    transforms_[k]->apply(a, dst, shapes_[k], generator);
    std::swap(a, b);
  }
}

Example ImageDataset::get(int64_t index) const {
  Generator generator = example_generator(0, 0, index);
  return get(index, generator);
}

Example ImageDataset::get(int64_t index, Generator& generator) const {
  CHECK(index >= 0 && index < size(), "ImageDataset: index ", index, " is out of range for ", size(), " examples");
  Tensor data = descent::empty(example_shape());
  std::vector<float> scratch(2 * size_t(max_numel_));
  produce(index, data.data_ptr<float>(), generator, scratch.data(), scratch.data() + max_numel_);
  return {data, scalar_tensor(double(images_->labels[size_t(index)]), kInt64)};
}

Example ImageDataset::get_batch(std::span<const int64_t> indices, uint64_t seed, int64_t epoch) const {
  const int64_t B = int64_t(indices.size());
  CHECK(B > 0, "ImageDataset::get_batch: expected at least one index, got none");
  for (int64_t i : indices)
    CHECK(i >= 0 && i < size(), "ImageDataset: index ", i, " is out of range for ", size(), " examples");
  Shape batch_shape{B};
  batch_shape.insert(batch_shape.end(), example_shape().begin(), example_shape().end());
  Tensor data = descent::empty(batch_shape), target = empty({B}, kInt64);
  float* out = data.data_ptr<float>();
  int64_t* labels = target.data_ptr<int64_t>();
  const int64_t row = numel_of(Dims(example_shape()));
  // Examples are independent: each writes its own row, with its own generator.
  parallel_for(0, B, examples_per_chunk(row), [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(transforms_.empty() ? 0 : 2 * size_t(max_numel_));
    for (int64_t r = begin; r < end; ++r) {
      const int64_t index = indices[size_t(r)];
      labels[r] = images_->labels[size_t(index)];
      Generator generator = example_generator(seed, epoch, index);
      produce(index, out + r * row, generator, scratch.data(), scratch.data() + max_numel_);
    }
  });
  return {data, target};
}

}  // namespace descent::data
