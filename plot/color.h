#pragma once
// Colours for charts: a perceptual sequential colour map for filled contours, and two
// palettes of distinct colours — one for lines on white, one for paths drawn over the colour
// map. Not a colour-management library: everything is 8-bit sRGB.
// Read next: plot/canvas.h (what draws with these), plot/contour.h (the colour map's user).
#include <cstddef>

#include "plot/canvas.h"

namespace descent::plot {

// A viridis-like map: t = 0 is dark purple, t = 1 light yellow, lightness rising steadily in
// between (so the order of values reads correctly in grey too). t is clamped to [0, 1].
Color colormap(double t);

// The i-th colour for series on a white background (cycles after 10).
Color series_color(size_t i);
// The i-th colour for paths over the colour map: saturated or very light/dark colours that
// stand apart from purple, teal, green and yellow alike (cycles after 12).
Color path_color(size_t i);

// Linear interpolation between two colours in sRGB (0 gives a, 1 gives b).
Color mix(Color a, Color b, double t);

}  // namespace descent::plot
