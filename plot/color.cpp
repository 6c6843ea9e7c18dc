// Colour map and palettes (see color.h).
//
// The colour map is built, not tabulated: five anchor colours (viridis's published key
// colours at t = 0, ¼, ½, ¾, 1) are converted to OKLab, a space in which equal distances look
// about equally different, and interpolated linearly there. OKLab lightness rises through the
// anchors, so the map is monotone in lightness, which is what makes it perceptual.
#include "plot/color.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace descent::plot {
namespace {

struct Lab {
  double L, a, b;
};

// sRGB transfer function and its inverse (8-bit value <-> linear light in [0, 1]).
double to_linear(uint8_t v) {
  double c = v / 255.0;
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}
uint8_t from_linear(double c) {
  c = std::clamp(c, 0.0, 1.0);
  double v = c <= 0.0031308 ? 12.92 * c : 1.055 * std::pow(c, 1 / 2.4) - 0.055;
  return uint8_t(std::lround(v * 255));
}

// OKLab (Björn Ottosson, 2020): linear sRGB -> cone-like LMS -> cube root -> Lab.
Lab to_oklab(Color c) {
  double r = to_linear(c.r), g = to_linear(c.g), b = to_linear(c.b);
  double l = std::cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  double m = std::cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  double s = std::cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  return {0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s,
          1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s,
          0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s};
}

Color from_oklab(Lab c) {
  double l = c.L + 0.3963377774 * c.a + 0.2158037573 * c.b;
  double m = c.L - 0.1055613458 * c.a - 0.0638541728 * c.b;
  double s = c.L - 0.0894841775 * c.a - 1.2914855480 * c.b;
  l = l * l * l, m = m * m * m, s = s * s * s;
  return {from_linear(4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s),
          from_linear(-1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s),
          from_linear(-0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s)};
}

// 256 entries, computed once.
const std::array<Color, 256>& colormap_table() {
  static const std::array<Color, 256> table = [] {
    const Color anchors[] = {Color::hex(0x440154), Color::hex(0x3b528b), Color::hex(0x21908c),
                             Color::hex(0x5dc863), Color::hex(0xfde725)};
    constexpr int kSegments = 4;
    std::array<Color, 256> t{};
    for (int i = 0; i < 256; ++i) {
      double pos = i / 255.0 * kSegments;
      int k = std::min(int(pos), kSegments - 1);
      double f = pos - k;
      Lab a = to_oklab(anchors[k]), b = to_oklab(anchors[k + 1]);
      t[i] = from_oklab({a.L + (b.L - a.L) * f, a.a + (b.a - a.a) * f, a.b + (b.b - a.b) * f});
    }
    return t;
  }();
  return table;
}

}  // namespace

Color colormap(double t) {
  if (!(t >= 0)) t = 0;  // also NaN
  return colormap_table()[size_t(std::lround(std::min(t, 1.0) * 255))];
}

Color series_color(size_t i) {
  // The usual ten categorical colours of plotting libraries: distinct on white.
  static const Color palette[] = {Color::hex(0x1f77b4), Color::hex(0xff7f0e), Color::hex(0x2ca02c),
                                  Color::hex(0xd62728), Color::hex(0x9467bd), Color::hex(0x8c564b),
                                  Color::hex(0xe377c2), Color::hex(0x7f7f7f), Color::hex(0xbcbd22),
                                  Color::hex(0x17becf)};
  return palette[i % std::size(palette)];
}

Color path_color(size_t i) {
  // Over viridis (purple -> teal -> green -> yellow) the safe colours are reds, oranges,
  // pinks, white and black; paths also get a dark halo (contour.cpp), so the lighter ones
  // stay visible on yellow.
  static const Color palette[] = {Color::hex(0xff2a2a), Color::hex(0xffffff), Color::hex(0xff9f1c),
                                  Color::hex(0xff4fd8), Color::hex(0x00e5ff), Color::hex(0x111111),
                                  Color::hex(0xffc2d1), Color::hex(0x9b5de5), Color::hex(0xc1ff3d),
                                  Color::hex(0xa0522d), Color::hex(0x3a86ff), Color::hex(0xbdbdbd)};
  return palette[i % std::size(palette)];
}

Color mix(Color a, Color b, double t) {
  auto m = [t](uint8_t x, uint8_t y) { return uint8_t(std::lround(x + (y - x) * t)); };
  return {m(a.r, b.r), m(a.g, b.g), m(a.b, b.b)};
}

}  // namespace descent::plot
