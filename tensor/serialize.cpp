// Checkpoint archives (format in serialize.h). The whole file is built in memory and written
// with one write: checkpoints here are model-sized (megabytes), and a single buffer makes the
// CRC and the atomic rename simple.
#include "tensor/serialize.h"

#include <zlib.h>

#include <cstring>
#include <stdexcept>

#include "tensor/factory.h"
#include "tensor/file_io.h"
#include "tensor/kernels/elementwise.h"

namespace descent::serialize {
namespace {

constexpr char kMagic[8] = {'D', 'E', 'S', 'C', 'E', 'N', 'T', 1};
constexpr uint32_t kVersion = 2;
enum Kind : uint8_t { kTensor = 0, kDouble = 1, kInt = 2, kString = 3 };

uint8_t dtype_code(Dtype d) { return d == kFloat32 ? 0 : d == kFloat64 ? 1 : d == kInt64 ? 2 : 3; }

struct Writer {
  std::string bytes;
  template <class T> void put(T v) { bytes.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void put_bytes(const void* p, size_t n) { bytes.append(static_cast<const char*>(p), n); }
  void put_string(const std::string& s) {
    put(uint32_t(s.size()));
    bytes += s;
  }
};

struct Reader {
  const std::string& bytes;
  const std::string& path;
  size_t at = 0;
  void need(size_t n, const char* what) const {
    if (bytes.size() - at < n)
      throw std::runtime_error("checkpoint " + path + ": truncated file (it ends inside " + what + ")");
  }
  template <class T> T get(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, bytes.data() + at, sizeof v);
    at += sizeof v;
    return v;
  }
  std::string get_string(const char* what) {
    uint32_t n = get<uint32_t>(what);
    need(n, what);
    std::string s = bytes.substr(at, n);
    at += n;
    return s;
  }
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("checkpoint " + path + ": " + what);
}

}  // namespace

void write_atomically(const std::string& path, const std::vector<std::string_view>& pieces, const std::string& what) {
  file_io::write_file_atomically(path, pieces, what + " " + path + ": ");
}

void OutputArchive::write(const std::string& name, const Tensor& t) {
  if (!t.defined()) throw std::invalid_argument("checkpoint: cannot save the undefined tensor '" + name + "'");
  Tensor copy = kernels::cast(t.detach(), t.dtype());  // contiguous, and later changes to t don't leak in
  entries_.emplace_back(name, copy);
}

void OutputArchive::save_to(const std::string& path) const {
  Writer w;
  w.put_bytes(kMagic, sizeof kMagic);
  w.put(kVersion);
  w.put(uint32_t(entries_.size()));
  for (const auto& [name, value] : entries_) {
    const size_t entry_start = w.bytes.size();
    w.put_string(name);
    if (const Tensor* t = std::get_if<Tensor>(&value)) {
      w.put(uint8_t(kTensor));
      w.put(dtype_code(t->dtype()));
      w.put(uint32_t(t->dim()));
      for (int64_t s : t->sizes()) w.put(s);
      w.put_bytes(t->raw_data(), size_t(t->numel()) * t->element_size());
    } else if (const double* d = std::get_if<double>(&value)) {
      w.put(uint8_t(kDouble));
      w.put(*d);
    } else if (const int64_t* i = std::get_if<int64_t>(&value)) {
      w.put(uint8_t(kInt));
      w.put(*i);
    } else {
      w.put(uint8_t(kString));
      w.put_string(std::get<std::string>(value));
    }
    // Each entry carries its own checksum, so a damaged file names the damaged entry.
    w.put(uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(w.bytes.data() + entry_start),
                         uInt(w.bytes.size() - entry_start))));
  }

  // A reader, a crash or a SIGKILL sees the old checkpoint or the complete new one, never a mix.
  file_io::write_file_atomically(path, w.bytes, "checkpoint " + path + ": ");
}

void InputArchive::load_from(const std::string& path) {
  const std::string bytes = file_io::read_file(path, "checkpoint " + path + ": ");
  if (bytes.size() < sizeof kMagic + 8 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    fail(path, "not a descent checkpoint (bad magic number)");
  Reader r{bytes, path, sizeof kMagic};
  const uint32_t version = r.get<uint32_t>("the header");
  if (version != kVersion)
    fail(path, "format version " + std::to_string(version) + " is not supported (expected " + std::to_string(kVersion) + ")");
  const uint32_t count = r.get<uint32_t>("the header");
  std::map<std::string, Value> entries;
  for (uint32_t e = 0; e < count; ++e) {
    const size_t entry_start = r.at;
    const std::string where = "entry " + std::to_string(e);
    std::string name = r.get_string((where + "'s name").c_str());
    const std::string what = "'" + name + "'";
    const uint8_t kind = r.get<uint8_t>(what.c_str());
    Value value;
    if (kind == kTensor) {
      const uint8_t code = r.get<uint8_t>(what.c_str());
      const uint32_t ndim = r.get<uint32_t>(what.c_str());
      if (code > 3 || ndim > Dims::kMaxDims)
        fail(path, "tensor " + what + " is corrupt (dtype code " + std::to_string(code) + ", " + std::to_string(ndim) + " dims)");
      const Dtype dtype = code == 0 ? kFloat32 : code == 1 ? kFloat64 : code == 2 ? kInt64 : kBool;
      Shape shape;
      uint64_t numel = 1;
      for (uint32_t d = 0; d < ndim; ++d) {
        const int64_t size = r.get<int64_t>(what.c_str());
        if (size < 0 || (size > 0 && numel > (uint64_t(1) << 40) / uint64_t(size)))
          fail(path, "tensor " + what + " is corrupt (size " + std::to_string(size) + ")");
        shape.push_back(size);
        numel *= uint64_t(size);
      }
      const size_t nbytes = size_t(numel) * element_size(dtype);
      r.need(nbytes, what.c_str());
      Tensor t = empty(shape, dtype);
      std::memcpy(t.raw_data(), bytes.data() + r.at, nbytes);
      r.at += nbytes;
      value = t;
    } else if (kind == kDouble) {
      value = r.get<double>(what.c_str());
    } else if (kind == kInt) {
      value = r.get<int64_t>(what.c_str());
    } else if (kind == kString) {
      value = r.get_string(what.c_str());
    } else {
      fail(path, "entry " + what + " is corrupt (unknown kind " + std::to_string(kind) + ")");
    }
    const uint32_t crc = uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(bytes.data() + entry_start), uInt(r.at - entry_start)));
    if (r.get<uint32_t>(what.c_str()) != crc) fail(path, "entry " + what + " is corrupt (checksum mismatch)");
    entries[name] = std::move(value);
  }
  if (r.at != bytes.size()) fail(path, "unexpected bytes after the last entry (corrupt header?)");
  path_ = path;
  entries_ = std::move(entries);
}

std::vector<std::string> InputArchive::keys() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : entries_) out.push_back(name);
  return out;
}

const Value& InputArchive::find(const std::string& name, const char* kind) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) fail(path_, std::string("has no ") + kind + " '" + name + "'");
  return it->second;
}

Tensor InputArchive::read_tensor(const std::string& name) const {
  const Value& v = find(name, "tensor");
  if (!std::holds_alternative<Tensor>(v)) fail(path_, "'" + name + "' is not a tensor");
  return std::get<Tensor>(v);
}
double InputArchive::read_double(const std::string& name) const {
  const Value& v = find(name, "number");
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const int64_t* i = std::get_if<int64_t>(&v)) return double(*i);
  fail(path_, "'" + name + "' is not a number");
}
int64_t InputArchive::read_int(const std::string& name) const {
  const Value& v = find(name, "integer");
  if (const int64_t* i = std::get_if<int64_t>(&v)) return *i;
  fail(path_, "'" + name + "' is not an integer");
}
std::string InputArchive::read_string(const std::string& name) const {
  const Value& v = find(name, "string");
  if (const std::string* s = std::get_if<std::string>(&v)) return *s;
  fail(path_, "'" + name + "' is not a string");
}

void InputArchive::check_fits(const std::string& name, const Tensor& dst) const {
  Tensor t = read_tensor(name);
  if (t.dtype() != dst.dtype())
    fail(path_, "tensor '" + name + "' is " + dtype_name(t.dtype()) + " in the file but " + dtype_name(dst.dtype()) + " in the target");
  if (!(t.sizes() == dst.sizes()))
    fail(path_, "tensor '" + name + "' has shape " + shape_str(t.sizes()) + " in the file but " + shape_str(dst.sizes()) + " in the target");
}

}  // namespace descent::serialize
