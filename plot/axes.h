#pragma once
// Axes: the frame shared by every chart. Given the panel's area and the data ranges it lays
// out the plot box (room for the title on top, tick labels and axis labels on the left and
// below), chooses the ticks, and draws the grid (under the data) and the frame, ticks, labels
// and title (over it). Also the legend: its size, a corner of the plot box that hides the
// least, and its drawing.
// Not a chart itself: plot/line_chart.h and plot/contour.h use it. Read next: line_chart.h.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plot/canvas.h"
#include "plot/ticks.h"

namespace descent::plot {

struct AxesSpec {
  std::string title, x_label, y_label;
  double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;  // already padded; positive on a log axis
  bool x_log = false, y_log = false;
  double right_reserve = 0;  // pixels kept free right of the plot box (a colour bar)
};

class Axes {
 public:
  Axes(const Rect& area, const AxesSpec& spec);

  const Rect& plot() const { return plot_; }
  const Scale& x() const { return x_; }
  const Scale& y() const { return y_; }
  Point to_pixel(double x, double y) const { return {x_.to_pixel(x), y_.to_pixel(y)}; }

  void draw_grid(Canvas& canvas) const;   // light lines at the ticks, under the data
  void draw_frame(Canvas& canvas) const;  // border, ticks, tick labels, axis labels, title

 private:
  Rect area_, plot_;
  AxesSpec spec_;
  Scale x_, y_;
  std::vector<double> x_ticks_, y_ticks_, x_minor_, y_minor_;
  double x_step_ = 1, y_step_ = 1;
  std::string x_tick_label(double v) const;
  std::string y_tick_label(double v) const;
};

// One legend row: a line swatch (solid or dashed) and/or a marker, then the label.
struct LegendEntry {
  std::string label;
  Color color;
  bool line = true;
  double dash = 0;
  bool has_marker = false;
  Marker marker = Marker::Circle;
  Color marker_outline = kBlack;
  bool halo = false;  // a dark outline under the line (paths over a colour map; white paths)
};

// The legend's size in pixels for these entries (x = y = 0; the caller places it).
Rect legend_size(const std::vector<LegendEntry>& entries);

// A place for a w × h legend inside `plot`: of its four corners (top right first), the one that
// hides none of `keep_visible` (markers, counted within `radius` pixels of the box) and the
// fewest of `occupied` (samples along the data). Empty when every corner hides a point to keep
// visible or more than `max_hidden` occupied points: the caller then puts the legend outside.
std::optional<Rect> legend_corner(const Rect& plot, double w, double h, const std::vector<Point>& occupied,
                                  const std::vector<Point>& keep_visible = {}, double radius = 0,
                                  size_t max_hidden = SIZE_MAX);

// Draws the legend in `box` on a mostly opaque white background.
void draw_legend_at(Canvas& canvas, const Rect& box, const std::vector<LegendEntry>& entries);

// Draws the legend inside `plot`, in the corner where the fewest `occupied` points lie; returns
// the box (empty when there are no entries).
Rect draw_legend(Canvas& canvas, const Rect& plot, const std::vector<LegendEntry>& entries,
                 const std::vector<Point>& occupied);

// Points every few pixels along a polyline (pixels; a non-finite point breaks it), appended to
// `out` where they lie inside `plot`: what a legend placed there would hide.
void sample_polyline(const std::vector<Point>& pts, const Rect& plot, std::vector<Point>& out);

// Colours of the chrome, shared so every panel looks alike.
inline constexpr Color kTextColor = Color::hex(0x1a1a1a);
inline constexpr Color kFrameColor = Color::hex(0x333333);
inline constexpr Color kGridColor = Color::hex(0xdddddd);
inline constexpr Color kMinorGridColor = Color::hex(0xefefef);

}  // namespace descent::plot
