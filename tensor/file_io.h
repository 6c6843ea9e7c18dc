#pragma once
// Whole files in and out, with failures in plain words: a folder where a file was expected, a
// missing file, permission denied, a full disk. Checkpoints (tensor/serialize.cpp), the dataset
// loaders (data/io.cpp) and the examples' CSV and metrics files read and write through here, so
// every one of them names the path and the problem the same way. Each caller prefixes the
// message with what it was doing ("checkpoint run.ckpt: ", "MNIST: <path>: ").
// Not here: parsing (each format checks its own bytes), plot/ (which writes its PNGs itself).
#include <string>
#include <string_view>
#include <vector>

struct stat;

namespace descent::file_io {

// An errno value in plain words: "no such file", "is a folder, not a file", "permission
// denied", "disk full (no space left on device)", ...; strerror's text for the others.
std::string describe(int err);

// Whether stat's answer is a device or a socket, which read_file refuses ("not a regular file
// (a device or socket)"): /dev/zero would never end.
bool is_device(const struct stat& info);

// The whole file. Throws std::runtime_error(error_prefix + problem), where problem is, e.g.,
// "is a folder, not a file", "cannot open the file: permission denied" or "not a regular file (a
// device or socket)".
std::string read_file(const std::string& path, const std::string& error_prefix);

// Writes `bytes` so that `path` is always either its old content or all of `bytes`, even if the
// process is killed or the machine loses power midway: the bytes go to a temporary file in the
// same folder, `path.tmp.<pid>.<n>` (unique to the process and the call, so that concurrent
// writers never share one), which is flushed to disk and then renamed over `path`; then the
// folder is flushed too. A failure removes the temporary file and throws
// std::runtime_error(error_prefix + problem) ("write failed: disk full (...)"). After a
// successful write, temporary files of `path` left by processes that no longer run (killed
// mid-write) are removed.
void write_file_atomically(const std::string& path, std::string_view bytes, const std::string& error_prefix);
// The same for a file made of several pieces written one after another (a header, then tensors'
// bytes), so that no piece is copied into one buffer first.
void write_file_atomically(const std::string& path, const std::vector<std::string_view>& pieces,
                           const std::string& error_prefix);

}  // namespace descent::file_io
