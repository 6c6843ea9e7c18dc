// ContourPlot (see contour.h). Drawing goes:
//   1. levels from the function's values on a fixed 201 × 201 grid (so they do not depend on
//      the picture's size), then the layout (the colour bar's labels need the levels);
//   2. a grid of samples every 2 pixels of the plot box (or the caller's grid);
//   3. bands: every pixel gets the bilinear interpolation of its cell's four samples and the
//      colour of the band that value falls in;
//   4. contour lines: marching squares on the same grid, so lines follow the band edges;
//   5. the colour bar; then paths (dark halo, then the colour; the longest first), start and
//      end markers, the frame and the legend (in a corner that hides no marker and hardly any
//      path, or outside).
// Steps 1–4 and the colour bar do not depend on the paths: an animation (draw_animated) draws
// them once and the rest once per frame, with each path cut at the frame's step.
#include "plot/contour.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "plot/axes.h"
#include "plot/color.h"

namespace descent::plot {
namespace {

constexpr int kLevelGrid = 201;  // samples per side for choosing the levels
constexpr double kBarGap = 16, kBarWidth = 18;
constexpr double kLegendGap = 16;   // between the colour bar's labels and a legend outside the box
constexpr double kMarkerReach = 12;  // a marker's radius and outline: a legend keeps this far away
const Color kHalo = kBlack;
const Color kContourLine = kBlack;

double lerp(double a, double b, double t) { return a + (b - a) * t; }

void check_box(double x0, double x1, double y0, double y1) {
  if (!(x0 < x1) || !(y0 < y1) || !std::isfinite(x0) || !std::isfinite(x1) || !std::isfinite(y0) ||
      !std::isfinite(y1))
    throw std::invalid_argument("ContourPlot: need a box with x0 < x1 and y0 < y1, got [" + format_value(x0) + ", " +
                                format_value(x1) + "] x [" + format_value(y0) + ", " + format_value(y1) + "]");
}

// Marching squares for one level over one cell with corners v00 (i, j), v10 (i+1, j), v11
// (i+1, j+1), v01 (i, j+1); emits segments in grid coordinates.
template <class Emit> void march_cell(int i, int j, double v00, double v10, double v11, double v01, double level,
                                      Emit&& emit) {
  bool b0 = v00 > level, b1 = v10 > level, b2 = v11 > level, b3 = v01 > level;
  if (b0 == b1 && b1 == b2 && b2 == b3) return;
  auto cross = [level](double a, double b) { return (level - a) / (b - a); };
  // Crossing points on the edges bottom (00-10), right (10-11), top (01-11), left (00-01).
  Point bottom{i + cross(v00, v10), double(j)}, right{i + 1.0, j + cross(v10, v11)};
  Point top{i + cross(v01, v11), j + 1.0}, left{double(i), j + cross(v00, v01)};
  std::vector<Point> pts;
  if (b0 != b1) pts.push_back(bottom);
  if (b1 != b2) pts.push_back(right);
  if (b3 != b2) pts.push_back(top);
  if (b0 != b3) pts.push_back(left);
  if (pts.size() == 2) {
    emit(pts[0], pts[1]);
  } else if (pts.size() == 4) {
    // A saddle cell: the cell's mean decides whether corners 0 and 2 connect through the middle.
    bool centre = (v00 + v10 + v11 + v01) / 4 > level;
    if (centre == b0) emit(bottom, right), emit(top, left);  // cut off corners 1 and 3
    else emit(left, bottom), emit(right, top);               // cut off corners 0 and 2
  }
}

// The length in pixels of a polyline's part inside the box.
double visible_length(const std::vector<Point>& pts, const Rect& box) {
  double length = 0;
  for (size_t i = 0; i + 1 < pts.size(); ++i) {
    Point a = pts[i], b = pts[i + 1];
    if (std::isfinite(a.x + a.y + b.x + b.y) && clip_segment(a, b, box)) length += std::hypot(b.x - a.x, b.y - a.y);
  }
  return length;
}

}  // namespace

ContourPlot::ContourPlot(Function f, double x0, double x1, double y0, double y1)
    : f_(std::move(f)), x0_(x0), x1_(x1), y0_(y0), y1_(y1) {
  check_box(x0, x1, y0, y1);
  if (!f_) throw std::invalid_argument("ContourPlot: the function is empty");
}

ContourPlot::ContourPlot(std::vector<double> values, int nx, int ny, double x0, double x1, double y0, double y1)
    : x0_(x0), x1_(x1), y0_(y0), y1_(y1) {
  check_box(x0, x1, y0, y1);
  if (nx < 2 || ny < 2 || values.size() != size_t(nx) * ny)
    throw std::invalid_argument("ContourPlot: need nx, ny >= 2 and nx*ny values, got nx=" + std::to_string(nx) +
                                " ny=" + std::to_string(ny) + " and " + std::to_string(values.size()) + " values");
  given_ = {nx, ny, std::move(values)};
}

ContourPlot& ContourPlot::title(std::string title) { return title_ = std::move(title), *this; }
ContourPlot& ContourPlot::x_label(std::string label) { return x_label_ = std::move(label), *this; }
ContourPlot& ContourPlot::y_label(std::string label) { return y_label_ = std::move(label), *this; }
ContourPlot& ContourPlot::colorbar(bool on) { return colorbar_ = on, *this; }

ContourPlot& ContourPlot::levels(int count, Levels spacing) {
  if (count < 2 || count > 64)
    throw std::invalid_argument("ContourPlot::levels: count must be within 2..64, got " + std::to_string(count));
  level_count_ = count, spacing_ = spacing;
  return *this;
}

ContourPlot& ContourPlot::add_path(std::string name, std::vector<Point> points, PathStyle style) {
  paths_.push_back({std::move(name), std::move(points), style});
  return *this;
}

ContourPlot& ContourPlot::add_path(std::string name, const std::vector<double>& xs, const std::vector<double>& ys,
                                   PathStyle style) {
  if (xs.size() != ys.size())
    throw std::invalid_argument("ContourPlot::add_path: path '" + name + "' has " + std::to_string(xs.size()) +
                                " x values but " + std::to_string(ys.size()) + " y values");
  std::vector<Point> points(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) points[i] = {xs[i], ys[i]};
  return add_path(std::move(name), std::move(points), style);
}

ContourPlot& ContourPlot::add_marker(std::string name, double x, double y, Marker shape, Color color) {
  marks_.push_back({std::move(name), {x, y}, shape, color});
  return *this;
}

Color ContourPlot::color_of(size_t i) const { return paths_[i].style.color().value_or(path_color(i)); }

Marker ContourPlot::end_marker_of(size_t i) const {
  static const Marker shapes[] = {Marker::Square, Marker::Triangle, Marker::Diamond, Marker::Circle, Marker::Cross};
  return paths_[i].style.end_marker().value_or(shapes[i % std::size(shapes)]);
}

std::vector<double> ContourPlot::compute_levels(std::vector<double> samples, int count, Levels spacing) {
  samples.erase(std::remove_if(samples.begin(), samples.end(), [](double v) { return !std::isfinite(v); }),
                samples.end());
  std::vector<double> levels;
  if (samples.empty()) return levels;
  std::sort(samples.begin(), samples.end());
  double lo = samples.front(), hi = samples.back();
  auto quantile = [&](double q) { return samples[size_t(std::lround(q * (samples.size() - 1)))]; };
  for (int k = 1; k < count; ++k) {
    double t = double(k) / count, v;
    if (spacing == Levels::Quantile) {
      v = quantile(t);
    } else if (spacing == Levels::Linear) {
      v = lerp(lo, hi, t);
    } else {
      // Log-spaced heights above the minimum, from the 0.5% quantile's height (or 1e-6 of the
      // range, for a function that is flat at its minimum) up towards the full range, the
      // top band spanning the same factor as the others.
      double range = hi - lo, low = std::max(quantile(0.005) - lo, range * 1e-6);
      v = range > 0 ? lo + low * std::pow(range / low, double(k - 1) / (count - 1)) : lo;
    }
    if (v > lo && v < hi && (levels.empty() || v > levels.back())) levels.push_back(v);  // no empty bands
  }
  return levels;
}

ContourPlot::Grid ContourPlot::sample(const Rect& plot) const {
  if (!f_) return given_;
  Grid g;
  g.nx = std::max(2, int(plot.w / 2) + 1), g.ny = std::max(2, int(plot.h / 2) + 1);
  g.values.resize(size_t(g.nx) * g.ny);
  for (int j = 0; j < g.ny; ++j)
    for (int i = 0; i < g.nx; ++i)
      g.values[size_t(j) * g.nx + i] = f_(lerp(x0_, x1_, double(i) / (g.nx - 1)), lerp(y0_, y1_, double(j) / (g.ny - 1)));
  return g;
}

// What drawing needs beyond the plot's own data: computed once per picture (or animation).
struct ContourPlot::Prepared {
  Axes axes;
  std::vector<double> levels;
  double bar = 0;  // width of the colour bar and its labels
  std::vector<LegendEntry> entries;
  Rect legend_wh;
  std::optional<Rect> legend_box;             // inside the plot box; empty: outside, or no legend
  std::vector<std::vector<Point>> pixels;     // every path in pixels
  std::vector<size_t> order;                  // longest path first
  int bands() const { return int(levels.size()) + 1; }
  Color band_color(int band) const {
    return band < 0 ? Color::hex(0x808080) : colormap(bands() > 1 ? double(band) / (bands() - 1) : 0.5);
  }
};

ContourPlot::Prepared ContourPlot::prepare(const Rect& area) const {
  // 1. Levels and layout.
  std::vector<double> level_samples;
  if (f_) {
    level_samples.reserve(size_t(kLevelGrid) * kLevelGrid);
    for (int j = 0; j < kLevelGrid; ++j)
      for (int i = 0; i < kLevelGrid; ++i)
        level_samples.push_back(f_(lerp(x0_, x1_, i / (kLevelGrid - 1.0)), lerp(y0_, y1_, j / (kLevelGrid - 1.0))));
  } else {
    level_samples = given_.values;
  }
  std::vector<double> levels = compute_levels(std::move(level_samples), level_count_, spacing_);
  double bar_labels = 0;
  for (double v : levels) bar_labels = std::max(bar_labels, double(Canvas::text_width(format_value(v), 2)));
  const double bar = colorbar_ ? kBarGap + kBarWidth + 6 + bar_labels : 0;
  AxesSpec spec{title_, x_label_, y_label_, x0_, x1_, y0_, y1_, false, false, bar};
  Prepared p{Axes(area, spec), std::move(levels), bar, legend_entries(), {}, {}, {}, {}};
  // The legend goes in a corner of the plot box that hides no marker (a start, an end, the
  // minimum) and hardly any path; where every corner would, it goes outside, right of the
  // colour bar, and the plot box narrows to make room.
  p.legend_wh = legend_size(p.entries);
  if (!p.entries.empty()) {
    std::vector<Point> path_samples, markers;
    obstacles(p.axes, path_samples, markers);
    p.legend_box = legend_corner(p.axes.plot(), p.legend_wh.w, p.legend_wh.h, path_samples, markers, kMarkerReach,
                                 path_samples.size() / 50);
    if (!p.legend_box) {
      spec.right_reserve = bar + kLegendGap + p.legend_wh.w;
      p.axes = Axes(area, spec);
    }
  }
  // Paths in pixels, and the order they are drawn in: paths from one start often share a valley,
  // and a shorter one drawn over a longer one stays visible up to its end (drawn under it, it
  // would vanish), so the longest go first.
  std::vector<double> length(paths_.size(), 0.0);
  p.pixels.resize(paths_.size());
  for (size_t k = 0; k < paths_.size(); ++k) {
    for (const Point& q : paths_[k].points) p.pixels[k].push_back(p.axes.to_pixel(q.x, q.y));
    length[k] = visible_length(p.pixels[k], p.axes.plot());
  }
  p.order.resize(paths_.size());
  for (size_t k = 0; k < p.order.size(); ++k) p.order[k] = k;
  std::stable_sort(p.order.begin(), p.order.end(), [&](size_t a, size_t b) { return length[a] > length[b]; });
  return p;
}

void ContourPlot::draw_still(Canvas& canvas, const Prepared& p) const {
  const Rect plot = p.axes.plot();
  const std::vector<double>& levels = p.levels;
  // 2.–3. Bands.
  const Grid grid = sample(plot);
  auto band_of = [&](double v) {
    if (std::isnan(v)) return -1;
    return int(std::upper_bound(levels.begin(), levels.end(), v) - levels.begin());
  };
  for (int py = int(plot.y); py < int(plot.bottom()); ++py)
    for (int px = int(plot.x); px < int(plot.right()); ++px) {
      // Grid coordinates of the pixel's centre (row 0 of the grid is y0, the bottom).
      double gi = (px + 0.5 - plot.x) / plot.w * (grid.nx - 1);
      double gj = (plot.bottom() - (py + 0.5)) / plot.h * (grid.ny - 1);
      int i = std::clamp(int(gi), 0, grid.nx - 2), j = std::clamp(int(gj), 0, grid.ny - 2);
      double fx = gi - i, fy = gj - j;
      double v00 = grid.at(i, j), v10 = grid.at(i + 1, j), v01 = grid.at(i, j + 1), v11 = grid.at(i + 1, j + 1);
      double v = lerp(lerp(v00, v10, fx), lerp(v01, v11, fx), fy);
      if (!std::isfinite(v)) v = grid.at(fx < 0.5 ? i : i + 1, fy < 0.5 ? j : j + 1);  // inf or NaN nearby
      canvas.blend(px, py, p.band_color(band_of(v)));
    }

  // 4. Contour lines.
  canvas.set_clip(plot);
  auto to_pixel = [&](Point g) {
    return Point{plot.x + g.x / (grid.nx - 1) * plot.w, plot.bottom() - g.y / (grid.ny - 1) * plot.h};
  };
  Mask lines(canvas.width(), canvas.height());
  for (double level : levels)
    for (int j = 0; j + 1 < grid.ny; ++j)
      for (int i = 0; i + 1 < grid.nx; ++i) {
        double v00 = grid.at(i, j), v10 = grid.at(i + 1, j), v11 = grid.at(i + 1, j + 1), v01 = grid.at(i, j + 1);
        if (!std::isfinite(v00) || !std::isfinite(v10) || !std::isfinite(v11) || !std::isfinite(v01)) continue;
        march_cell(i, j, v00, v10, v11, v01, level,
                   [&](Point a, Point b) { lines.segment(to_pixel(a), to_pixel(b), 1.0, plot); });
      }
  canvas.blend_mask(lines, kContourLine, 0.35);
  canvas.reset_clip();

  // The colour bar: one equal-height box per band, labels at the boundaries (every other one
  // when they would touch).
  const int bands = p.bands();
  if (colorbar_ && bands > 1) {
    double bx = plot.right() + kBarGap, bh = plot.h / bands;
    for (int b = 0; b < bands; ++b)
      canvas.fill_rect({bx, plot.bottom() - (b + 1) * bh, kBarWidth, bh + 0.5}, p.band_color(b));
    canvas.stroke_rect({bx - 1, plot.y - 1, kBarWidth + 2, plot.h + 2}, kFrameColor, 1);
    int every = std::max(1, int(std::ceil(24 / bh)));
    for (int k = 0; k < int(levels.size()); k += every) {
      double y = std::floor(plot.bottom() - (k + 1) * bh);
      canvas.fill_rect({bx + kBarWidth, y, 4, 1.5}, kFrameColor);
      canvas.text(bx + kBarWidth + 6, y + 1, format_value(levels[k]), kTextColor, 2, HAlign::Left, VAlign::Middle);
    }
  }
}

Layout ContourPlot::draw_paths(Canvas& canvas, const Prepared& p, size_t step) const {
  const Rect plot = p.axes.plot();
  // Each path up to its iterate `step` (all of it when it has fewer).
  auto shown = [&](size_t k) { return std::min(p.pixels[k].size(), step + 1); };
  // 5. Paths: a dark halo under each keeps it visible on every band, light or dark. A path
  // with few iterates (Newton, L-BFGS) gets a dot on each, skipping dots that would touch the
  // last one drawn; the dots go over every line.
  canvas.set_clip(plot);
  for (size_t k : p.order) {
    const PathStyle& style = paths_[k].style;
    const std::vector<Point> pts(p.pixels[k].begin(), p.pixels[k].begin() + shown(k));
    canvas.polyline(pts, kHalo, style.width() + 3, 0.6, style.dash());
    canvas.polyline(pts, color_of(k), style.width(), 1.0, style.dash());
  }
  for (size_t k : p.order) {
    if (p.pixels[k].size() > 100) continue;
    Point last{NAN, NAN};
    for (size_t i = 0; i < shown(k); ++i) {
      const Point& q = p.pixels[k][i];
      if (!(std::hypot(q.x - last.x, q.y - last.y) < 6)) {  // NaN compares false: the first dot is drawn
        canvas.marker(q, Marker::Circle, 1.8, color_of(k), kHalo);
        last = q;
      }
    }
  }
  for (size_t k : p.order) {
    if (shown(k) == 0) continue;
    canvas.marker(p.pixels[k].front(), Marker::Circle, 5, kWhite, kBlack);
    // The end (or, while animated, the iterate reached): the last finite point (a diverged path
    // ends where it left the numbers).
    for (size_t i = shown(k); i-- > 0;)
      if (std::isfinite(p.pixels[k][i].x) && std::isfinite(p.pixels[k][i].y)) {
        canvas.marker(p.pixels[k][i], end_marker_of(k), 6, color_of(k), kBlack);
        break;
      }
  }
  for (const Mark& m : marks_) canvas.marker(p.axes.to_pixel(m.at.x, m.at.y), m.shape, 7, m.color, kBlack);
  canvas.reset_clip();
  p.axes.draw_frame(canvas);

  Layout layout{plot, p.axes.x(), p.axes.y(), {}};
  if (p.legend_box) {
    canvas.set_clip(plot);
    draw_legend_at(canvas, *p.legend_box, p.entries);
    canvas.reset_clip();
    layout.legend = *p.legend_box;
  } else if (!p.entries.empty()) {
    layout.legend = {plot.right() + p.bar + kLegendGap, plot.y, p.legend_wh.w, std::min(p.legend_wh.h, plot.h)};
    draw_legend_at(canvas, layout.legend, p.entries);
  }
  return layout;
}

Layout ContourPlot::draw(Canvas& canvas, const Rect& area) const {
  const Prepared p = prepare(area);
  draw_still(canvas, p);
  return draw_paths(canvas, p, SIZE_MAX - 1);
}

// Frames of an animation: the bands, contour lines and colour bar are drawn once; each frame
// draws the paths up to its step over a copy of them.
std::unique_ptr<Panel::Steps> ContourPlot::draw_animated(Canvas& canvas, const Rect& area) const {
  struct PathSteps : Steps {
    const ContourPlot& plot;
    Prepared prepared;
    PathSteps(const ContourPlot& c, Prepared p) : plot(c), prepared(std::move(p)) {}
    size_t count() const override {
      size_t longest = 0;
      for (const auto& pts : prepared.pixels) longest = std::max(longest, pts.size());
      return longest == 0 ? 0 : longest - 1;
    }
    void draw(Canvas& canvas, size_t step) const override { plot.draw_paths(canvas, prepared, step); }
  };
  auto steps = std::make_unique<PathSteps>(*this, prepare(area));
  draw_still(canvas, steps->prepared);
  return steps;
}

std::vector<LegendEntry> ContourPlot::legend_entries() const {
  std::vector<LegendEntry> entries;
  for (size_t k = 0; k < paths_.size(); ++k)
    entries.push_back(
        {paths_[k].name, color_of(k), true, paths_[k].style.dash(), true, end_marker_of(k), kBlack, /*halo=*/true});
  if (!paths_.empty()) entries.push_back({"start", kWhite, false, 0, true, Marker::Circle, kBlack, false});
  for (const Mark& m : marks_) entries.push_back({m.name, m.color, false, 0, true, m.shape, kBlack, false});
  return entries;
}

void ContourPlot::obstacles(const Axes& axes, std::vector<Point>& path_samples, std::vector<Point>& markers) const {
  const Rect& plot = axes.plot();
  auto keep = [&](Point p) {
    if (std::isfinite(p.x) && std::isfinite(p.y) && plot.contains(p.x, p.y)) markers.push_back(p);
  };
  for (const Path& path : paths_) {
    std::vector<Point> pts;
    for (const Point& p : path.points) pts.push_back(axes.to_pixel(p.x, p.y));
    sample_polyline(pts, plot, path_samples);
    if (pts.empty()) continue;
    keep(pts.front());
    for (auto it = pts.rbegin(); it != pts.rend(); ++it)  // the end marker: the last finite point
      if (std::isfinite(it->x) && std::isfinite(it->y)) {
        keep(*it);
        break;
      }
  }
  for (const Mark& m : marks_) keep(axes.to_pixel(m.at.x, m.at.y));
}

}  // namespace descent::plot
