#pragma once
// CIFAR10(root, train): CIFAR-10's binary release as an ImageDataset of [3, 32, 32] RGB images,
// labels 0..9 in the standard order (airplane automobile bird cat deer dog frog horse ship
// truck), like torchvision's CIFAR10 and libtorch's examples.
//
// Files: data_batch_1.bin ... data_batch_5.bin (train = true) or test_batch.bin, in `root` or in
// root/cifar-10-batches-bin (where cifar-10-binary.tar.gz unpacks). Each file is a run of
// 3073-byte records: one label byte, then 1024 bytes of red, 1024 of green, 1024 of blue, each
// plane 32x32 row-major; the release has 10,000 records per file, but any whole number of
// records is accepted. Missing files, sizes that are not whole records and labels above 9
// throw std::runtime_error naming the file. For CIFAR-10 as image files use ImageFolder.
// Read next: data/image_dataset.h.
#include <string>

#include "data/image_dataset.h"

namespace descent::data {

class CIFAR10 : public ImageDataset {
 public:
  explicit CIFAR10(const std::string& root, bool train = true);
};

}  // namespace descent::data
