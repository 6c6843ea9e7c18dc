// ImageFolder: listing root/<class>/<file>, decoding every file with stb_image in parallel, and
// checking that all images agree in size and channels (rules in image_folder.h).
#include "data/image_folder.h"

#include <stb_image.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>

#include "data/io.h"
#include "tensor/parallel.h"

namespace descent::data {

struct ImageFolder::Loaded {
  ImageDataset images;
  std::vector<std::string> paths;
};

namespace {

namespace fs = std::filesystem;
constexpr const char* kWho = "ImageFolder";
constexpr const char* kExtensions = ".png, .jpg, .jpeg or .bmp";

bool is_hidden(const fs::path& p) { return p.filename().string().starts_with('.'); }

bool is_image_file(const fs::directory_entry& entry) {
  if (is_hidden(entry.path()) || !entry.is_regular_file()) return false;
  std::string ext = entry.path().extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

struct ImageSize {
  int width = 0, height = 0, channels = 0;
  bool operator==(const ImageSize&) const = default;
  std::string str() const {
    return std::to_string(width) + "x" + std::to_string(height) + " with " + std::to_string(channels) + " channel" +
           (channels == 1 ? "" : "s");
  }
};

struct StbFree {
  void operator()(stbi_uc* p) const { stbi_image_free(p); }
};

// The formats ImageFolder lists, told by their first bytes. stb_image goes by the content, not
// the name, and would otherwise run its GIF, PSD, HDR or PNM decoders on a file named .png.
bool known_format(const std::vector<uint8_t>& b) {
  static const uint8_t png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (b.size() >= 8 && std::equal(png, png + 8, b.begin())) return true;
  if (b.size() >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) return true;  // JPEG
  return b.size() >= 2 && b[0] == 'B' && b[1] == 'M';                             // BMP
}

// A decoded image at most this large (bytes): a few bytes of header can claim 65535 x 65535
// pixels, 12 GB decoded, which a dataset of same-sized images never needs.
constexpr int64_t kMaxImageBytes = int64_t(1) << 28;

// Decodes `path` in its own channel count. stb_image gives interleaved rows (H, W, C).
std::unique_ptr<stbi_uc, StbFree> decode(const std::string& path, ImageSize* size) {
  const std::vector<uint8_t> bytes = detail::read_file(kWho, path);
  if (bytes.empty()) detail::fail(kWho, path, "empty file");
  if (!known_format(bytes)) detail::fail(kWho, path, "not a PNG, JPEG or BMP file (by its first bytes)");
  if (bytes.size() > size_t(INT32_MAX)) detail::fail(kWho, path, "file too large for an image (over 2 GB)");
  if (stbi_info_from_memory(bytes.data(), int(bytes.size()), &size->width, &size->height, &size->channels) &&
      int64_t(size->width) * size->height * size->channels > kMaxImageBytes)
    detail::fail(kWho, path, "image is " + size->str() + ", larger than ImageFolder decodes (" +
                                 std::to_string(kMaxImageBytes) + " bytes per image)");
  stbi_uc* data = stbi_load_from_memory(bytes.data(), int(bytes.size()), &size->width, &size->height, &size->channels, 0);
  if (data == nullptr)
    detail::fail(kWho, path, std::string("cannot decode the image (stb_image: ") + stbi_failure_reason() +
                                 "); is it a valid PNG or JPEG file?");
  return std::unique_ptr<stbi_uc, StbFree>(data);
}

// Interleaved (H, W, C) to planar (C, H, W), the layout tensors use.
void to_planar(const stbi_uc* hwc, uint8_t* chw, const ImageSize& s) {
  const int64_t plane = int64_t(s.width) * s.height;
  for (int64_t p = 0; p < plane; ++p)
    for (int c = 0; c < s.channels; ++c) chw[c * plane + p] = hwc[p * s.channels + c];
}

}  // namespace

ImageFolder::ImageFolder(const std::string& root) : ImageFolder(load(root)) {}

ImageFolder::ImageFolder(Loaded loaded) : ImageDataset(std::move(loaded.images)), paths_(std::move(loaded.paths)) {}

ImageFolder::Loaded ImageFolder::load(const std::string& root) {
  if (!fs::is_directory(root))
    detail::fail(kWho, root, "no such directory; hint: expected root/<class>/<image>, one folder per class");

  // Classes: the sorted names of the subfolders; files: sorted within each class.
  std::vector<std::string> classes;
  for (const fs::directory_entry& entry : fs::directory_iterator(root))
    if (entry.is_directory() && !is_hidden(entry.path())) classes.push_back(entry.path().filename().string());
  std::sort(classes.begin(), classes.end());
  if (classes.empty())
    detail::fail(kWho, root, std::string("no class folders; hint: expected root/<class>/<image> (") + kExtensions +
                                 "), one folder per class");
  std::vector<std::string> paths;
  std::vector<int64_t> labels;
  for (size_t label = 0; label < classes.size(); ++label) {
    const fs::path dir = fs::path(root) / classes[label];
    std::vector<std::string> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir))
      if (is_image_file(entry)) files.push_back(entry.path().string());
    if (files.empty())
      detail::fail(kWho, dir.string(), std::string("class folder holds no images (") + kExtensions +
                                           "); hint: remove the folder or put its images in it");
    std::sort(files.begin(), files.end());
    for (std::string& f : files) {
      paths.push_back(std::move(f));
      labels.push_back(int64_t(label));
    }
  }

  // The first image fixes the size every other image must have.
  ImageSize first;
  decode(paths[0], &first);
  const int64_t numel = int64_t(first.width) * first.height * first.channels;
  std::vector<uint8_t> pixels(paths.size() * size_t(numel));
  // Decode in parallel, each file into its own slot; record errors per file and report the
  // first in file order, so the message does not depend on which thread failed first.
  std::vector<std::string> errors(paths.size());
  parallel_for(0, int64_t(paths.size()), 8, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      try {
        ImageSize size;
        auto image = decode(paths[size_t(i)], &size);
        if (!(size == first))
          detail::fail(kWho, paths[size_t(i)], "image is " + size.str() + ", but " + paths[0] + " (the first image) is " +
                                                   first.str() + "; all images must have the same size and channel "
                                                   "count (resize or convert them beforehand)");
        to_planar(image.get(), pixels.data() + size_t(i) * size_t(numel), size);
      } catch (const std::exception& e) {
        errors[size_t(i)] = e.what();
      }
    }
  });
  for (const std::string& error : errors)
    if (!error.empty()) throw std::runtime_error(error);
  return {ImageDataset(std::move(pixels), std::move(labels), {first.channels, first.height, first.width}, classes),
          std::move(paths)};
}

}  // namespace descent::data
