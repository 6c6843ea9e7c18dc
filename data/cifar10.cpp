// CIFAR10: reading and checking the binary release (format in cifar10.h).
#include "data/cifar10.h"

#include <cstring>
#include <filesystem>

#include "data/io.h"

namespace descent::data {
namespace {

namespace fs = std::filesystem;
constexpr const char* kWho = "CIFAR10";
constexpr size_t kPixels = 3 * 32 * 32;
constexpr size_t kRecord = 1 + kPixels;

ImageDataset read_cifar10(const std::string& root, bool train) {
  std::vector<std::string> names;
  if (train)
    for (int b = 1; b <= 5; ++b) names.push_back("data_batch_" + std::to_string(b) + ".bin");
  else
    names.push_back("test_batch.bin");

  // The release unpacks into cifar-10-batches-bin/; accept that folder or its parent.
  if (!fs::is_directory(root)) detail::fail(kWho, root, "no such directory; hint: pass the folder of CIFAR-10's binary release");
  fs::path dir = root;
  if (!fs::exists(dir / names[0]) && fs::exists(fs::path(root) / "cifar-10-batches-bin" / names[0]))
    dir = fs::path(root) / "cifar-10-batches-bin";

  // Check that every file is there before reading any, and size the buffers once.
  size_t total_bytes = 0;
  for (const std::string& name : names) {
    const std::string path = (dir / name).string();
    if (!fs::exists(path))
      detail::fail(kWho, path, std::string("missing; hint: the ") + (train ? "training set is data_batch_1.bin .. data_batch_5.bin" : "test set is test_batch.bin") +
                                   " from cifar-10-binary.tar.gz (for CIFAR-10 as image files use ImageFolder)");
    total_bytes += fs::is_regular_file(path) ? size_t(fs::file_size(path)) : 0;
  }
  std::vector<uint8_t> pixels;
  std::vector<int64_t> labels;
  pixels.reserve(total_bytes / kRecord * kPixels);
  labels.reserve(total_bytes / kRecord);
  for (const std::string& name : names) {
    const std::string path = (dir / name).string();
    const std::vector<uint8_t> bytes = detail::read_file(kWho, path);
    if (bytes.empty()) detail::fail(kWho, path, "empty file; try downloading the release again");
    if (bytes.size() % kRecord != 0)
      detail::fail(kWho, path, "truncated or not a CIFAR-10 batch: " + std::to_string(bytes.size()) +
                                   " bytes is not a whole number of 3073-byte records (1 label byte + 3x32x32 pixels)");
    const size_t records = bytes.size() / kRecord, first = labels.size();
    labels.resize(first + records);
    pixels.resize((first + records) * kPixels);
    for (size_t r = 0; r < records; ++r) {
      const uint8_t* record = bytes.data() + r * kRecord;
      if (record[0] > 9)
        detail::fail(kWho, path, "record " + std::to_string(r) + " has label " + std::to_string(record[0]) +
                                     ", expected 0..9; is this CIFAR-100 (two label bytes per record) or another file?");
      labels[first + r] = record[0];
      // The record's planes are already channels-first: R, G, B, each 32x32 row-major.
      std::memcpy(pixels.data() + (first + r) * kPixels, record + 1, kPixels);
    }
  }
  return ImageDataset(std::move(pixels), std::move(labels), {3, 32, 32},
                      {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"});
}

}  // namespace

CIFAR10::CIFAR10(const std::string& root, bool train) : ImageDataset(read_cifar10(root, train)) {}

}  // namespace descent::data
