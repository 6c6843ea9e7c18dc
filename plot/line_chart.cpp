// LineChart (see line_chart.h): automatic ranges from the drawable points, then grid, lines,
// markers, frame and legend, in that order so the data sits on the grid and under the labels.
#include "plot/line_chart.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "plot/axes.h"
#include "plot/color.h"

namespace descent::plot {
namespace {

constexpr size_t kMarkerLimit = 40;  // more points than this and markers become clutter

bool drawable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

}  // namespace

LineChart& LineChart::title(std::string title) { return title_ = std::move(title), *this; }
LineChart& LineChart::x_label(std::string label) { return x_label_ = std::move(label), *this; }
LineChart& LineChart::y_label(std::string label) { return y_label_ = std::move(label), *this; }
LineChart& LineChart::log_x(bool on) { return log_x_ = on, *this; }
LineChart& LineChart::log_y(bool on) { return log_y_ = on, *this; }
LineChart& LineChart::legend(bool on) { return legend_ = on, *this; }

LineChart& LineChart::x_range(double lo, double hi) {
  if (!(lo < hi) || !std::isfinite(lo) || !std::isfinite(hi))
    throw std::invalid_argument("LineChart::x_range: need finite lo < hi, got " + format_value(lo) + " and " +
                                format_value(hi));
  x_range_ = {lo, hi};
  return *this;
}

LineChart& LineChart::y_range(double lo, double hi) {
  if (!(lo < hi) || !std::isfinite(lo) || !std::isfinite(hi))
    throw std::invalid_argument("LineChart::y_range: need finite lo < hi, got " + format_value(lo) + " and " +
                                format_value(hi));
  y_range_ = {lo, hi};
  return *this;
}

LineChart& LineChart::add(std::string name, std::vector<double> x, std::vector<double> y, SeriesStyle style) {
  if (x.size() != y.size())
    throw std::invalid_argument("LineChart::add: series '" + name + "' has " + std::to_string(x.size()) +
                                " x values but " + std::to_string(y.size()) + " y values");
  series_.push_back({std::move(name), std::move(x), std::move(y), style});
  return *this;
}

LineChart& LineChart::add(std::string name, std::vector<double> y, SeriesStyle style) {
  std::vector<double> x(y.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = double(i);
  return add(std::move(name), std::move(x), std::move(y), style);
}

Color LineChart::color_of(size_t i) const { return series_[i].style.color().value_or(series_color(i)); }

Marker LineChart::marker_of(size_t i) const {
  static const Marker shapes[] = {Marker::Circle, Marker::Square, Marker::Triangle, Marker::Diamond, Marker::Star};
  return series_[i].style.marker().value_or(shapes[i % std::size(shapes)]);
}

Layout LineChart::draw(Canvas& canvas, const Rect& area) const {
  // Ranges: what can be drawn (finite, and positive on a log axis), then padded.
  double inf = std::numeric_limits<double>::infinity();
  double x_lo = inf, x_hi = -inf, y_lo = inf, y_hi = -inf;
  for (const Series& s : series_)
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!drawable(s.x[i], log_x_) || !drawable(s.y[i], log_y_)) continue;
      // With a fixed x range, the automatic y range covers only the points inside it.
      if (x_range_ && (s.x[i] < x_range_->first || s.x[i] > x_range_->second)) continue;
      x_lo = std::min(x_lo, s.x[i]), x_hi = std::max(x_hi, s.x[i]);
      y_lo = std::min(y_lo, s.y[i]), y_hi = std::max(y_hi, s.y[i]);
    }
  if (x_lo > x_hi) x_lo = 1, x_hi = 10, y_lo = 1, y_hi = 10;  // nothing drawable: an empty frame
  AxesSpec spec{title_, x_label_, y_label_, x_lo, x_hi, y_lo, y_hi, log_x_, log_y_, 0};
  pad_range(spec.x_lo, spec.x_hi, log_x_, 0.02);
  pad_range(spec.y_lo, spec.y_hi, log_y_, 0.05);
  if (x_range_) spec.x_lo = x_range_->first, spec.x_hi = x_range_->second;
  if (y_range_) spec.y_lo = y_range_->first, spec.y_hi = y_range_->second;
  if (log_x_ && spec.x_lo <= 0)
    throw std::invalid_argument("LineChart: a log x axis needs a positive range, got x_lo " + format_value(spec.x_lo));
  if (log_y_ && spec.y_lo <= 0)
    throw std::invalid_argument("LineChart: a log y axis needs a positive range, got y_lo " + format_value(spec.y_lo));

  Axes axes(area, spec);
  axes.draw_grid(canvas);
  canvas.set_clip(axes.plot());
  std::vector<Point> occupied;
  for (size_t k = 0; k < series_.size(); ++k) {
    const Series& s = series_[k];
    std::vector<Point> pts(s.x.size());
    for (size_t i = 0; i < pts.size(); ++i) pts[i] = axes.to_pixel(s.x[i], s.y[i]);  // NaN where undrawable
    canvas.polyline(pts, color_of(k), s.style.width(), 1.0, s.style.dash());
    if (s.style.markers().value_or(pts.size() <= kMarkerLimit))
      for (const Point& p : pts) canvas.marker(p, marker_of(k), s.style.width() + 1.5, color_of(k), kWhite);
    sample_polyline(pts, axes.plot(), occupied);
    // Where the series first stops being finite (a run that diverged), a small triangle at
    // the edge of the box labelled "inf" or "nan" says so, rather than the line just ending.
    for (size_t i = 1; i < s.y.size(); ++i) {
      if (std::isfinite(s.y[i]) || !std::isfinite(s.y[i - 1])) continue;
      double px = axes.x().to_pixel(s.x[i]);
      if (std::isfinite(px)) {
        bool low = s.y[i] == -std::numeric_limits<double>::infinity();
        double py = low ? axes.plot().bottom() - 10 : axes.plot().y + 10;
        canvas.marker({px, py}, Marker::Triangle, 4.5, color_of(k), kWhite);
        canvas.text(px + 9, py, std::isnan(s.y[i]) ? "nan" : low ? "-inf" : "inf", color_of(k), 2, HAlign::Left,
                    VAlign::Middle);
        occupied.push_back({px, py});
      }
      break;
    }
  }
  canvas.reset_clip();
  axes.draw_frame(canvas);

  Layout layout{axes.plot(), axes.x(), axes.y(), {}};
  bool named = std::any_of(series_.begin(), series_.end(), [](const Series& s) { return !s.name.empty(); });
  if (legend_.value_or(named)) {
    std::vector<LegendEntry> entries;
    for (size_t k = 0; k < series_.size(); ++k) {
      const Series& s = series_[k];
      bool markers = s.style.markers().value_or(s.x.size() <= kMarkerLimit);
      entries.push_back({s.name, color_of(k), true, s.style.dash(), markers, marker_of(k), kWhite, false});
    }
    layout.legend = draw_legend(canvas, axes.plot(), entries, occupied);
  }
  return layout;
}

}  // namespace descent::plot
