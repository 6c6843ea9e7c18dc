#pragma once
// ContourPlot: a function of two variables over a box [x0, x1] × [y0, y1], drawn as filled
// contour bands in a perceptual colour map with thin contour lines between them, and paths —
// an optimizer's iterates — drawn over it with start and end markers and a legend.
//
//   auto rosenbrock = [](double x, double y) { return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x); };
//   plot::ContourPlot plot(rosenbrock, -2, 2, -1, 3);
//   plot.title("Rosenbrock").x_label("x").y_label("y");
//   plot.add_path("sgd", sgd_points).add_path("adam", adam_points);
//   plot.add_marker("minimum", 1, 1);
//   plot.save_png("rosenbrock.png");
//
// Levels are quantiles of the sampled values by default: each band covers about the same
// area, which shows a narrow valley (Rosenbrock's) as well as a bowl. Log-spaced levels (above
// the minimum) and linear ones are options. Path points outside the box are clipped, a
// non-finite point breaks the path. The legend sits in a corner of the box that hides no
// marker (starts, ends, the minimum) and hardly any path; when no corner does (a dozen paths
// with a tall legend), it goes outside, right of the colour bar, and the box narrows.
// Not a 3-D surface or a heat map of raw data.
// Read next: plot/figure.h (several plots side by side), plot/color.h (the colour map).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plot/axes.h"
#include "plot/figure.h"

namespace descent::plot {

enum class Levels { Quantile, Log, Linear };

// How a path is drawn; a builder, as libtorch's options: PathStyle().color(c).dash(6).
class PathStyle {
 public:
  PathStyle& color(Color c) { return color_ = c, *this; }             // default: the next of path_color()
  PathStyle& width(double w) { return width_ = w, *this; }            // line width in pixels (2.5)
  PathStyle& dash(double d) { return dash_ = d, *this; }              // > 0: dashed
  PathStyle& end_marker(Marker m) { return end_marker_ = m, *this; }  // default: a shape per path

  const std::optional<Color>& color() const { return color_; }
  double width() const { return width_; }
  double dash() const { return dash_; }
  const std::optional<Marker>& end_marker() const { return end_marker_; }

 private:
  std::optional<Color> color_;
  double width_ = 2.5, dash_ = 0;
  std::optional<Marker> end_marker_;
};

struct Path {
  std::string name;
  std::vector<Point> points;  // data coordinates
  PathStyle style;
};

class ContourPlot : public Panel {
 public:
  using Function = std::function<double(double x, double y)>;

  // f is sampled every 2 pixels of the plot box (and interpolated in between).
  ContourPlot(Function f, double x0, double x1, double y0, double y1);
  // Values already sampled on an nx × ny grid: values[j·nx + i] = f(x_i, y_j) with x_i going
  // from x0 to x1 and y_j from y0 to y1 (nx, ny >= 2).
  ContourPlot(std::vector<double> values, int nx, int ny, double x0, double x1, double y0, double y1);

  ContourPlot& title(std::string title);
  ContourPlot& x_label(std::string label);
  ContourPlot& y_label(std::string label);
  ContourPlot& levels(int count, Levels spacing = Levels::Quantile);  // count bands (2..64)
  ContourPlot& colorbar(bool on);  // default on

  ContourPlot& add_path(std::string name, std::vector<Point> points, PathStyle style = {});
  ContourPlot& add_path(std::string name, const std::vector<double>& xs, const std::vector<double>& ys,
                        PathStyle style = {});
  // A labelled point, e.g. the minimum (a white star by default).
  ContourPlot& add_marker(std::string name, double x, double y, Marker shape = Marker::Star, Color color = kWhite);

  const std::vector<Path>& paths() const { return paths_; }
  Color color_of(size_t i) const;
  Marker end_marker_of(size_t i) const;

  // Band boundaries for these samples (ascending; at most count − 1 of them).
  static std::vector<double> compute_levels(std::vector<double> samples, int count, Levels spacing);

  Layout draw(Canvas& canvas, const Rect& area) const override;
  // Bands, contour lines and colour bar drawn once; each step draws every path up to that
  // iterate (the end marker on the iterate reached), with the layout of the whole picture.
  std::unique_ptr<Steps> draw_animated(Canvas& canvas, const Rect& area) const override;

 private:
  struct Prepared;  // levels, layout, legend and the paths in pixels (contour.cpp)
  Prepared prepare(const Rect& area) const;
  void draw_still(Canvas& canvas, const Prepared& p) const;                // what paths do not change
  Layout draw_paths(Canvas& canvas, const Prepared& p, size_t step) const;  // the rest, paths cut at `step`
  struct Grid {
    int nx = 0, ny = 0;
    std::vector<double> values;  // row j (y_j) after row j − 1
    double at(int i, int j) const { return values[size_t(j) * nx + i]; }
  };
  struct Mark {
    std::string name;
    Point at;
    Marker shape;
    Color color;
  };
  Grid sample(const Rect& plot) const;
  std::vector<LegendEntry> legend_entries() const;
  // What a legend must not hide, in pixels: samples along the paths, and the markers (starts,
  // ends, marked points) inside the plot box.
  void obstacles(const Axes& axes, std::vector<Point>& path_samples, std::vector<Point>& markers) const;

  Function f_;
  Grid given_;
  double x0_, x1_, y0_, y1_;
  std::string title_, x_label_, y_label_;
  int level_count_ = 14;
  Levels spacing_ = Levels::Quantile;
  bool colorbar_ = true;
  std::vector<Path> paths_;
  std::vector<Mark> marks_;
};

}  // namespace descent::plot
