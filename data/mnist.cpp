// MNIST: reading and checking the IDX files (format in mnist.h).
#include "data/mnist.h"

#include <cstdio>
#include <filesystem>

#include "data/io.h"

namespace descent::data {
namespace {

namespace fs = std::filesystem;
constexpr const char* kWho = "MNIST";
constexpr uint32_t kImageMagic = 0x00000803;  // unsigned byte data, 3 dims
constexpr uint32_t kLabelMagic = 0x00000801;  // unsigned byte data, 1 dim

uint32_t big_endian_u32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

std::string hex(uint32_t v) {
  char s[16];
  std::snprintf(s, sizeof s, "0x%08x", v);
  return s;
}

// `name` or `name`.gz in root, whichever exists (plain first).
std::string find_file(const std::string& root, const std::string& name) {
  for (const std::string& candidate : {name, name + ".gz"}) {
    const fs::path path = fs::path(root) / candidate;
    if (fs::exists(path)) return path.string();
  }
  detail::fail(kWho, root, "no " + name + " or " + name +
                               ".gz here; hint: pass the folder holding the four IDX files of MNIST or "
                               "Fashion-MNIST (for example /usr/share/datasets/fashion-mnist)");
}

// An IDX file's dims after checking its magic number and that its size is exactly the header
// plus the product of the dims. `bytes` keeps the header; the data start at 4 + 4·dims.
std::vector<int64_t> read_idx_header(const std::string& path, const std::vector<uint8_t>& bytes, uint32_t magic,
                                     const char* kind) {
  const std::string is_it = std::string("; is this an IDX ") + kind + " file?";
  if (bytes.size() < 4) detail::fail(kWho, path, "file too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)" + is_it);
  const uint32_t got = big_endian_u32(bytes.data());
  if (got != magic) detail::fail(kWho, path, "bad magic number " + hex(got) + " (expected " + hex(magic) + ")" + is_it);
  const size_t ndim = magic & 0xff, header = 4 + 4 * ndim;
  if (bytes.size() < header)
    detail::fail(kWho, path, "truncated header: " + std::to_string(bytes.size()) + " bytes, the dims alone need " + std::to_string(header));
  std::vector<int64_t> dims;
  uint64_t total = 1;
  const uint64_t payload = bytes.size() - header;
  for (size_t d = 0; d < ndim; ++d) {
    const uint32_t size = big_endian_u32(bytes.data() + 4 + 4 * d);
    if (size == 0 || size > 0x7fffffff)
      detail::fail(kWho, path, "dimension " + std::to_string(d) + " has size " + std::to_string(size) + is_it);
    dims.push_back(int64_t(size));
    // Saturate just past the payload, so the product can never overflow.
    total = total > payload / size ? payload + 1 : total * size;
  }
  std::string promised = std::to_string(dims[0]);
  for (size_t d = 1; d < ndim; ++d) promised += (d == 1 ? " of " : "x") + std::to_string(dims[d]);
  if (total > payload)
    detail::fail(kWho, path, "truncated: the header promises " + promised + " but only " + std::to_string(payload) +
                                 " bytes of data follow it; try downloading the file again");
  if (total < payload)
    detail::fail(kWho, path, std::to_string(payload - total) + " bytes after the data the header promises (" + promised +
                                 "); is this an IDX " + kind + " file?");
  return dims;
}

ImageDataset read_mnist(const std::string& root, bool train) {
  if (!fs::is_directory(root))
    detail::fail(kWho, root, "no such directory; hint: pass the folder holding the IDX files (for example "
                             "/usr/share/datasets/fashion-mnist)");
  const std::string prefix = train ? "train" : "t10k";
  const std::string image_path = find_file(root, prefix + "-images-idx3-ubyte");
  const std::string label_path = find_file(root, prefix + "-labels-idx1-ubyte");

  std::vector<uint8_t> images = detail::read_maybe_gzip(kWho, image_path);
  const std::vector<int64_t> image_dims = read_idx_header(image_path, images, kImageMagic, "image");
  std::vector<uint8_t> label_bytes = detail::read_maybe_gzip(kWho, label_path);
  const std::vector<int64_t> label_dims = read_idx_header(label_path, label_bytes, kLabelMagic, "label");

  const int64_t count = image_dims[0];
  if (label_dims[0] != count)
    detail::fail(kWho, root, fs::path(image_path).filename().string() + " holds " + std::to_string(count) + " images but " +
                                 fs::path(label_path).filename().string() + " holds " + std::to_string(label_dims[0]) +
                                 " labels; hint: both files must come from the same release");
  std::vector<int64_t> labels(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    labels[size_t(i)] = label_bytes[8 + size_t(i)];
    if (labels[size_t(i)] > 9)
      detail::fail(kWho, label_path, "label " + std::to_string(labels[size_t(i)]) + " of example " + std::to_string(i) +
                                         " is outside 0..9; is this an MNIST label file?");
  }
  images.erase(images.begin(), images.begin() + 16);  // drop the header: the pixels remain
  return ImageDataset(std::move(images), std::move(labels), {1, image_dims[1], image_dims[2]},
                      {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
}

}  // namespace

MNIST::MNIST(const std::string& root, bool train) : ImageDataset(read_mnist(root, train)) {}

}  // namespace descent::data
