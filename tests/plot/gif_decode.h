#pragma once
// Test helper: decodes an animated GIF with giflib's reader (independently of the writer under
// test) into the frames as a viewer shows them, each drawn over the one before, as RGB images.
#include <gif_lib.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "png.h"

namespace test {

struct Animation {
  int width = 0, height = 0;
  std::vector<Image> frames;  // as shown
  std::vector<int> delays;    // hundredths of a second
  int loops = -1;             // the Netscape extension's count (0: forever); -1: none
  int colors = 0;             // of the global palette
};

inline Animation decode_gif(const std::string& path) {
  int error = 0;
  GifFileType* gif = DGifOpenFileName(path.c_str(), &error);
  if (!gif) throw std::runtime_error("decode_gif: cannot open " + path + ": " + GifErrorString(error));
  if (DGifSlurp(gif) != GIF_OK) {
    const std::string why = GifErrorString(gif->Error);
    DGifCloseFile(gif, &error);
    throw std::runtime_error("decode_gif: " + path + ": " + why);
  }
  Animation a;
  a.width = gif->SWidth, a.height = gif->SHeight;
  a.colors = gif->SColorMap ? gif->SColorMap->ColorCount : 0;
  Image shown{a.width, a.height, std::vector<uint8_t>(size_t(a.width) * a.height * 3, 0)};
  for (int i = 0; i < gif->ImageCount; ++i) {
    const SavedImage& image = gif->SavedImages[i];
    for (int e = 0; e + 1 < image.ExtensionBlockCount; ++e)
      if (image.ExtensionBlocks[e].Function == APPLICATION_EXT_FUNC_CODE && image.ExtensionBlocks[e].ByteCount == 11 &&
          std::memcmp(image.ExtensionBlocks[e].Bytes, "NETSCAPE2.0", 11) == 0 && image.ExtensionBlocks[e + 1].ByteCount == 3)
        a.loops = image.ExtensionBlocks[e + 1].Bytes[1] | image.ExtensionBlocks[e + 1].Bytes[2] << 8;
    GraphicsControlBlock gcb{DISPOSAL_UNSPECIFIED, false, 0, NO_TRANSPARENT_COLOR};
    DGifSavedExtensionToGCB(gif, i, &gcb);
    const ColorMapObject* map = image.ImageDesc.ColorMap ? image.ImageDesc.ColorMap : gif->SColorMap;
    const GifImageDesc& d = image.ImageDesc;
    for (int y = 0; y < d.Height; ++y)
      for (int x = 0; x < d.Width; ++x) {
        const int index = image.RasterBits[size_t(y) * d.Width + x];
        if (index == gcb.TransparentColor) continue;
        uint8_t* p = &shown.rgb[(size_t(d.Top + y) * a.width + d.Left + x) * 3];
        p[0] = map->Colors[index].Red, p[1] = map->Colors[index].Green, p[2] = map->Colors[index].Blue;
      }
    a.frames.push_back(shown);
    a.delays.push_back(gcb.DelayTime);
  }
  DGifCloseFile(gif, &error);
  return a;
}

}  // namespace test
