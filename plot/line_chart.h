#pragma once
// LineChart: named series of (x, y) points drawn as lines on labelled axes, with a legend —
// loss and accuracy curves, learning rates, gradient norms over steps.
//
//   plot::LineChart chart;
//   chart.title("Training loss").x_label("epoch").y_label("loss").log_y();
//   chart.add("train", epochs, train_loss);
//   chart.add("test", epochs, test_loss, plot::SeriesStyle().dash(8));
//   chart.save_png("loss.png");
//
// Ranges are automatic (the finite points plus a small margin) unless set. Non-finite points
// (a run that diverged to inf or NaN) and, on a log axis, points <= 0 are skipped: the line
// breaks there and the axes only cover what can be drawn. Not a scatter or bar chart.
// Read next: plot/contour.h (the other chart), plot/figure.h (several charts side by side).
#include <optional>
#include <string>
#include <vector>

#include "plot/figure.h"

namespace descent::plot {

// How a series is drawn; a builder, as libtorch's options: SeriesStyle().dash(8).width(3).
class SeriesStyle {
 public:
  SeriesStyle& color(Color c) { return color_ = c, *this; }        // default: the next of series_color()
  SeriesStyle& width(double w) { return width_ = w, *this; }       // line width in pixels (2.5)
  SeriesStyle& dash(double d) { return dash_ = d, *this; }         // > 0: dashes this many pixels long
  SeriesStyle& markers(bool on) { return markers_ = on, *this; }   // default: when there are <= 40 points
  SeriesStyle& marker(Marker m) { return marker_ = m, *this; }     // default: a different shape per series

  const std::optional<Color>& color() const { return color_; }
  double width() const { return width_; }
  double dash() const { return dash_; }
  const std::optional<bool>& markers() const { return markers_; }
  const std::optional<Marker>& marker() const { return marker_; }

 private:
  std::optional<Color> color_;
  double width_ = 2.5, dash_ = 0;
  std::optional<bool> markers_;
  std::optional<Marker> marker_;
};

struct Series {
  std::string name;
  std::vector<double> x, y;
  SeriesStyle style;
};

class LineChart : public Panel {
 public:
  LineChart& title(std::string title);
  LineChart& x_label(std::string label);
  LineChart& y_label(std::string label);
  LineChart& log_x(bool on = true);
  LineChart& log_y(bool on = true);  // ticks at powers of ten
  LineChart& x_range(double lo, double hi);  // fixed, instead of automatic
  LineChart& y_range(double lo, double hi);
  LineChart& legend(bool on);  // default: shown when some series has a name

  // x and y must have the same length. Throws std::invalid_argument otherwise.
  LineChart& add(std::string name, std::vector<double> x, std::vector<double> y, SeriesStyle style = {});
  LineChart& add(std::string name, std::vector<double> y, SeriesStyle style = {});  // x = 0, 1, 2, ...

  const std::vector<Series>& series() const { return series_; }
  // The colour series i is drawn in (its own, or its place in the palette).
  Color color_of(size_t i) const;
  Marker marker_of(size_t i) const;

  Layout draw(Canvas& canvas, const Rect& area) const override;

 private:
  std::string title_, x_label_, y_label_;
  bool log_x_ = false, log_y_ = false;
  std::optional<std::pair<double, double>> x_range_, y_range_;
  std::optional<bool> legend_;
  std::vector<Series> series_;
};

}  // namespace descent::plot
