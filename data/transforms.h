#pragma once
// Transforms of one image, float32 [C, H, W] with values in [0, 1] after the dataset's uint8
// scaling: Normalize (per channel), RandomCrop (with zero padding) and RandomHorizontalFlip, as
// in torchvision.transforms. An image dataset applies its transforms in order to every example
// it produces (data/image_dataset.h: `MNIST(root).map(Normalize(0.1307, 0.3081))`).
//
// Random transforms draw only from the Generator they are handed. The loader hands example i of
// epoch e the generator example_generator(seed, e, i) (data/dataset.h), so an augmentation is a
// pure function of (seed, e, i): the same on any thread, in any batch, after a resume.
// Transforms work on raw contiguous buffers because they run on every example of every epoch;
// operator() wraps that for single tensors (tests, user code). They are not differentiable.
// Read next: data/image_dataset.h.
#include <string>
#include <vector>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace descent::data {

class Transform {
 public:
  virtual ~Transform() = default;
  virtual std::string name() const = 0;
  // The shape this transform makes of an image of `shape` ([C, H, W]); throws
  // std::invalid_argument naming the transform when it cannot take such an image.
  virtual Shape output_shape(const Shape& shape) const = 0;
  // Writes the transformed image `in` (contiguous, of `shape`) to `out` (contiguous, of
  // output_shape(shape)); `in` and `out` never overlap.
  virtual void apply(const float* in, float* out, const Shape& shape, Generator& generator) const = 0;

  // The transform of one float32 [C, H, W] tensor; a fresh tensor, `image` is left alone.
  Tensor operator()(const Tensor& image, Generator& generator) const;
  Tensor operator()(const Tensor& image) const;  // with Generator(0): for transforms that draw nothing
};

// (x - mean[c]) / std[c] for every pixel of channel c. One value applies to every channel.
class Normalize : public Transform {
 public:
  Normalize(double mean, double std);
  Normalize(std::vector<double> mean, std::vector<double> std);
  std::string name() const override { return "Normalize"; }
  Shape output_shape(const Shape& shape) const override;
  void apply(const float* in, float* out, const Shape& shape, Generator& generator) const override;

 private:
  std::vector<double> mean_, std_;
};

// Pads the image with `padding` zeros on every side, then cuts a size × size window at a random
// position (torchvision's RandomCrop(size, padding)). Draws the top row, then the left column.
class RandomCrop : public Transform {
 public:
  explicit RandomCrop(int64_t size, int64_t padding = 0);
  std::string name() const override { return "RandomCrop"; }
  Shape output_shape(const Shape& shape) const override;
  void apply(const float* in, float* out, const Shape& shape, Generator& generator) const override;

 private:
  int64_t size_, padding_;
};

// Mirrors the image left-right with probability p (one draw per image).
class RandomHorizontalFlip : public Transform {
 public:
  explicit RandomHorizontalFlip(double p = 0.5);
  std::string name() const override { return "RandomHorizontalFlip"; }
  Shape output_shape(const Shape& shape) const override;
  void apply(const float* in, float* out, const Shape& shape, Generator& generator) const override;

 private:
  double p_;
};

}  // namespace descent::data
