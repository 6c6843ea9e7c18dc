#pragma once
// What the harnesses share: a scratch folder of this process for the files a reader insists on
// finding by name (MNIST's four IDX files, CIFAR-10's batches, an image folder's tree), in
// memory (/dev/shm) where there is one, removed at exit; and a way to cut one fuzz input in two.
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>

namespace fuzz {

inline const std::filesystem::path& scratch() {
  struct Folder {
    std::filesystem::path path;
    Folder() {
      const std::filesystem::path base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
      path = base / ("descent-fuzz-" + std::to_string(::getpid()));
      std::filesystem::remove_all(path);
      std::filesystem::create_directories(path);
    }
    ~Folder() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Folder folder;
  return folder.path;
}

// Writes `bytes` to scratch()/name (creating folders on the way) and returns the path.
inline std::string put(const std::string& name, std::string_view bytes) {
  const std::filesystem::path path = scratch() / name;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
  return path.string();
}

// One input as two files: the first 4 bytes (little-endian) give the first part's length, the
// rest of the input is cut there (a length past the end takes all of it). Seeds are written so.
inline std::pair<std::string_view, std::string_view> split(const uint8_t* data, size_t size) {
  uint32_t first = 0;
  if (size >= 4) std::memcpy(&first, data, 4);
  std::string_view rest(reinterpret_cast<const char*>(data) + std::min<size_t>(size, 4), size - std::min<size_t>(size, 4));
  const size_t cut = std::min<size_t>(first, rest.size());
  return {rest.substr(0, cut), rest.substr(cut)};
}

}  // namespace fuzz
