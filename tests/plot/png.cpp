// stb_image compiled into the plotting tests themselves. libdescent links libstb privately, so
// its symbols are not on the tests' link line; a private (static) copy of the decoder here
// keeps the tests independent of that and of the PNG writer they check.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

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
