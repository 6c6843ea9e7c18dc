#pragma once
// Reading whole files for the dataset loaders (internal to data/): plain bytes, or gzip
// through zlib. Every failure throws std::runtime_error worded "<who>: <path>: <problem>", the
// form all loader errors take, so the user sees which dataset, which file and what went wrong.
// Read next: data/mnist.cpp, data/cifar10.cpp.
#include <cstdint>
#include <string>
#include <vector>

namespace descent::data::detail {

// The file's bytes. `who` names the loader in errors ("MNIST", "CIFAR10").
std::vector<uint8_t> read_file(const std::string& who, const std::string& path);
// The decompressed bytes of a gzip file; a plain file is returned as it is (zlib passes it
// through), so callers need not know which they have. Corrupt or truncated gzip data throws.
std::vector<uint8_t> read_maybe_gzip(const std::string& who, const std::string& path);

[[noreturn]] void fail(const std::string& who, const std::string& path, const std::string& problem);

}  // namespace descent::data::detail
