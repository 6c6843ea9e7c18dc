// ContourPlot specifics: level spacing, bands coloured by value, paths clipped to the box,
// a pre-sampled grid, and argument checks.
#include <cmath>

#include "helpers.h"
#include "png.h"

namespace plot = descent::plot;

TEST_CASE("quantile levels split the samples into bands of equal count, log levels are geometric above the minimum") {
  std::vector<double> samples;
  for (int i = 0; i < 1000; ++i) samples.push_back(i * i);  // skewed, like a loss surface
  auto q = plot::ContourPlot::compute_levels(samples, 4, plot::Levels::Quantile);
  REQUIRE(q.size() == 3);
  REQUIRE(q[0] == Approx(250.0 * 250).epsilon(0.01));
  REQUIRE(q[1] == Approx(500.0 * 500).epsilon(0.01));
  auto lg = plot::ContourPlot::compute_levels(samples, 8, plot::Levels::Log);
  REQUIRE(lg.size() == 7);
  for (size_t k = 2; k < lg.size(); ++k) REQUIRE(lg[k] / lg[k - 1] == Approx(lg[1] / lg[0]).epsilon(1e-9));
  auto lin = plot::ContourPlot::compute_levels(samples, 3, plot::Levels::Linear);
  REQUIRE(lin.size() == 2);
  REQUIRE(lin[0] == Approx(999.0 * 999 / 3));
  // A constant function has no levels (one band), NaNs are ignored.
  REQUIRE(plot::ContourPlot::compute_levels({1, 1, 1, NAN}, 10, plot::Levels::Quantile).empty());
}

TEST_CASE("bands take the colour map's ends at the function's low and high sides") {
  // f(x, y) = x on a 2 x 2 grid: low on the left, high on the right.
  plot::ContourPlot contour({0, 1, 0, 1}, 2, 2, 0, 1, 0, 1);
  contour.levels(8, plot::Levels::Linear).colorbar(false);
  plot::Layout layout;
  plot::Canvas canvas = contour.render(800, 600, &layout);
  test::Image img{canvas.width(), canvas.height(), canvas.data()};
  double mid_y = layout.plot.y + layout.plot.h / 2;
  REQUIRE(test::color_distance(img.at(int(layout.plot.x + 3), int(mid_y)), plot::colormap(0)) <= 3);
  REQUIRE(test::color_distance(img.at(int(layout.plot.right() - 4), int(mid_y)), plot::colormap(1)) <= 3);
  canvas.save_png(test::plot_out("contour_linear.png"));
}

TEST_CASE("a path leaving the box is clipped at the frame") {
  auto bowl = [](double x, double y) { return x * x + 4 * y * y; };
  plot::ContourPlot contour(bowl, -1, 1, -1, 1);
  contour.title("clipped").colorbar(false);
  // From the middle to far outside on the right, then back in.
  contour.add_path("out and back", std::vector<double>{0, 5, 0.5}, std::vector<double>{0, 0, 0.5},
                   plot::PathStyle().color(plot::Color::hex(0xff00ff)));
  plot::Layout layout;
  plot::Canvas canvas = contour.render(800, 600, &layout);
  test::Image img{canvas.width(), canvas.height(), canvas.data()};
  const plot::Color magenta = plot::Color::hex(0xff00ff);
  // Inside: the path is there, along y = 0 between x = 0.2 and 0.9.
  for (double x = 0.2; x < 0.95; x += 0.1)
    REQUIRE(test::color_near(img, layout.x.to_pixel(x), layout.y.to_pixel(0), magenta, 1, 40));
  // Outside the plot box (right margin, at the path's height) there is no magenta.
  plot::Rect margin{layout.plot.right() + 3, layout.y.to_pixel(0) - 10, double(img.width) - layout.plot.right() - 3,
                    20};
  REQUIRE(test::count_color(img, margin, magenta, 40) == 0);
  canvas.save_png(test::plot_out("contour_clipped.png"));
}

TEST_CASE("contour plots check their arguments") {
  auto f = [](double x, double y) { return x + y; };
  REQUIRE_THROWS_AS(plot::ContourPlot(f, 1, 0, 0, 1), std::invalid_argument);
  REQUIRE_THROWS_AS(plot::ContourPlot(std::vector<double>{1, 2, 3}, 2, 2, 0, 1, 0, 1), std::invalid_argument);
  plot::ContourPlot ok(f, 0, 1, 0, 1);
  REQUIRE_THROWS_AS(ok.levels(1), std::invalid_argument);
  REQUIRE_THROWS_AS(ok.add_path("p", std::vector<double>{1, 2}, std::vector<double>{1}), std::invalid_argument);
}

TEST_CASE("a figure refuses more panels than it has cells") {
  plot::Figure figure(1, 2);
  plot::LineChart chart;
  chart.add("y", {1.0, 2.0});
  figure.add(chart);
  figure.add(chart);
  REQUIRE_THROWS_AS(figure.add(chart), std::invalid_argument);
  REQUIRE(figure.width() == 1600);
}

TEST_CASE("twelve paths over Rosenbrock get twelve distinct colours, each shown in the legend") {
  auto rosenbrock = [](double x, double y) { return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x); };
  plot::ContourPlot contour(rosenbrock, -2, 2, -1, 3);
  contour.title("Rosenbrock: twelve runs").x_label("x").y_label("y");
  // Adam-like runs with different step sizes and betas (sign-like steps spread the paths out).
  for (int k = 0; k < 12; ++k) {
    double lr = 0.004 * (1 + k % 6), b1 = k < 6 ? 0.9 : 0.5, x = -1.5, y = 2.0, mx = 0, my = 0, vx = 0, vy = 0;
    std::vector<plot::Point> path{{x, y}};
    for (int t = 1; t <= 400; ++t) {
      double gx = -2 * (1 - x) - 400 * x * (y - x * x), gy = 200 * (y - x * x);
      mx = b1 * mx + (1 - b1) * gx, my = b1 * my + (1 - b1) * gy;
      vx = 0.999 * vx + 0.001 * gx * gx, vy = 0.999 * vy + 0.001 * gy * gy;
      double cx = 1 - std::pow(b1, t), cv = 1 - std::pow(0.999, t);
      x -= lr * (mx / cx) / (std::sqrt(vx / cv) + 1e-8), y -= lr * (my / cx) / (std::sqrt(vy / cv) + 1e-8);
      path.push_back({x, y});
    }
    contour.add_path("run " + std::to_string(k + 1), path);
  }
  contour.add_marker("minimum", 1, 1);
  for (size_t i = 0; i < 12; ++i)
    for (size_t j = 0; j < i; ++j) REQUIRE(test::color_distance(contour.color_of(i), contour.color_of(j)) > 60);
  std::string path = test::plot_out("rosenbrock_12.png");
  contour.save_png(path, 900, 700);
  plot::Layout layout;
  contour.render(900, 700, &layout);
  test::Image img = test::decode_png(path);
  for (size_t k = 0; k < 12; ++k) {
    INFO("run " << k + 1);
    REQUIRE(test::count_color(img, layout.legend, contour.color_of(k), 20) > 15);
  }
}

namespace {
// Does a marker of this reach (radius and outline) centred at p touch the box?
bool touches(const plot::Rect& box, plot::Point p, double reach) {
  return p.x + reach > box.x && p.x - reach < box.right() && p.y + reach > box.y && p.y - reach < box.bottom();
}
// The number of near-white pixels in the 9 x 9 square around p: the middle of a white star.
int white_around(const test::Image& img, plot::Point p) {
  int n = 0;
  for (int dy = -4; dy <= 4; ++dy)
    for (int dx = -4; dx <= 4; ++dx) n += test::color_distance(img.at(int(p.x) + dx, int(p.y) + dy), plot::kWhite) <= 20;
  return n;
}
}  // namespace

TEST_CASE("the legend avoids a corner a path only crosses, with no vertex inside it") {
  // One straight segment across the top right corner, from above the box to right of it (no
  // vertex inside the corner, nor in the box), and the minimum at the top left: the legend
  // goes to the bottom right, the next corner in order of preference.
  auto bowl = [](double x, double y) { return x * x + y * y; };
  plot::ContourPlot contour(bowl, -1, 1, -1, 1);
  contour.colorbar(false);
  contour.add_path("across", std::vector<double>{0.3, 1.2}, std::vector<double>{1.2, 0.3});
  contour.add_marker("minimum", -0.8, 0.8);
  plot::Layout layout;
  plot::Canvas canvas = contour.render(800, 600, &layout);
  const plot::Rect& p = layout.plot;
  INFO("legend at (" << layout.legend.x << ", " << layout.legend.y << "), plot box from (" << p.x << ", " << p.y << ")");
  REQUIRE(layout.legend.w > 0);
  REQUIRE(layout.legend.x > p.x + p.w / 2);  // right
  REQUIRE(layout.legend.y > p.y + p.h / 2);  // bottom
  canvas.save_png(test::plot_out("contour_legend_crossed.png"));
}

TEST_CASE("the legend never hides the minimum or a path's end, and goes outside the box when no corner is free") {
  auto rosenbrock = [](double x, double y) { return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x); };
  plot::ContourPlot contour(rosenbrock, -2, 2, -1, 3);
  contour.title("Rosenbrock").x_label("x").y_label("y");
  // Twelve paths from the four corners' neighbourhoods to the minimum, ending in every quarter
  // of the box: each corner holds an end, so a 14-row legend has no free corner.
  const std::vector<plot::Point> starts = {{-1.8, 2.8}, {1.8, 2.8}, {-1.8, -0.8}, {1.8, -0.8}};
  const std::vector<plot::Point> ends = {{-1.4, 2.4}, {1.4, 2.4}, {-1.4, -0.4}, {1.4, -0.4}};
  for (int k = 0; k < 12; ++k) {
    const plot::Point s = starts[k % 4], e = k < 4 ? ends[k] : plot::Point{1.0 + 0.02 * k, 1.0 - 0.02 * k};
    contour.add_path("run " + std::to_string(k + 1), std::vector<double>{s.x, e.x}, std::vector<double>{s.y, e.y});
  }
  contour.add_marker("minimum", 1, 1);
  plot::Layout layout;
  plot::Canvas canvas = contour.render(800, 600, &layout);
  canvas.save_png(test::plot_out("contour_legend_outside.png"));
  test::Image img{canvas.width(), canvas.height(), canvas.data()};
  const plot::Point minimum{layout.x.to_pixel(1), layout.y.to_pixel(1)};
  REQUIRE(layout.legend.x >= layout.plot.right());  // outside, right of the box
  REQUIRE(layout.legend.right() <= canvas.width());
  REQUIRE(!touches(layout.legend, minimum, 12));
  REQUIRE(white_around(img, minimum) >= 30);
  // Every entry is drawn in the legend, with its colour.
  for (size_t k = 0; k < 12; ++k) {
    INFO("run " << k + 1);
    REQUIRE(test::count_color(img, layout.legend, contour.color_of(k), 20) > 15);
  }
}

TEST_CASE("a legend that fits in a free corner stays inside the box, clear of the minimum and the ends") {
  auto rosenbrock = [](double x, double y) { return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x); };
  plot::ContourPlot contour(rosenbrock, -2, 2, -1, 3);
  // Three runs down the valley towards the minimum, and a marked point in the top right corner,
  // the first choice for a legend and free of paths.
  for (int k = 0; k < 3; ++k) {
    std::vector<plot::Point> run;
    for (int i = 0; i <= 40; ++i) {
      double x = -1.5 + 2.5 * i / 40.0 * (0.6 + 0.2 * k);
      run.push_back({x, x * x});
    }
    contour.add_path("run " + std::to_string(k + 1), run);
  }
  contour.add_marker("minimum", 1, 1).add_marker("target", 1.7, 2.7);
  plot::Layout layout;
  plot::Canvas canvas = contour.render(800, 600, &layout);
  canvas.save_png(test::plot_out("contour_legend_corner.png"));
  test::Image img{canvas.width(), canvas.height(), canvas.data()};
  INFO("legend at (" << layout.legend.x << ", " << layout.legend.y << ") " << layout.legend.w << "x" << layout.legend.h);
  REQUIRE(layout.plot.contains(layout.legend.x, layout.legend.y));
  REQUIRE(layout.plot.contains(layout.legend.right(), layout.legend.bottom()));
  for (plot::Point m : {plot::Point{1, 1}, plot::Point{1.7, 2.7}}) {
    const plot::Point px{layout.x.to_pixel(m.x), layout.y.to_pixel(m.y)};
    INFO("marker at (" << px.x << ", " << px.y << ")");
    REQUIRE(!touches(layout.legend, px, 12));
    REQUIRE(white_around(img, px) >= 30);
  }
  for (const plot::Path& path : contour.paths()) {
    const plot::Point end{layout.x.to_pixel(path.points.back().x), layout.y.to_pixel(path.points.back().y)};
    REQUIRE(!touches(layout.legend, end, 8));
  }
}
