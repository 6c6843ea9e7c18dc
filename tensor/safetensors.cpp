// safetensors reading and writing (the format and the checks are in safetensors.h). The reader
// keeps the file open and reads each tensor's bytes with pread straight into the new tensor's
// storage: one copy from the file, none through an intermediate buffer (F16 and BF16 excepted,
// which are converted). The header is parsed with nlohmann::json.
#include "tensor/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tensor/factory.h"
#include "tensor/serialize.h"

namespace descent {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian, as this code assumes");

// The safetensors library refuses headers above 100 MB; so do we, before allocating anything.
constexpr uint64_t kMaxHeader = 100'000'000;

struct FileDtype {
  const char* code;
  Dtype dtype;     // what descent makes of it
  size_t size;     // bytes per element in the file
};
constexpr FileDtype kFileDtypes[] = {{"F32", kFloat32, 4}, {"F64", kFloat64, 8}, {"I64", kInt64, 8},
                                     {"BOOL", kBool, 1},   {"F16", kFloat32, 2}, {"BF16", kFloat32, 2}};

const FileDtype* file_dtype(const std::string& code) {
  for (const FileDtype& d : kFileDtypes)
    if (code == d.code) return &d;
  return nullptr;
}

const char* code_of(Dtype dtype) {
  return dtype == kFloat32 ? "F32" : dtype == kFloat64 ? "F64" : dtype == kInt64 ? "I64" : "BOOL";
}

// IEEE half → float: the exponent re-biased (15 → 127), subnormal halves normalized,
// infinities and NaNs kept (payload included).
float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff, bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000 | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal: m · 2^-24; shift the leading 1 up to bit 10
    exponent = 113;
    while (!(mantissa & 0x400)) mantissa <<= 1, --exponent;
    bits = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
  }
  return std::bit_cast<float>(bits);
}

// bfloat16 is the top half of a float32.
float bfloat16_to_float(uint16_t b) { return std::bit_cast<float>(uint32_t(b) << 16); }

// A header value as an error message quotes it. dump() recurses once per level of nesting, and a
// hostile header nested a million levels deep would exhaust the stack: only values without
// nesting are printed, and long ones cut.
std::string excerpt(const nlohmann::json& value) {
  const bool flat = !value.is_structured() ||
                    std::none_of(value.begin(), value.end(), [](const nlohmann::json& v) { return v.is_structured(); });
  std::string text = flat ? value.dump() : value.is_array() ? "[...]" : "{...}";
  if (text.size() > 80) text = text.substr(0, 76) + " ...";
  return text;
}

}  // namespace

// ---- Writing --------------------------------------------------------------------------------

void save_safetensors(const NamedTensors& tensors, const std::string& path, const SafetensorsMetadata& metadata) {
  // ordered_json keeps the order given: "__metadata__" first, then the tensors as listed.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> data;  // contiguous views (copies only of non-contiguous tensors)
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (!t.defined()) throw std::invalid_argument("save_safetensors: tensor '" + name + "' is undefined");
    if (name == "__metadata__")
      throw std::invalid_argument("save_safetensors: '__metadata__' is reserved for the metadata, not a tensor name");
    if (!names.insert(name).second) throw std::invalid_argument("save_safetensors: the name '" + name + "' appears twice");
    Tensor c = t.detach().contiguous();
    const uint64_t bytes = uint64_t(c.numel()) * c.element_size();
    header[name] = {{"dtype", code_of(c.dtype())}, {"shape", c.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(c);
  }
  std::string json;
  try {
    json = header.dump();
  } catch (const nlohmann::json::type_error&) {  // dump refuses strings that are not UTF-8
    throw std::invalid_argument("save_safetensors: a tensor name or metadata string is not valid UTF-8");
  }
  // Padding to a multiple of 8 puts the data at an 8-byte boundary (as the safetensors library
  // does), so that a reader that maps the file can use float64 and int64 data in place.
  json.append((8 - json.size() % 8) % 8, ' ');
  char length[8];
  const uint64_t n = json.size();
  std::memcpy(length, &n, 8);
  std::vector<std::string_view> pieces = {{length, 8}, json};
  for (const Tensor& t : data) pieces.emplace_back(static_cast<const char*>(t.raw_data()), t.numel() * t.element_size());
  serialize::write_atomically(path, pieces, "safetensors file");
}

// ---- Reading --------------------------------------------------------------------------------

void SafetensorsFile::fail(const std::string& problem) const {
  throw std::runtime_error("safetensors file " + path_ + ": " + problem);
}

void SafetensorsFile::read_exact(void* dst, uint64_t n, uint64_t at, const std::string& what) const {
  char* out = static_cast<char*>(dst);
  for (uint64_t done = 0; done < n;) {
    const ssize_t got = ::pread(fd_, out + done, size_t(n - done), off_t(at + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail("cannot read " + what + ": " + std::strerror(errno));
    if (got == 0) fail("the file ends inside " + what + " (was it changed while being read?)");
    done += uint64_t(got);
  }
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer; fstat then refuses it.
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0) fail(std::string("cannot open the file (") + std::strerror(errno) + ")");
  try {
    struct stat st;
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) fail("not a regular file");
    const uint64_t size = uint64_t(st.st_size);
    if (size < 8) fail("too short (" + std::to_string(size) + " bytes) to hold the 8-byte header length");
    uint64_t n = 0;
    read_exact(&n, 8, 0, "the header length");
    if (n > kMaxHeader)
      fail("header length " + std::to_string(n) + " is over the limit of " + std::to_string(kMaxHeader) + " bytes");
    if (n > size - 8)
      fail("header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(size) + " bytes)");
    std::string text(n, '\0');
    read_exact(text.data(), n, 8, "the header");
    data_start_ = 8 + n;
    const uint64_t data_size = size - data_start_;

    // Parse. A repeated tensor name would silently keep one of the two entries: refuse it.
    std::string repeated;
    auto note_repeats = [&, keys = std::set<std::string>()](int depth, nlohmann::json::parse_event_t event,
                                                           nlohmann::json& parsed) mutable {
      if (depth == 1 && event == nlohmann::json::parse_event_t::key && !keys.insert(parsed.get<std::string>()).second &&
          repeated.empty())
        repeated = parsed.get<std::string>();
      return true;
    };
    nlohmann::json header;
    try {
      header = nlohmann::json::parse(text, note_repeats);
    } catch (const nlohmann::json::exception& e) {
      std::string why = e.what();
      why = why.substr(why.find("] ") == std::string::npos ? 0 : why.find("] ") + 2);  // drop "[json.exception...]"
      fail("the header is not valid JSON (" + why + ")");
    }
    if (!header.is_object()) fail("the header is not a JSON object");
    if (!repeated.empty()) fail("the header names '" + repeated + "' twice");

    for (const auto& [name, info] : header.items()) {
      if (name == "__metadata__") {
        if (!info.is_object()) fail("__metadata__ is not a JSON object");
        for (const auto& [key, value] : info.items()) {
          if (!value.is_string()) fail("__metadata__ entry '" + key + "' is not a string");
          metadata_[key] = value.get<std::string>();
        }
        continue;
      }
      const std::string tensor = "tensor '" + name + "'";
      if (!info.is_object()) fail(tensor + ": its header entry is not a JSON object");
      for (const auto& [field, value] : info.items())
        if (field != "dtype" && field != "shape" && field != "data_offsets")
          fail(tensor + ": unexpected field '" + field + "' (expected dtype, shape and data_offsets)");
      if (!info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
        fail(tensor + ": its header entry lacks dtype, shape or data_offsets");

      const nlohmann::json& code = info["dtype"];
      const FileDtype* ft = code.is_string() ? file_dtype(code.get<std::string>()) : nullptr;
      if (!ft) fail(tensor + ": dtype " + excerpt(code) + " is not supported (descent reads F32, F64, F16, BF16, I64 and BOOL)");

      const nlohmann::json& dims = info["shape"];
      if (!dims.is_array()) fail(tensor + ": shape " + excerpt(dims) + " is not a list of sizes");
      if (dims.size() > Dims::kMaxDims)
        fail(tensor + ": shape " + excerpt(dims) + " has " + std::to_string(dims.size()) + " dimensions, more than " +
             std::to_string(Dims::kMaxDims));
      // Elements, and the product of the sizes with zeros counted as ones: strides are computed
      // from the latter, so it must stay far from overflowing even when a zero makes numel 0.
      uint64_t numel = 1, extent = 1;
      Shape shape;
      for (const auto& d : dims) {
        if (!d.is_number_unsigned()) fail(tensor + ": shape " + excerpt(dims) + " holds a size that is not a whole number >= 0");
        const uint64_t s = d.get<uint64_t>();
        if (__builtin_mul_overflow(extent, std::max<uint64_t>(s, 1), &extent) || extent > (uint64_t(1) << 60))
          fail(tensor + ": shape " + excerpt(dims) + " is too large");
        numel *= s;
        shape.push_back(int64_t(s));
      }

      const nlohmann::json& offsets = info["data_offsets"];
      if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
          !offsets[1].is_number_unsigned() || offsets[0].get<uint64_t>() > offsets[1].get<uint64_t>())
        fail(tensor + ": data_offsets " + excerpt(offsets) + " is not a pair [begin, end] of byte offsets with begin <= end");
      const uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
      const uint64_t need = numel * ft->size;  // numel <= 2^60 and size <= 8: no overflow
      if (end - begin != need)
        fail(tensor + ": data_offsets " + excerpt(offsets) + " hold " + std::to_string(end - begin) + " bytes, but shape " +
             excerpt(dims) + " of " + ft->code + " needs " + std::to_string(need));
      if (end > data_size)
        fail(tensor + ": data_offsets " + excerpt(offsets) + " run past the end of the data (" + std::to_string(data_size) +
             " bytes; is the file truncated?)");
      entries_.push_back({name, ft->code, ft->dtype, std::move(shape), begin, end});
    }

    // The tensors must tile the data exactly, as the safetensors library demands: no byte read
    // as two tensors, and no bytes that belong to none (which could hide another file inside).
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
    uint64_t covered = 0;
    for (size_t i = 0; i < entries_.size(); ++i) {
      const Entry& e = entries_[i];
      const std::string where = "tensor '" + e.name + "' at [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
      if (e.begin < covered)
        fail(where + " overlaps tensor '" + entries_[i - 1].name + "' at [" + std::to_string(entries_[i - 1].begin) +
             ", " + std::to_string(entries_[i - 1].end) + "]");
      if (e.begin > covered)
        fail(std::to_string(e.begin - covered) + " bytes before " + where + " belong to no tensor");
      covered = e.end;
    }
    if (covered != data_size)
      fail(std::to_string(data_size - covered) + " bytes after the last tensor's data belong to no tensor");
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() { ::close(fd_); }

const SafetensorsFile::Entry* SafetensorsFile::find(const std::string& name) const {
  for (const Entry& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

Tensor SafetensorsFile::read(const Entry& e) const {
  Tensor t = empty(e.shape, e.dtype);
  const uint64_t bytes = e.end - e.begin, numel = uint64_t(t.numel());
  const std::string what = "tensor '" + e.name + "'";
  if (bytes == 0) return t;
  if (e.file_dtype == "F16" || e.file_dtype == "BF16") {
    std::vector<uint16_t> raw(numel);
    read_exact(raw.data(), bytes, data_start_ + e.begin, what);
    float* out = t.data_ptr<float>();
    const bool half = e.file_dtype == "F16";
    for (uint64_t i = 0; i < numel; ++i) out[i] = half ? half_to_float(raw[i]) : bfloat16_to_float(raw[i]);
    return t;
  }
  read_exact(t.raw_data(), bytes, data_start_ + e.begin, what);
  if (e.dtype == kBool) {  // any other byte in a C++ bool is undefined behaviour
    const unsigned char* b = static_cast<const unsigned char*>(t.raw_data());
    for (uint64_t i = 0; i < numel; ++i)
      if (b[i] > 1)
        fail(what + " (BOOL) holds the byte " + std::to_string(b[i]) + " at element " + std::to_string(i) +
             "; a bool is 0 or 1");
  }
  return t;
}

NamedTensors load_safetensors(const std::string& path, SafetensorsMetadata* metadata) {
  SafetensorsFile file(path);
  NamedTensors out;
  out.reserve(file.entries().size());
  for (const auto& e : file.entries()) out.emplace_back(e.name, file.read(e));
  if (metadata) *metadata = file.metadata();
  return out;
}

}  // namespace descent
