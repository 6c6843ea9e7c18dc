#pragma once
// Checkpoint files: named tensors and scalars in one binary file. Modules, optimizers,
// schedulers and training states write themselves into an OutputArchive and read back from an
// InputArchive; descent::save / descent::load (at the end of this file) put the two together.
//
// Format (version 2, little-endian):
//   8 bytes   magic "DESCENT\x01"
//   uint32    format version
//   uint32    number of entries
//   entries   uint32 name length, name bytes, uint8 kind, then by kind:
//               tensor (0): uint8 dtype (0 float32, 1 float64, 2 int64, 3 bool), uint32 ndim,
//                           int64 sizes[ndim], the elements row-major
//               float64 (1), int64 (2): 8 bytes
//               string (3): uint32 length, bytes
//             then uint32 CRC-32 (zlib's) of the entry's bytes, so damage is traced to an entry
// Saving writes `path.tmp.<pid>.<n>` (unique per process and call), flushes it to disk and
// renames it over `path`, so a crash mid-save leaves the previous checkpoint intact, and the next
// save removes the temporary file a killed writer left (tensor/file_io.h). Loading
// reads and checks every entry (sizes, checksum) before anything is handed out, and names the
// entry that is truncated or damaged.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tensor/tensor.h"

namespace descent::serialize {

using Value = std::variant<Tensor, double, int64_t, std::string>;

class OutputArchive {
 public:
  void write(const std::string& name, const Tensor& t);  // stores a contiguous copy
  void write(const std::string& name, double v) { entries_.emplace_back(name, v); }
  void write(const std::string& name, int64_t v) { entries_.emplace_back(name, v); }
  void write(const std::string& name, const std::string& v) { entries_.emplace_back(name, v); }
  void save_to(const std::string& path) const;  // atomic: temporary file, fsync, rename

 private:
  std::vector<std::pair<std::string, Value>> entries_;
};

// Writes `pieces` one after another to `path` the way checkpoints are saved
// (file_io::write_file_atomically: `path` is always the old file or the complete new one). On
// failure std::runtime_error says "<what> <path>: <problem>" (what: "checkpoint", "safetensors
// file"). The pieces are written as they are, so a large tensor is not copied into one buffer.
void write_atomically(const std::string& path, const std::vector<std::string_view>& pieces, const std::string& what);

class InputArchive {
 public:
  void load_from(const std::string& path);  // throws naming the file and what is wrong with it
  const std::string& path() const { return path_; }

  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  std::vector<std::string> keys() const;
  Tensor read_tensor(const std::string& name) const;
  double read_double(const std::string& name) const;
  int64_t read_int(const std::string& name) const;
  std::string read_string(const std::string& name) const;
  // Throws unless the stored tensor `name` has dst's dtype and shape (naming both); copies
  // nothing (load functions check every tensor first, then copy, so a failed load changes nothing).
  void check_fits(const std::string& name, const Tensor& dst) const;

 private:
  const Value& find(const std::string& name, const char* kind) const;
  std::string path_;
  std::map<std::string, Value> entries_;
};

}  // namespace descent::serialize

namespace descent {

// descent::save(x, path) / descent::load(x, path) for anything that can write itself into an
// archive: modules, optimizers, schedulers, training states. Such a type has
//   void save(serialize::OutputArchive& archive, const std::string& prefix = "") const;
//   void load(const serialize::InputArchive& archive, const std::string& prefix = "");
// where every entry name starts with `prefix` (so several objects can share one file), and
// load checks every entry it needs before changing anything.
template <class T>
concept Serializable = requires(const T& c, T& m, serialize::OutputArchive& out, const serialize::InputArchive& in) {
  c.save(out, std::string());
  m.load(in, std::string());
};

template <Serializable T> void save(const T& object, const std::string& path) {
  serialize::OutputArchive archive;
  object.save(archive, "");
  archive.save_to(path);
}
template <Serializable T> void save(const std::shared_ptr<T>& object, const std::string& path) { save(*object, path); }

template <Serializable T> void load(T& object, const std::string& path) {
  serialize::InputArchive archive;
  archive.load_from(path);
  object.load(archive, "");
}
template <Serializable T> void load(const std::shared_ptr<T>& object, const std::string& path) { load(*object, path); }

}  // namespace descent
