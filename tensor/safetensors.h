#pragma once
// safetensors: the file format in which PyTorch, JAX and the model hubs exchange tensors. Unlike
// a pickled torch.save file, loading one runs no code: it is a header and raw bytes.
//   8 bytes   N, the length of the header (uint64, little-endian)
//   N bytes   a JSON object, padded with spaces:
//             {"__metadata__": {"key": "value", ...},             (optional, strings only)
//              "fc.weight": {"dtype": "F32", "shape": [8, 4], "data_offsets": [0, 128]}, ...}
//   the rest  the data: each tensor's elements, row-major and little-endian, at
//             [begin, end) of this section; the tensors tile it without gaps or overlaps
// This file reads and writes named tensors. nn/safetensors.h saves a module's parameters and
// buffers and loads them back into a module (the names are torch's, "features.0.weight").
//
// Types: F32, F64, I64 and BOOL are read and written as float32, float64, int64 and bool; F16
// and BF16 are read and converted to float32. Reading checks the whole header before it trusts
// a byte of data: the header length is bounded (100 MB) and inside the file, the JSON is valid
// and shaped as above, every dtype is known, every shape has no negative or absurd size, every
// data_offsets pair lies inside the data, its length is what the shape and dtype need, and the
// pairs neither overlap nor leave gaps. A problem throws std::runtime_error
// "safetensors file <path>: <problem>", naming the tensor where one is to blame. Writing goes
// through a temporary file, fsync and rename (serialize::write_atomically), as checkpoints do.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace descent {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
using SafetensorsMetadata = std::map<std::string, std::string>;

// Writes the tensors under their names, in this order, with the metadata as "__metadata__".
// Contiguous tensors are written straight from their storage. Throws std::invalid_argument for
// an undefined tensor, a repeated name, the reserved name "__metadata__" or a name that is not
// UTF-8 (JSON strings are), and std::runtime_error when the file cannot be written.
void save_safetensors(const NamedTensors& tensors, const std::string& path, const SafetensorsMetadata& metadata = {});

// Every tensor of the file, in the order of their data (the order they were written in), and,
// when `metadata` is given, the file's "__metadata__".
NamedTensors load_safetensors(const std::string& path, SafetensorsMetadata* metadata = nullptr);

// An open file whose header has been read and checked; tensors are read on demand. Loading a
// module uses this to compare names, shapes and dtypes before a single tensor is read.
class SafetensorsFile {
 public:
  struct Entry {
    std::string name;
    std::string file_dtype;  // as written: "F16"
    Dtype dtype;             // as read: float32 for F16 and BF16
    Shape shape;
    uint64_t begin = 0, end = 0;  // bytes, within the data section
  };

  explicit SafetensorsFile(const std::string& path);  // reads and checks the header
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<Entry>& entries() const { return entries_; }  // in the order of their data
  const SafetensorsMetadata& metadata() const { return metadata_; }
  const Entry* find(const std::string& name) const;  // null when absent
  // The entry's elements in a new tensor (F16, BF16: converted to float32). Throws when the
  // file ends early (it changed since the header was read) or a BOOL byte is neither 0 nor 1.
  Tensor read(const Entry& entry) const;

 private:
  [[noreturn]] void fail(const std::string& problem) const;
  void read_exact(void* dst, uint64_t n, uint64_t at, const std::string& what) const;
  std::string path_;
  int fd_ = -1;
  uint64_t data_start_ = 0;  // 8 + N
  std::vector<Entry> entries_;
  SafetensorsMetadata metadata_;
};

}  // namespace descent
