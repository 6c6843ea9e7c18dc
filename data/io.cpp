// Whole-file reads for the loaders: tensor/file_io.h for plain files, zlib's gz* for gzip.
#include "data/io.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "tensor/file_io.h"

namespace descent::data::detail {

void fail(const std::string& who, const std::string& path, const std::string& problem) {
  throw std::runtime_error(who + ": " + path + ": " + problem);
}

std::vector<uint8_t> read_file(const std::string& who, const std::string& path) {
  const std::string bytes = file_io::read_file(path, who + ": " + path + ": ");
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

std::vector<uint8_t> read_maybe_gzip(const std::string& who, const std::string& path) {
  // zlib would open a folder and then report a read error as corrupt data, and read /dev/zero
  // forever: look first.
  struct stat info;
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) fail(who, path, file_io::describe(EISDIR));
  if (::stat(path.c_str(), &info) == 0 && file_io::is_device(info)) fail(who, path, "not a regular file (a device or socket)");
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) fail(who, path, "cannot open the file: " + file_io::describe(errno));
  gzbuffer(file, 1 << 20);
  std::vector<uint8_t> bytes;
  size_t used = 0;
  for (;;) {
    // Grow by doubling: MNIST's training images decompress to 47 MB from 10 MB.
    if (bytes.size() - used < (1 << 20)) bytes.resize(std::max<size_t>(2 * bytes.size(), 4 << 20));
    const unsigned want = unsigned(std::min<size_t>(bytes.size() - used, size_t(1) << 30));
    const int got = gzread(file, bytes.data() + used, want);
    if (got < 0) break;  // the error is reported below
    used += size_t(got);
    if (got == 0) break;
  }
  int code = Z_OK;
  const char* message = gzerror(file, &code);
  std::string problem = code == Z_OK || code == Z_STREAM_END ? "" : message;
  if (problem.starts_with(path + ": ")) problem.erase(0, path.size() + 2);  // zlib prefixes the path
  gzclose(file);
  if (!problem.empty())
    fail(who, path, "corrupt or truncated gzip data (zlib: " + problem + "); try downloading the file again");
  bytes.resize(used);
  return bytes;
}

}  // namespace descent::data::detail
