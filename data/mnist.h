#pragma once
// MNIST(root, train): the MNIST digits, or anything else in the same IDX files (Fashion-MNIST,
// Debian's /usr/share/datasets/fashion-mnist), as an ImageDataset of [1, 28, 28] images with
// labels 0..9 (libtorch's torch::data::datasets::MNIST).
//
// Files, in `root`: train-images-idx3-ubyte and train-labels-idx1-ubyte (train = true) or
// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain or gzipped (the name plus .gz).
// IDX: a big-endian int32 magic number 0x00000803 (images) or 0x00000801 (labels), then each
// dimension's size as a big-endian int32, then the bytes, row-major. Everything is checked
// (magic numbers, dimensions, file sizes, matching counts, labels) and a bad file throws
// std::runtime_error naming the file, the problem and a hint.
// Read next: data/image_dataset.h (what a dataset does with the images).
#include <string>

#include "data/image_dataset.h"

namespace descent::data {

class MNIST : public ImageDataset {
 public:
  explicit MNIST(const std::string& root, bool train = true);
};

}  // namespace descent::data
