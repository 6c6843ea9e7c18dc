// Decoding PNGs for the plotting tests, through stb_image (Debian's libstb, linked to every
// test executable).
#include <stb_image.h>

#include "png.h"

namespace test {

Image decode_png(const std::string& path) {
  Image img;
  int channels = 0;
  unsigned char* data = stbi_load(path.c_str(), &img.width, &img.height, &channels, 3);
  if (!data) throw std::runtime_error("decode_png: stb_image cannot read " + path + ": " + stbi_failure_reason());
  img.rgb.assign(data, data + size_t(img.width) * img.height * 3);
  stbi_image_free(data);
  return img;
}

}  // namespace test
