#pragma once
// GifWriter: canvases as the frames of one looping animated GIF, encoded with giflib (Debian's
// libgif), beside Canvas::save_png. GIF holds at most 256 colours, so every frame is mapped to
// one fixed palette chosen up front from a picture that holds the animation's colours (its last
// frame): the most frequent colours, each kept exactly (the colour map's bands, the paths'
// colours, text), as long as it differs from those already chosen; anti-aliased in-between
// shades take the nearest of them. After the first frame only what changed is stored: the
// rectangle around the changed pixels, with unchanged pixels transparent, which LZW packs into
// almost nothing.
// Not a general GIF library: no local palettes, no interlacing, no reading (tests decode with
// giflib). Read plot/animation.h for the frames of a plot.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "plot/canvas.h"

struct GifFileType;  // giflib's, kept out of this header

namespace descent::plot {

class GifWriter {
 public:
  // Frames are palette_source's size; its colours choose the palette.
  explicit GifWriter(const Canvas& palette_source);
  ~GifWriter();
  GifWriter(const GifWriter&) = delete;  // giflib writes into bytes_ through a pointer to it
  GifWriter& operator=(const GifWriter&) = delete;

  // Appends a frame shown for `delay` hundredths of a second (at least 2: browsers slow
  // shorter delays down to 10). Frames are compressed as they come, so only the last one is
  // kept. Throws std::invalid_argument for a frame of another size.
  void add_frame(const Canvas& frame, int delay);
  size_t frames() const { return frames_; }
  const std::vector<Color>& palette() const { return palette_; }

  // Ends the file and returns it (header, palette, a loop-forever extension, the frames); no
  // frame can be added after. Deterministic: the same frames give the same bytes.
  std::vector<uint8_t> finish();
  // finish(), written through a temporary file and a rename (write_file_atomically).
  void save(const std::string& path);

 private:
  uint8_t index_of(Color c);  // the nearest palette colour, cached per colour
  void check(int status, const char* what) const;

  int width_, height_;
  std::vector<Color> palette_;
  std::unordered_map<uint32_t, uint8_t> nearest_;
  std::vector<uint8_t> previous_;  // the last frame's RGB, to find what changed
  std::vector<uint8_t> bytes_;     // the encoded file so far
  GifFileType* gif_ = nullptr;
  size_t frames_ = 0;
};

}  // namespace descent::plot
