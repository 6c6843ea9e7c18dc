#pragma once
// The image datasets of the examples, found, checked and normalized in one place:
// MNIST-format folders (MNIST, Fashion-MNIST) for mnist_mlp and mnist_cnn, and CIFAR-10 (the
// binary release or an image folder, whichever DIR holds) for cifar_cnn. A folder that is missing
// or holds something else throws std::runtime_error naming it, which main reports in one line.
// Not a loader: the file formats are read by data/ (data/mnist.h, data/cifar10.h,
// data/image_folder.h). Read next: examples/mnist_mlp.cpp.
#include <memory>
#include <string>

#include <descent/descent.h>

namespace examples {

struct ImageData {
  std::shared_ptr<const descent::data::Dataset> train, test;
  std::string description;  // one line: what was found and how it is prepared
};

// The IDX files in `dir`, scaled to [0, 1] and normalized with the training images' own mean and
// std (0.1307/0.3081 for MNIST, 0.2860/0.3530 for Fashion-MNIST: computing them is what lets
// one program serve both). limit_train > 0 keeps the first limit_train training images.
ImageData load_mnist(const std::string& dir, int64_t limit_train);

// CIFAR-10 from `dir`: the binary release (data_batch_1.bin ... test_batch.bin, in dir or in
// dir/cifar-10-batches-bin) or one image folder per split (dir/train/<class>/*.jpg,
// dir/test/<class>/*.jpg), normalized with CIFAR-10's channel means and stds. The training set
// is augmented, as usual for CIFAR: a random 32×32 crop of the image padded by 4, then a random
// horizontal flip. The image folders' training images are taken classes in turn, so that the
// first limit_train of them hold every class alike (the binary release is mixed already).
ImageData load_cifar10(const std::string& dir, int64_t limit_train);

}  // namespace examples
