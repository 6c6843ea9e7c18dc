#pragma once
// Canvas: an RGB raster in memory with the few drawing primitives charts need — filled
// rectangles, anti-aliased thick polylines (optionally dashed), markers, and text built from
// stb_easy_font's quads scaled up — and a PNG writer (stb_image_write) that writes atomically
// and refuses to write a blank picture.
//
// This is not a general graphics library: no paths with curves, no transforms, no alpha
// channel in the output. Coordinates are pixels, x to the right, y downwards, and a pixel
// (i, j) covers [i, i+1) × [j, j+1), so its centre is (i + 0.5, j + 0.5).
// Read next: plot/color.h (colour maps and palettes), plot/panel.h (axes, legends, figures).
#include <cstdint>
#include <string>
#include <vector>

namespace descent::plot {

struct Color {
  uint8_t r = 0, g = 0, b = 0;
  static constexpr Color hex(uint32_t rgb) {
    return {uint8_t((rgb >> 16) & 0xff), uint8_t((rgb >> 8) & 0xff), uint8_t(rgb & 0xff)};
  }
  friend bool operator==(const Color&, const Color&) = default;
};

inline constexpr Color kWhite = Color::hex(0xffffff);
inline constexpr Color kBlack = Color::hex(0x000000);

struct Point {
  double x = 0, y = 0;
};

// An axis-aligned box in pixels: [x, x + w) × [y, y + h).
struct Rect {
  double x = 0, y = 0, w = 0, h = 0;
  double right() const { return x + w; }
  double bottom() const { return y + h; }
  bool contains(double px, double py) const { return px >= x && px <= x + w && py >= y && py <= y + h; }
};

enum class Marker { Circle, Square, Triangle, Diamond, Star, Cross };
enum class HAlign { Left, Center, Right };
enum class VAlign { Top, Middle, Bottom };

// A coverage mask over the whole canvas: many shapes are rasterized into it (coverage is the
// maximum, not the sum, so overlapping segments of one polyline do not darken their joints)
// and then blended onto the canvas once, in one colour.
class Mask {
 public:
  Mask(int width, int height) : width_(width), height_(height), cover_(size_t(width) * height, 0.f) {}
  // A segment of thickness `width` with round caps; anti-aliased over one pixel.
  void segment(Point a, Point b, double width, const Rect& clip);
  float at(int x, int y) const { return cover_[size_t(y) * width_ + x]; }
  int width() const { return width_; }
  int height() const { return height_; }
  // The pixels any segment reached: [x0, x1) × [y0, y1) (empty while nothing was drawn), so
  // that blending a short line does not visit the whole canvas.
  int x0() const { return x0_; }
  int x1() const { return x1_; }
  int y0() const { return y0_; }
  int y1() const { return y1_; }

 private:
  int width_, height_;
  std::vector<float> cover_;
  int x0_ = 0, x1_ = 0, y0_ = 0, y1_ = 0;
};

class Canvas {
 public:
  Canvas(int width, int height, Color background = kWhite);

  int width() const { return width_; }
  int height() const { return height_; }
  Color pixel(int x, int y) const;
  const std::vector<uint8_t>& data() const { return rgb_; }  // row-major RGB, 3 bytes per pixel

  // Drawing is limited to the clip rectangle (the whole canvas by default).
  void set_clip(const Rect& clip);
  void reset_clip();
  const Rect& clip() const { return clip_; }

  // out = (1 - alpha)·out + alpha·c, inside the clip rectangle only.
  void blend(int x, int y, Color c, double alpha = 1.0);
  void fill_rect(const Rect& r, Color c, double alpha = 1.0);
  void stroke_rect(const Rect& r, Color c, double width = 1.0);
  void blend_mask(const Mask& mask, Color c, double alpha = 1.0);

  void line(Point a, Point b, Color c, double width = 1.0, double alpha = 1.0);
  // Consecutive points joined; a non-finite point breaks the line in two. `dash` > 0 draws
  // dashes of that many pixels with gaps of half that, measured along the line.
  void polyline(const std::vector<Point>& points, Color c, double width = 2.0, double alpha = 1.0,
                double dash = 0.0);
  // A marker of radius r centred at p, filled, with an outline of width 1.5 around it.
  void marker(Point p, Marker shape, double r, Color fill, Color outline);

  // Text from stb_easy_font, each font unit drawn as scale × scale pixels (2 for ticks and
  // labels, 3 for titles). (x, y) is the anchor the alignment refers to; `vertical` turns the
  // text 90° counter-clockwise (reading bottom to top, for a y-axis label). Characters outside
  // printable ASCII are drawn as '?'.
  void text(double x, double y, const std::string& s, Color c, int scale = 2, HAlign h = HAlign::Left,
            VAlign v = VAlign::Top, bool vertical = false);
  static int text_width(const std::string& s, int scale = 2);
  static int text_height(int scale = 2);  // of one line, capitals and descenders included

  // True when every pixel has the same colour (a picture nobody should be given).
  bool is_uniform() const;
  std::vector<uint8_t> encode_png() const;  // deterministic: the same pixels give the same bytes
  // Writes to `path` + ".tmp" and renames, so a reader never sees half a file. Throws
  // std::runtime_error naming the path when it cannot write, or when the canvas is uniform.
  void save_png(const std::string& path) const;

 private:
  int width_, height_;
  std::vector<uint8_t> rgb_;
  Rect clip_;
};

// Clips the segment a→b to the box, moving a and b onto its edges; false when nothing is left.
bool clip_segment(Point& a, Point& b, const Rect& box);

// Writes bytes to `path` through a temporary file and a rename (tensor/file_io.h; also used for
// non-PNG output such as DOT files). Throws std::runtime_error "cannot write <path>: <problem>".
void write_file_atomically(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace descent::plot
