// Canvas: rasterizing and PNG output (see canvas.h). Lines and markers are anti-aliased by
// coverage: a pixel whose centre lies at distance d from a segment of half-width hw gets
// coverage clamp(hw + 0.5 − d, 0, 1), which fades the edge over one pixel. Markers are
// supersampled 4×4. Text is stb_easy_font's quads, each quad a filled rectangle.
#include "plot/canvas.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string_view>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"  // we use two of its static functions
#include <stb_easy_font.h>  // header-only, static functions: included in this file only
#pragma GCC diagnostic pop
#include <stb_image_write.h>

#include "tensor/file_io.h"

namespace descent::plot {
namespace {

double distance_to_segment(double px, double py, Point a, Point b) {
  double dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? std::clamp(((px - a.x) * dx + (py - a.y) * dy) / len2, 0.0, 1.0) : 0.0;
  double ex = a.x + t * dx - px, ey = a.y + t * dy - py;
  return std::sqrt(ex * ex + ey * ey);
}

bool finite(Point p) { return std::isfinite(p.x) && std::isfinite(p.y); }

// Even-odd rule: is (x, y) inside the polygon?
template <size_t N> bool inside_polygon(const std::array<Point, N>& poly, double x, double y) {
  bool in = false;
  for (size_t i = 0, j = N - 1; i < N; j = i++) {
    const Point &p = poly[i], &q = poly[j];
    if ((p.y > y) != (q.y > y) && x < (q.x - p.x) * (y - p.y) / (q.y - p.y) + p.x) in = !in;
  }
  return in;
}

// Is the offset (dx, dy) from a marker's centre inside a marker of radius r? The shapes are
// sized to look about as heavy as a circle of that radius.
bool inside_marker(Marker shape, double dx, double dy, double r) {
  switch (shape) {
    case Marker::Circle: return dx * dx + dy * dy <= r * r;
    case Marker::Square: return std::fabs(dx) <= 0.88 * r && std::fabs(dy) <= 0.88 * r;
    case Marker::Diamond: return std::fabs(dx) + std::fabs(dy) <= 1.25 * r;
    case Marker::Cross: {  // an ×: within a band around either diagonal
      if (std::fabs(dx) > r || std::fabs(dy) > r) return false;
      double band = 0.32 * r * std::sqrt(2.0);
      return std::fabs(dx - dy) <= band || std::fabs(dx + dy) <= band;
    }
    case Marker::Triangle: {
      double R = 1.3 * r;  // circumradius; pointing up
      std::array<Point, 3> tri = {Point{0, -R}, Point{R * 0.866, R * 0.5}, Point{-R * 0.866, R * 0.5}};
      return inside_polygon(tri, dx, dy);
    }
    case Marker::Star: {
      // Unit star: outer points at radius 1.45, inner at 0.6, one point straight up.
      static const std::array<Point, 10> unit = [] {
        std::array<Point, 10> pts;
        for (int k = 0; k < 10; ++k) {
          double radius = k % 2 == 0 ? 1.45 : 0.6, angle = -M_PI / 2 + k * M_PI / 5;
          pts[k] = {radius * std::cos(angle), radius * std::sin(angle)};
        }
        return pts;
      }();
      std::array<Point, 10> star;
      for (int k = 0; k < 10; ++k) star[k] = {unit[k].x * r, unit[k].y * r};
      return inside_polygon(star, dx, dy);
    }
  }
  return false;
}

// stb_easy_font's glyphs: capitals span font units y ∈ [0, 7], descenders reach 9; advance
// leaves one unit of space after each glyph.
constexpr int kCapHeight = 7, kLineHeight = 9;

std::string printable(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (c < 32 || c > 126) c = '?';
  return out;
}

// Bytes of vertex buffer stb_easy_font_print needs for t (printable ASCII): a glyph is drawn as
// at most one quad (4 vertices of 16 bytes) per segment of its font-table entry. The header's
// "about 270 bytes per character" is an average; wide glyphs such as '8', '0' or 'M' need more,
// and a buffer sized by the average silently drops the last quads of a short label.
size_t quad_bytes(const std::string& t) {
  size_t segments = 0;
  for (unsigned char c : t) {
    const auto &glyph = stb_easy_font_charinfo[c - 32], &next = stb_easy_font_charinfo[c - 32 + 1];
    segments += size_t(next.h_seg - glyph.h_seg) + size_t(next.v_seg - glyph.v_seg);
  }
  return segments * 64;
}

}  // namespace

// Liang–Barsky. Clipping before rasterizing keeps far-away points (a diverging path at 1e30)
// from making a huge bounding box.
bool clip_segment(Point& a, Point& b, const Rect& box) {
  double t0 = 0, t1 = 1, dx = b.x - a.x, dy = b.y - a.y;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {a.x - box.x, box.right() - a.x, a.y - box.y, box.bottom() - a.y};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return false;  // parallel to this edge and outside it
      continue;
    }
    double t = q[i] / p[i];
    if (p[i] < 0) t0 = std::max(t0, t);
    else t1 = std::min(t1, t);
  }
  if (t0 > t1) return false;
  Point na{a.x + t0 * dx, a.y + t0 * dy}, nb{a.x + t1 * dx, a.y + t1 * dy};
  a = na;
  b = nb;
  return true;
}

// ---- Mask ----------------------------------------------------------------------------------

void Mask::segment(Point a, Point b, double width, const Rect& clip) {
  if (!finite(a) || !finite(b)) return;
  double hw = std::max(width, 1.0) / 2;
  Rect reach{clip.x - hw - 1, clip.y - hw - 1, clip.w + 2 * hw + 2, clip.h + 2 * hw + 2};
  if (!clip_segment(a, b, reach)) return;
  int x0 = std::max({0, int(std::floor(std::min(a.x, b.x) - hw - 1)), int(std::floor(clip.x))});
  int x1 = std::min({width_, int(std::ceil(std::max(a.x, b.x) + hw + 1)), int(std::ceil(clip.right()))});
  int y0 = std::max({0, int(std::floor(std::min(a.y, b.y) - hw - 1)), int(std::floor(clip.y))});
  int y1 = std::min({height_, int(std::ceil(std::max(a.y, b.y) + hw + 1)), int(std::ceil(clip.bottom()))});
  if (x0 >= x1 || y0 >= y1) return;
  if (x0_ >= x1_) x0_ = x0, x1_ = x1, y0_ = y0, y1_ = y1;
  x0_ = std::min(x0_, x0), x1_ = std::max(x1_, x1), y0_ = std::min(y0_, y0), y1_ = std::max(y1_, y1);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      double d = distance_to_segment(x + 0.5, y + 0.5, a, b);
      float cover = float(std::clamp(hw + 0.5 - d, 0.0, 1.0));
      float& m = cover_[size_t(y) * width_ + x];
      m = std::max(m, cover);
    }
}

// ---- Canvas --------------------------------------------------------------------------------

Canvas::Canvas(int width, int height, Color background) : width_(width), height_(height) {
  if (width <= 0 || height <= 0 || width > 20000 || height > 20000)
    throw std::invalid_argument("Canvas: size must be within 1..20000 pixels, got " + std::to_string(width) + "x" +
                                std::to_string(height));
  rgb_.resize(size_t(width) * height * 3);
  for (size_t i = 0; i < rgb_.size(); i += 3) {
    rgb_[i] = background.r;
    rgb_[i + 1] = background.g;
    rgb_[i + 2] = background.b;
  }
  reset_clip();
}

Color Canvas::pixel(int x, int y) const {
  const uint8_t* p = &rgb_[(size_t(y) * width_ + x) * 3];
  return {p[0], p[1], p[2]};
}

void Canvas::set_clip(const Rect& clip) {
  // Intersect with the canvas; drawing tests pixel centres against this box.
  double x0 = std::max(0.0, clip.x), y0 = std::max(0.0, clip.y);
  double x1 = std::min(double(width_), clip.right()), y1 = std::min(double(height_), clip.bottom());
  clip_ = {x0, y0, std::max(0.0, x1 - x0), std::max(0.0, y1 - y0)};
}

void Canvas::reset_clip() { clip_ = {0, 0, double(width_), double(height_)}; }

void Canvas::blend(int x, int y, Color c, double alpha) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_ || !clip_.contains(x + 0.5, y + 0.5) || alpha <= 0) return;
  uint8_t* p = &rgb_[(size_t(y) * width_ + x) * 3];
  if (alpha >= 1) {
    p[0] = c.r, p[1] = c.g, p[2] = c.b;
    return;
  }
  auto mix = [alpha](uint8_t dst, uint8_t src) { return uint8_t(std::lround((1 - alpha) * dst + alpha * src)); };
  p[0] = mix(p[0], c.r), p[1] = mix(p[1], c.g), p[2] = mix(p[2], c.b);
}

void Canvas::fill_rect(const Rect& r, Color c, double alpha) {
  // Pixels whose centre is inside r.
  int x0 = std::max(0, int(std::ceil(r.x - 0.5))), x1 = std::min(width_, int(std::ceil(r.right() - 0.5)));
  int y0 = std::max(0, int(std::ceil(r.y - 0.5))), y1 = std::min(height_, int(std::ceil(r.bottom() - 0.5)));
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) blend(x, y, c, alpha);
}

void Canvas::stroke_rect(const Rect& r, Color c, double width) {
  fill_rect({r.x, r.y, r.w, width}, c);
  fill_rect({r.x, r.bottom() - width, r.w, width}, c);
  fill_rect({r.x, r.y, width, r.h}, c);
  fill_rect({r.right() - width, r.y, width, r.h}, c);
}

void Canvas::blend_mask(const Mask& mask, Color c, double alpha) {
  for (int y = mask.y0(); y < std::min(height_, mask.y1()); ++y)
    for (int x = mask.x0(); x < std::min(width_, mask.x1()); ++x)
      if (float m = mask.at(x, y); m > 0) blend(x, y, c, alpha * m);
}

void Canvas::line(Point a, Point b, Color c, double width, double alpha) { polyline({a, b}, c, width, alpha); }

void Canvas::polyline(const std::vector<Point>& points, Color c, double width, double alpha, double dash) {
  Mask mask(width_, height_);
  // A line thinner than a pixel is drawn one pixel wide and proportionally fainter.
  double a = width < 1 ? alpha * width : alpha;
  if (dash <= 0) {
    for (size_t i = 1; i < points.size(); ++i) mask.segment(points[i - 1], points[i], width, clip_);
  } else {
    // Dashes are the intervals [k·period, k·period + on] of the distance D travelled along the
    // line; each segment covers [D0, D1] and draws its overlap with them.
    const double on = dash, period = dash * 1.6;
    double travelled = 0;
    for (size_t i = 1; i < points.size(); ++i) {
      Point p = points[i - 1], q = points[i];
      if (!finite(p) || !finite(q)) continue;
      Point pc = p, qc = q;  // far-off points: measure only the visible part
      if (!clip_segment(pc, qc, {clip_.x - 50, clip_.y - 50, clip_.w + 100, clip_.h + 100})) continue;
      double len = std::hypot(qc.x - pc.x, qc.y - pc.y), d0 = travelled, d1 = travelled + len;
      travelled = d1;
      if (len <= 0) continue;
      auto at = [&](double d) {
        double t = (d - d0) / len;
        return Point{pc.x + (qc.x - pc.x) * t, pc.y + (qc.y - pc.y) * t};
      };
      for (double k = std::floor(d0 / period); k * period < d1; ++k) {
        double s = std::max(d0, k * period), e = std::min(d1, k * period + on);
        if (s < e) mask.segment(at(s), at(e), width, clip_);
      }
    }
  }
  blend_mask(mask, c, a);
}

void Canvas::marker(Point p, Marker shape, double r, Color fill, Color outline) {
  if (!finite(p) || !clip_.contains(p.x, p.y)) return;  // a marker outside the clip box is not drawn at all
  const double reach = 1.6 * r + 3;
  const int n = 4;  // 4×4 samples per pixel
  for (int y = int(std::floor(p.y - reach)); y <= int(std::ceil(p.y + reach)); ++y)
    for (int x = int(std::floor(p.x - reach)); x <= int(std::ceil(p.x + reach)); ++x) {
      int in_outline = 0, in_fill = 0;
      for (int sy = 0; sy < n; ++sy)
        for (int sx = 0; sx < n; ++sx) {
          double dx = x + (sx + 0.5) / n - p.x, dy = y + (sy + 0.5) / n - p.y;
          in_outline += inside_marker(shape, dx, dy, r + 1.5);
          in_fill += inside_marker(shape, dx, dy, r);
        }
      blend(x, y, outline, double(in_outline) / (n * n));
      blend(x, y, fill, double(in_fill) / (n * n));
    }
}

int Canvas::text_width(const std::string& s, int scale) {
  if (s.empty()) return 0;
  std::string t = printable(s);
  return (stb_easy_font_width(t.data()) - 1) * scale;  // without the space after the last glyph
}

int Canvas::text_height(int scale) { return kLineHeight * scale; }

void Canvas::text(double x, double y, const std::string& s, Color c, int scale, HAlign h, VAlign v, bool vertical) {
  if (s.empty()) return;
  std::string t = printable(s);
  std::vector<char> quads(quad_bytes(t));
  int n = stb_easy_font_print(0, 0, t.data(), nullptr, quads.data(), int(quads.size()));
  // Offsets (in the text's own frame: u along the text, w down the glyphs) of the anchor.
  double width = text_width(t, scale);
  double du = h == HAlign::Left ? 0 : h == HAlign::Center ? width / 2 : width;
  double dw = v == VAlign::Top ? 0 : v == VAlign::Middle ? kCapHeight * scale / 2.0 : kCapHeight * scale;
  // Integer origins keep each font unit on whole pixels, so text stays crisp.
  double ox = std::round(x), oy = std::round(y);
  du = std::round(du), dw = std::round(dw);
  for (int q = 0; q < n; ++q) {
    const char* vtx = quads.data() + q * 64;
    float u0, w0, u1, w1;
    std::memcpy(&u0, vtx, 4), std::memcpy(&w0, vtx + 4, 4);
    std::memcpy(&u1, vtx + 32, 4), std::memcpy(&w1, vtx + 36, 4);  // the opposite corner
    double a0 = u0 * scale - du, a1 = u1 * scale - du, b0 = w0 * scale - dw, b1 = w1 * scale - dw;
    if (!vertical) fill_rect({ox + a0, oy + b0, a1 - a0, b1 - b0}, c);
    else fill_rect({ox + b0, oy - a1, b1 - b0, a1 - a0}, c);  // (u, w) → (x + w, y − u)
  }
}

bool Canvas::is_uniform() const {
  for (size_t i = 3; i < rgb_.size(); i += 3)
    if (rgb_[i] != rgb_[0] || rgb_[i + 1] != rgb_[1] || rgb_[i + 2] != rgb_[2]) return false;
  return true;
}

std::vector<uint8_t> Canvas::encode_png() const {
  std::vector<uint8_t> bytes;
  auto append = [](void* context, void* data, int size) {
    auto* out = static_cast<std::vector<uint8_t>*>(context);
    out->insert(out->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  };
  if (!stbi_write_png_to_func(append, &bytes, width_, height_, 3, rgb_.data(), width_ * 3))
    throw std::runtime_error("encode_png: stb_image_write failed to encode a " + std::to_string(width_) + "x" +
                             std::to_string(height_) + " image");
  return bytes;
}

void Canvas::save_png(const std::string& path) const {
  if (is_uniform())
    throw std::runtime_error("save_png: refusing to write " + path +
                             ": the image is a single colour (nothing was drawn)");
  write_file_atomically(path, encode_png());
}

void write_file_atomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  file_io::write_file_atomically(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                                 "cannot write " + path + ": ");
}

}  // namespace descent::plot
