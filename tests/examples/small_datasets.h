#pragma once
// Small dataset folders that the example tests write themselves, in the formats the programs
// read: an MNIST-format folder (plain IDX), the CIFAR-10 binary release, and CIFAR-style image
// folders (train/<class>/*.png, test/<class>/*.png). The images are easy to tell apart (each
// class lights its own patch on faint noise), so a program learns them within an epoch or two,
// and small, so a run takes well under a second. The byte-level writers (IDX, PNG, gzip) are
// those of the loader tests, data/files.h. Everything is deterministic: the same call writes the
// same bytes.
#include <stb_image_write.h>

#include <cstdint>
#include <string>
#include <vector>

#include "data/files.h"

namespace test {

// A small, fixed pseudo-random stream (xorshift32) for the noise: no dependence on the library.
struct Noise {
  uint32_t state;
  explicit Noise(uint32_t seed) : state(seed * 2654435761u + 1) {}
  uint8_t next(int below) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return uint8_t(state % uint32_t(below));
  }
};

// A 28×28 gray "digit" of class `label`: a bright 8×5 patch at one of ten places (two rows of
// five) on noise below 40.
inline Bytes digit_like(int label, Noise& noise) {
  Bytes image(28 * 28);
  for (uint8_t& p : image) p = noise.next(40);
  const int top = 4 + 12 * (label / 5), left = 1 + 5 * (label % 5);
  for (int y = top; y < top + 8; ++y)
    for (int x = left; x < left + 5; ++x) image[size_t(y * 28 + x)] = uint8_t(200 + noise.next(56));
  return image;
}

// A 32×32 RGB image of class `label`, planar (R, G, B planes, as CIFAR-10's records): channel
// label % 3 bright in quadrant label / 3 (the tenth class uses a fourth quadrant's red).
inline Bytes cifar_like(int label, Noise& noise) {
  Bytes planes(3 * 32 * 32);
  for (uint8_t& p : planes) p = noise.next(60);
  const int channel = label % 3, quadrant = label / 3, top = 16 * (quadrant / 2), left = 16 * (quadrant % 2);
  for (int y = top; y < top + 16; ++y)
    for (int x = left; x < left + 16; ++x) planes[size_t(channel * 1024 + y * 32 + x)] = uint8_t(180 + noise.next(76));
  return planes;
}

// Planar [3, 32, 32] to the interleaved rows (H, W, C) image encoders take.
inline Bytes interleaved(const Bytes& planes) {
  Bytes hwc(planes.size());
  for (size_t p = 0; p < 1024; ++p)
    for (size_t c = 0; c < 3; ++c) hwc[p * 3 + c] = planes[c * 1024 + p];
  return hwc;
}

// train-/t10k- images and labels in `dir`, plain IDX; labels cycle 0..9.
inline void write_mnist_folder(const std::string& dir, int train, int test) {
  for (auto [prefix, count] : {std::pair{"train", train}, std::pair{"t10k", test}}) {
    Noise noise{uint32_t(count)};
    Bytes pixels, labels;
    for (int i = 0; i < count; ++i) {
      const Bytes image = digit_like(i % 10, noise);
      pixels.insert(pixels.end(), image.begin(), image.end());
      labels.push_back(uint8_t(i % 10));
    }
    write_file(dir + "/" + prefix + "-images-idx3-ubyte", idx(0x803, {uint32_t(count), 28, 28}, pixels));
    write_file(dir + "/" + prefix + "-labels-idx1-ubyte", idx(0x801, {uint32_t(count)}, labels));
  }
}

// `count` CIFAR-10 records (1 label byte + R, G, B planes); labels cycle 0..9 from `first`.
inline Bytes cifar_batch(int count, int first) {
  Noise noise{uint32_t(first + 7)};
  Bytes out;
  for (int i = 0; i < count; ++i) {
    const int label = (first + i) % 10;
    out.push_back(uint8_t(label));
    const Bytes planes = cifar_like(label, noise);
    out.insert(out.end(), planes.begin(), planes.end());
  }
  return out;
}

// The binary release in `dir`: data_batch_1.bin .. data_batch_5.bin of `per_batch` records each
// and test_batch.bin of `test` records.
inline void write_cifar_binary(const std::string& dir, int per_batch, int test) {
  for (int b = 1; b <= 5; ++b)
    write_file(dir + "/data_batch_" + std::to_string(b) + ".bin", cifar_batch(per_batch, (b - 1) * per_batch));
  write_file(dir + "/test_batch.bin", cifar_batch(test, 3));
}

inline const std::vector<std::string>& cifar_classes() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird", "cat", "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

// A 32×32 RGB PNG of class `label`.
inline Bytes cifar_png(int label, Noise& noise) { return png(32, 32, 3, interleaved(cifar_like(label, noise))); }

// The same picture as a JPEG (stb_image_write, quality 90).
inline Bytes cifar_jpeg(int label, Noise& noise) {
  Bytes out;
  const Bytes hwc = interleaved(cifar_like(label, noise));
  stbi_write_jpg_to_func([](void* context, void* data, int size) {
    auto* bytes = static_cast<Bytes*>(context);
    bytes->insert(bytes->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  }, &out, 32, 32, 3, hwc.data(), 90);
  return out;
}

// dir/train/<class>/<i>.png and dir/test/<class>/<i>.png, `per_class` images in each.
inline void write_cifar_folders(const std::string& dir, int per_class) {
  Noise noise(11);
  for (const char* split : {"train", "test"})
    for (int label = 0; label < 10; ++label)
      for (int i = 0; i < per_class; ++i)
        write_file(dir + "/" + split + "/" + cifar_classes()[size_t(label)] + "/" + std::to_string(i) + ".png",
                   cifar_png(label, noise));
}

}  // namespace test
