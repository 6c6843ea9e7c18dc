#pragma once
// Test helpers for the plotting tests: decode a PNG with stb_image (independently of the
// writer under test; png.cpp), look at its pixels, and a folder for the pictures the tests
// write (build/tests/plot_out/, kept so a person can look at them).
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <descent/plot/plot.h>

namespace test {

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
  descent::plot::Color at(int x, int y) const {
    const uint8_t* p = &rgb[(size_t(y) * width + x) * 3];
    return {p[0], p[1], p[2]};
  }
};

Image decode_png(const std::string& path);  // throws std::runtime_error when unreadable

inline std::vector<char> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string plot_out(const std::string& name) {
  std::string dir = std::string(DESCENT_BINARY_DIR) + "/tests/plot_out";
  std::filesystem::create_directories(dir);
  return dir + "/" + name;
}

inline int color_distance(descent::plot::Color a, descent::plot::Color b) {
  return std::abs(a.r - b.r) + std::abs(a.g - b.g) + std::abs(a.b - b.b);
}

// Is a pixel of colour c (within tol, summed over channels) within `radius` of (x, y)?
inline bool color_near(const Image& img, double x, double y, descent::plot::Color c, int radius = 2, int tol = 30) {
  for (int dy = -radius; dy <= radius; ++dy)
    for (int dx = -radius; dx <= radius; ++dx) {
      int px = int(x) + dx, py = int(y) + dy;
      if (px < 0 || py < 0 || px >= img.width || py >= img.height) continue;
      if (color_distance(img.at(px, py), c) <= tol) return true;
    }
  return false;
}

// How many pixels inside the box have colour c (within tol)?
inline int count_color(const Image& img, const descent::plot::Rect& box, descent::plot::Color c, int tol = 30) {
  int n = 0;
  for (int y = std::max(0, int(box.y)); y < std::min(img.height, int(box.bottom())); ++y)
    for (int x = std::max(0, int(box.x)); x < std::min(img.width, int(box.right())); ++x)
      n += color_distance(img.at(x, y), c) <= tol;
  return n;
}

}  // namespace test
