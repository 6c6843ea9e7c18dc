#pragma once
// Test helpers that write dataset files: a temporary folder, IDX and CIFAR-10 records, and
// minimal gzip and PNG encoders. The encoders store data uncompressed (deflate's "stored"
// blocks), which every decoder must accept, so the tests need no codec library of their own.
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace test {

using Bytes = std::vector<uint8_t>;

// A fresh folder under the system's temp dir, removed with everything in it at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("descent-data-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  std::string str() const { return path.string(); }
};

inline void write_file(const std::string& path, const Bytes& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

inline void put_be32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
}
inline void put_le32(Bytes& b, uint32_t v) {
  for (int s = 0; s < 32; s += 8) b.push_back(uint8_t(v >> s));
}

// IDX: big-endian magic, dims, then the data.
inline Bytes idx(uint32_t magic, const std::vector<uint32_t>& dims, const Bytes& data) {
  Bytes b;
  put_be32(b, magic);
  for (uint32_t d : dims) put_be32(b, d);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

// The CRC-32 of gzip and PNG (polynomial 0xEDB88320), bit by bit: slow and obviously right.
inline uint32_t crc32(const uint8_t* p, size_t n, uint32_t crc = 0) {
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// Deflate data as stored blocks of at most 65535 bytes (RFC 1951, BTYPE 00).
inline Bytes deflate_stored(const Bytes& data) {
  Bytes out;
  size_t at = 0;
  do {
    const size_t n = std::min<size_t>(65535, data.size() - at);
    out.push_back(at + n == data.size() ? 1 : 0);  // BFINAL, BTYPE = 00
    out.push_back(uint8_t(n));
    out.push_back(uint8_t(n >> 8));
    out.push_back(uint8_t(~n));
    out.push_back(uint8_t(~n >> 8));
    out.insert(out.end(), data.begin() + long(at), data.begin() + long(at + n));
    at += n;
  } while (at < data.size());
  return out;
}

// A gzip member (RFC 1952) holding `data`.
inline Bytes gzip(const Bytes& data) {
  Bytes out = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255};
  Bytes body = deflate_stored(data);
  out.insert(out.end(), body.begin(), body.end());
  put_le32(out, crc32(data.data(), data.size()));
  put_le32(out, uint32_t(data.size()));
  return out;
}

// A PNG of 8-bit pixels, interleaved rows (H, W, C), C = 1 (gray), 3 (RGB) or 4 (RGBA).
inline Bytes png(int width, int height, int channels, const Bytes& hwc) {
  auto chunk = [](Bytes& out, const char* type, const Bytes& data) {
    put_be32(out, uint32_t(data.size()));
    Bytes typed(type, type + 4);
    typed.insert(typed.end(), data.begin(), data.end());
    out.insert(out.end(), typed.begin(), typed.end());
    put_be32(out, crc32(typed.data(), typed.size()));
  };
  Bytes out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  Bytes header;
  put_be32(header, uint32_t(width));
  put_be32(header, uint32_t(height));
  const uint8_t color_type = channels == 1 ? 0 : channels == 3 ? 2 : 6;
  header.insert(header.end(), {8, color_type, 0, 0, 0});
  chunk(out, "IHDR", header);
  Bytes raw;  // each row: filter byte 0 (none), then the row's bytes
  for (int y = 0; y < height; ++y) {
    raw.push_back(0);
    for (long i = long(y) * width * channels; i < long(y + 1) * width * channels; ++i) raw.push_back(hwc[size_t(i)]);
  }
  // zlib stream: header 0x78 0x01, stored deflate blocks, Adler-32 of the raw bytes.
  uint32_t a = 1, b = 0;
  for (uint8_t v : raw) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  Bytes z = {0x78, 0x01};
  Bytes body = deflate_stored(raw);
  z.insert(z.end(), body.begin(), body.end());
  put_be32(z, (b << 16) | a);
  chunk(out, "IDAT", z);
  chunk(out, "IEND", {});
  return out;
}

}  // namespace test
