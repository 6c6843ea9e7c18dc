// ContourPlot specifics: level spacing, bands coloured by value, paths clipped to the box,
// a pre-sampled grid, and argument checks.
#include <cmath>

#include "helpers.h"
#include "png.h"

namespace plot = descent::plot;

TEST_CASE("quantile levels split the samples into bands of equal count; log levels are geometric above the minimum") {
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
