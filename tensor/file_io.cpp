// Whole-file reads and atomic writes (see file_io.h). POSIX calls rather than iostreams: they
// report why they failed (errno), where a stream only says that it did, and reading a folder
// through std::ifstream even surfaces as libstdc++'s "basic_filebuf::underflow".
#include "tensor/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace descent::file_io {
namespace {

const char* const kDevice = "not a regular file (a device or socket)";

[[noreturn]] void fail(const std::string& prefix, const std::string& problem) { throw std::runtime_error(prefix + problem); }

// The temporary file of one write: unique to this process and this call.
std::string temp_name(const std::string& path) {
  static std::atomic<uint64_t> writes{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(writes.fetch_add(1));
}

std::string folder_of(const std::string& path) {
  std::string folder = std::filesystem::path(path).parent_path().string();
  return folder.empty() ? "." : folder;
}

// After the rename, flush the folder too, so that the new name itself survives a power cut.
// Best effort: some filesystems refuse to open or sync a folder, and the data is already safe.
void sync_folder(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Removes `<name>.tmp.<pid>.<n>` files in the folder whose process is gone: a writer killed
// between creating its temporary file and renaming it leaves one behind. Files of live processes
// (this one included: another thread may be writing) are in use and stay.
void remove_stale_temporaries(const std::string& folder, const std::string& name) {
  DIR* dir = ::opendir(folder.c_str());
  if (!dir) return;
  const std::string stem = name + ".tmp.";
  while (const dirent* entry = ::readdir(dir)) {
    const std::string file = entry->d_name;
    if (file.compare(0, stem.size(), stem) != 0) continue;
    char* end = nullptr;
    const long pid = std::strtol(file.c_str() + stem.size(), &end, 10);
    if (end == file.c_str() + stem.size() || *end != '.' || pid <= 0 || pid == ::getpid()) continue;
    if (::kill(pid_t(pid), 0) != 0 && errno == ESRCH) ::unlink((folder + "/" + file).c_str());
  }
  ::closedir(dir);
}

}  // namespace

// A device or socket never ends (/dev/zero, /dev/urandom) or is not data: refused by name. Pipes
// are read, so that a shell's <(zcat file.gz) works as a file.
bool is_device(const struct stat& info) {
  return S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode) || S_ISSOCK(info.st_mode);
}

std::string describe(int err) {
  switch (err) {
    case ENOENT: return "no such file";
    case EISDIR: return "is a folder, not a file";
    case ENOTDIR: return "a part of the path is not a folder";
    case EACCES:
    case EPERM: return "permission denied";
    case ENOSPC: return "disk full (no space left on device)";
    case EDQUOT: return "disk quota exceeded";
    case EFBIG: return "file too large (over the file size limit)";
    case EROFS: return "read-only file system";
    default: return std::strerror(err);
  }
}

std::string read_file(const std::string& path, const std::string& error_prefix) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(error_prefix, "cannot open the file: " + describe(errno));
  struct stat info;
  const int err = ::fstat(fd, &info) != 0 ? errno : S_ISDIR(info.st_mode) ? EISDIR : 0;
  if (err != 0 || is_device(info)) {
    ::close(fd);
    fail(error_prefix, err != 0 ? describe(err) : kDevice);
  }
  std::string bytes;
  // The size is a hint (a pipe or /proc file has none); read until the end either way.
  if (S_ISREG(info.st_mode)) bytes.reserve(size_t(info.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      fail(error_prefix, "read failed: " + describe(err));
    }
    if (n == 0) break;
    bytes.append(buffer, size_t(n));
  }
  ::close(fd);
  return bytes;
}

void write_file_atomically(const std::string& path, std::string_view bytes, const std::string& error_prefix) {
  write_file_atomically(path, std::vector<std::string_view>{bytes}, error_prefix);
}

void write_file_atomically(const std::string& path, const std::vector<std::string_view>& pieces,
                           const std::string& error_prefix) {
  struct stat info;
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) fail(error_prefix, describe(EISDIR));
  // The temporary file sits in the same folder: rename is atomic only within one filesystem.
  const std::string tmp = temp_name(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail(error_prefix, "cannot create " + tmp + ": " + describe(errno));
  auto abandon = [&](const char* what, int err) {  // err is read before close/unlink change errno
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    fail(error_prefix, std::string(what) + ": " + describe(err));
  };
  for (std::string_view bytes : pieces)
    for (size_t done = 0; done < bytes.size();) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) abandon("write failed", errno);
      done += size_t(n);
    }
  if (::fsync(fd) != 0) abandon("could not flush to disk", errno);
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0) abandon("could not flush to disk", errno);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) abandon("could not rename the temporary file", errno);
  const std::string folder = folder_of(path);
  sync_folder(folder);
  remove_stale_temporaries(folder, std::filesystem::path(path).filename().string());
}

}  // namespace descent::file_io
