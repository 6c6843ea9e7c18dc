// GifWriter (see gif.h): palette choice, frame differences, and the giflib calls.
#include "plot/gif.h"

#include <gif_lib.h>

#include <algorithm>
#include <climits>
#include <stdexcept>

namespace descent::plot {
namespace {

constexpr int kColors = 255;           // palette entries for pixels
constexpr uint8_t kTransparent = 255;  // the 256th: "unchanged since the last frame"
// Colours closer than this (summed over r, g, b) to a chosen one are not chosen as well: the
// palette then spans the picture's distinct colours, not 255 shades of its largest band.
constexpr int kMinDistance = 12;

uint32_t key(Color c) { return uint32_t(c.r) << 16 | uint32_t(c.g) << 8 | c.b; }
Color color_of(uint32_t k) { return {uint8_t(k >> 16), uint8_t(k >> 8), uint8_t(k)}; }
int manhattan(Color a, Color b) { return std::abs(a.r - b.r) + std::abs(a.g - b.g) + std::abs(a.b - b.b); }

// The most frequent colours of the picture, far enough apart; then, if room is left, the most
// frequent of those skipped.
std::vector<Color> choose_palette(const Canvas& picture) {
  std::vector<uint32_t> keys;
  keys.reserve(size_t(picture.width()) * picture.height());
  const std::vector<uint8_t>& rgb = picture.data();
  for (size_t i = 0; i < rgb.size(); i += 3) keys.push_back(key({rgb[i], rgb[i + 1], rgb[i + 2]}));
  std::sort(keys.begin(), keys.end());
  std::vector<std::pair<size_t, uint32_t>> counts;  // (count, colour)
  for (size_t i = 0; i < keys.size();) {
    size_t j = i;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    counts.push_back({j - i, keys[i]});
    i = j;
  }
  // Most frequent first; equal counts by colour, so the palette never depends on sort details.
  std::sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::vector<Color> palette;
  std::vector<bool> taken(counts.size(), false);
  for (size_t i = 0; i < counts.size() && palette.size() < size_t(kColors); ++i) {
    const Color c = color_of(counts[i].second);
    if (std::all_of(palette.begin(), palette.end(), [&](Color p) { return manhattan(p, c) >= kMinDistance; }))
      palette.push_back(c), taken[i] = true;
  }
  for (size_t i = 0; i < counts.size() && palette.size() < size_t(kColors); ++i)
    if (!taken[i]) palette.push_back(color_of(counts[i].second));
  return palette;
}

int write_bytes(GifFileType* gif, const GifByteType* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(gif->UserData);
  out->insert(out->end(), data, data + size);
  return size;
}

}  // namespace

void GifWriter::check(int status, const char* what) const {
  if (status != GIF_OK)
    throw std::runtime_error(std::string("GifWriter: ") + what + " failed: " + GifErrorString(gif_ ? gif_->Error : 0));
}

GifWriter::GifWriter(const Canvas& palette_source)
    : width_(palette_source.width()), height_(palette_source.height()), palette_(choose_palette(palette_source)) {
  if (width_ > 65535 || height_ > 65535)
    throw std::invalid_argument("GifWriter: a GIF is at most 65535 pixels wide and high, got " +
                                std::to_string(width_) + "x" + std::to_string(height_));
  int error = 0;
  gif_ = EGifOpen(&bytes_, write_bytes, &error);
  if (!gif_) throw std::runtime_error(std::string("GifWriter: cannot start a GIF: ") + GifErrorString(error));
  std::vector<GifColorType> colors(256, GifColorType{0, 0, 0});
  for (size_t i = 0; i < palette_.size(); ++i) colors[i] = {palette_[i].r, palette_[i].g, palette_[i].b};
  ColorMapObject* map = GifMakeMapObject(256, colors.data());
  EGifSetGifVersion(gif_, true);  // GIF89a: delays, transparency, looping
  const int status = EGifPutScreenDesc(gif_, width_, height_, 8, 0, map);
  GifFreeMapObject(map);  // EGifPutScreenDesc keeps a copy
  check(status, "writing the screen descriptor");
  // The Netscape application extension: loop forever (count 0).
  const GifByteType loop[3] = {1, 0, 0};
  check(EGifPutExtensionLeader(gif_, APPLICATION_EXT_FUNC_CODE), "writing the loop extension");
  check(EGifPutExtensionBlock(gif_, 11, "NETSCAPE2.0"), "writing the loop extension");
  check(EGifPutExtensionBlock(gif_, 3, loop), "writing the loop extension");
  check(EGifPutExtensionTrailer(gif_), "writing the loop extension");
}

GifWriter::~GifWriter() {
  if (gif_) EGifCloseFile(gif_, nullptr);
}

uint8_t GifWriter::index_of(Color c) {
  auto [it, inserted] = nearest_.try_emplace(key(c), 0);
  if (inserted) {
    int best = INT_MAX;
    for (size_t i = 0; i < palette_.size(); ++i) {
      const int dr = c.r - palette_[i].r, dg = c.g - palette_[i].g, db = c.b - palette_[i].b;
      const int d = dr * dr + dg * dg + db * db;
      if (d < best) best = d, it->second = uint8_t(i);
    }
  }
  return it->second;
}

void GifWriter::add_frame(const Canvas& frame, int delay) {
  if (!gif_) throw std::logic_error("GifWriter::add_frame: the file is already finished");
  if (frame.width() != width_ || frame.height() != height_)
    throw std::invalid_argument("GifWriter::add_frame: frames are " + std::to_string(width_) + "x" +
                                std::to_string(height_) + ", got " + std::to_string(frame.width()) + "x" +
                                std::to_string(frame.height()));
  const std::vector<uint8_t>& rgb = frame.data();
  auto changed = [&](int x, int y) {
    const size_t at = (size_t(y) * width_ + x) * 3;
    return previous_.empty() || rgb[at] != previous_[at] || rgb[at + 1] != previous_[at + 1] || rgb[at + 2] != previous_[at + 2];
  };
  // The rectangle around the pixels that changed (the whole picture for the first frame).
  int x0 = width_, x1 = -1, y0 = height_, y1 = -1;
  for (int y = 0; y < height_; ++y)
    for (int x = 0; x < width_; ++x)
      if (changed(x, y)) x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  if (x1 < 0) x0 = x1 = y0 = y1 = 0;  // nothing changed: one transparent pixel carries the delay
  const int w = x1 - x0 + 1, h = y1 - y0 + 1;

  GraphicsControlBlock gcb;
  gcb.DisposalMode = DISPOSE_DO_NOT;  // each frame is drawn over the last
  gcb.UserInputFlag = false;
  gcb.DelayTime = std::max(delay, 2);
  gcb.TransparentColor = previous_.empty() ? NO_TRANSPARENT_COLOR : kTransparent;
  GifByteType extension[4];
  EGifGCBToExtension(&gcb, extension);
  check(EGifPutExtension(gif_, GRAPHICS_EXT_FUNC_CODE, 4, extension), "writing a frame's delay");
  check(EGifPutImageDesc(gif_, x0, y0, w, h, false, nullptr), "writing a frame's descriptor");
  std::vector<GifPixelType> line(static_cast<size_t>(w));
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      const size_t at = (size_t(y) * width_ + x) * 3;
      line[size_t(x - x0)] = changed(x, y) ? index_of({rgb[at], rgb[at + 1], rgb[at + 2]}) : kTransparent;
    }
    check(EGifPutLine(gif_, line.data(), w), "writing a frame's pixels");
  }
  previous_ = rgb;
  ++frames_;
}

std::vector<uint8_t> GifWriter::finish() {
  if (!gif_) throw std::logic_error("GifWriter::finish: the file is already finished");
  int error = 0;
  GifFileType* gif = gif_;
  gif_ = nullptr;
  if (EGifCloseFile(gif, &error) != GIF_OK)
    throw std::runtime_error(std::string("GifWriter: ending the file failed: ") + GifErrorString(error));
  return std::move(bytes_);
}

void GifWriter::save(const std::string& path) { write_file_atomically(path, finish()); }

}  // namespace descent::plot
