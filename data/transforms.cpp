// Normalize, RandomCrop, RandomHorizontalFlip on contiguous float32 [C, H, W] buffers.
// Each loop is over one image (a few thousand floats), so none is parallel: the loader runs
// images in parallel instead (data/image_dataset.cpp).
#include "data/transforms.h"

#include <algorithm>
#include <cstring>

#include "tensor/check.h"
#include "tensor/factory.h"

namespace descent::data {
namespace {

void check_image(const std::string& name, const Shape& shape) {
  CHECK(shape.size() == 3 && shape[0] > 0 && shape[1] > 0 && shape[2] > 0, name,
        ": expected an image [C, H, W], got shape ", shape_str(Dims(shape)));
}

}  // namespace

Tensor Transform::operator()(const Tensor& image, Generator& generator) const {
  CHECK(image.defined() && image.dtype() == kFloat32, name(), ": expected a float32 image, got ",
        image.defined() ? dtype_name(image.dtype()) : "an undefined tensor");
  const Shape in_shape = image.sizes();
  Tensor in = image.detach().contiguous();
  Tensor out = descent::empty(output_shape(in_shape));
  apply(in.data_ptr<float>(), out.data_ptr<float>(), in_shape, generator);
  return out;
}

Tensor Transform::operator()(const Tensor& image) const {
  Generator generator(0);
  return (*this)(image, generator);
}

// ---- Normalize ---------------------------------------------------------------------------------

Normalize::Normalize(double mean, double std) : Normalize(std::vector<double>{mean}, std::vector<double>{std}) {}

Normalize::Normalize(std::vector<double> mean, std::vector<double> std) : mean_(std::move(mean)), std_(std::move(std)) {
  CHECK(!mean_.empty() && mean_.size() == std_.size(), "Normalize: expected as many means as stds (at least one), got ",
        mean_.size(), " and ", std_.size());
  for (double s : std_) CHECK(s > 0, "Normalize: every std must be > 0, got ", s);
}

Shape Normalize::output_shape(const Shape& shape) const {
  check_image(name(), shape);
  CHECK(mean_.size() == 1 || int64_t(mean_.size()) == shape[0], "Normalize: has ", mean_.size(),
        " channel means but the image ", shape_str(Dims(shape)), " has ", shape[0], " channels");
  return shape;
}

void Normalize::apply(const float* in, float* out, const Shape& shape, Generator&) const {
  const int64_t C = shape[0], plane = shape[1] * shape[2];
  for (int64_t c = 0; c < C; ++c) {
    // (x - m) / s as one multiply-add per pixel: x·(1/s) + (-m/s).
    const size_t k = mean_.size() == 1 ? 0 : size_t(c);
    const float scale = float(1.0 / std_[k]), shift = float(-mean_[k] / std_[k]);
    const float* src = in + c * plane;
    float* dst = out + c * plane;
    for (int64_t i = 0; i < plane; ++i) dst[i] = src[i] * scale + shift;
  }
}

// ---- RandomCrop --------------------------------------------------------------------------------

RandomCrop::RandomCrop(int64_t size, int64_t padding) : size_(size), padding_(padding) {
  CHECK(size > 0, "RandomCrop: size must be > 0, got ", size);
  CHECK(padding >= 0, "RandomCrop: padding must be >= 0, got ", padding);
}

Shape RandomCrop::output_shape(const Shape& shape) const {
  check_image(name(), shape);
  CHECK(size_ <= shape[1] + 2 * padding_ && size_ <= shape[2] + 2 * padding_, "RandomCrop: a ", size_, "x", size_,
        " crop does not fit an image ", shape_str(Dims(shape)), " padded by ", padding_);
  return {shape[0], size_, size_};
}

void RandomCrop::apply(const float* in, float* out, const Shape& shape, Generator& generator) const {
  const int64_t C = shape[0], H = shape[1], W = shape[2];
  // The window's corner in padded coordinates, then in the image's (may be negative).
  const int64_t top = generator.next_below(H + 2 * padding_ - size_ + 1) - padding_;
  const int64_t left = generator.next_below(W + 2 * padding_ - size_ + 1) - padding_;
  // Columns of the window that fall inside the image: [x0, x1) in window coordinates.
  const int64_t x0 = std::clamp<int64_t>(-left, 0, size_), x1 = std::clamp<int64_t>(W - left, x0, size_);
  for (int64_t c = 0; c < C; ++c) {
    for (int64_t y = 0; y < size_; ++y) {
      float* row = out + (c * size_ + y) * size_;
      const int64_t sy = top + y;
      if (sy < 0 || sy >= H) {
        std::fill(row, row + size_, 0.0f);
        continue;
      }
      std::fill(row, row + x0, 0.0f);
      if (x1 > x0) std::memcpy(row + x0, in + (c * H + sy) * W + left + x0, size_t(x1 - x0) * sizeof(float));
      std::fill(row + x1, row + size_, 0.0f);
    }
  }
}

// ---- RandomHorizontalFlip ----------------------------------------------------------------------

RandomHorizontalFlip::RandomHorizontalFlip(double p) : p_(p) {
  CHECK(p >= 0 && p <= 1, "RandomHorizontalFlip: p must be in [0, 1], got ", p);
}

Shape RandomHorizontalFlip::output_shape(const Shape& shape) const {
  check_image(name(), shape);
  return shape;
}

void RandomHorizontalFlip::apply(const float* in, float* out, const Shape& shape, Generator& generator) const {
  const int64_t rows = shape[0] * shape[1], W = shape[2];
  const bool flip = generator.next_double() < p_;
  if (!flip) {
    std::memcpy(out, in, size_t(rows * W) * sizeof(float));
    return;
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t x = 0; x < W; ++x) out[r * W + x] = in[r * W + W - 1 - x];
}

}  // namespace descent::data
