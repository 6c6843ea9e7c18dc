// LineChart, ContourPlot and Figure: written as PNG, decoded with stb_image, and checked for
// size, for data drawn where the axes say it should be, for legends, and for determinism.
#include <cmath>

#include "helpers.h"
#include "png.h"

namespace plot = descent::plot;
using test::decode_png;

namespace {

double rosenbrock(double x, double y) { return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x); }

// Gradient descent with momentum on Rosenbrock, as an optimizer would walk it.
std::vector<plot::Point> descent_path(double lr, double momentum, int steps, double x = -1.5, double y = 2.0) {
  std::vector<plot::Point> path{{x, y}};
  double vx = 0, vy = 0;
  for (int i = 0; i < steps; ++i) {
    double gx = -2 * (1 - x) - 400 * x * (y - x * x), gy = 200 * (y - x * x);
    vx = momentum * vx + gx, vy = momentum * vy + gy;
    x -= lr * vx, y -= lr * vy;
    path.push_back({x, y});
  }
  return path;
}

}  // namespace

TEST_CASE("a line chart with a log y axis puts each point at the pixel its axes give") {
  std::vector<double> steps, loss, lr;
  for (int i = 0; i <= 50; ++i) {
    steps.push_back(i);
    loss.push_back(2.0 * std::exp(-0.12 * i) + 0.01);
    lr.push_back(0.1 * std::pow(0.9, i));
  }
  plot::LineChart chart;
  chart.title("Training loss").x_label("step").y_label("loss").log_y();
  chart.add("loss", steps, loss).add("lr", steps, lr, plot::SeriesStyle().dash(8));
  std::string path = test::plot_out("line_log.png");
  chart.save_png(path);
  plot::Layout layout;
  chart.render(800, 600, &layout);

  test::Image img = decode_png(path);
  REQUIRE(img.width == 800);
  REQUIRE(img.height == 600);
  // On a log axis, y = 10^k sits a fixed distance per decade: check the mapping itself...
  double decade = layout.y.to_pixel(0.01) - layout.y.to_pixel(0.1);
  REQUIRE(decade > 20);
  REQUIRE(layout.y.to_pixel(0.001) - layout.y.to_pixel(0.01) == Approx(decade));
  // ...and that the curves' colours are found at the pixels of their points.
  int found = 0;
  for (int i = 0; i <= 50; i += 5) {
    INFO("step " << i << " loss " << loss[i]);
    if (test::color_near(img, layout.x.to_pixel(steps[i]), layout.y.to_pixel(loss[i]), chart.color_of(0), 2)) ++found;
  }
  REQUIRE(found >= 10);  // (one may hide under the legend)
  // The drawn ticks agree with that mapping: at each power of ten a grid line crosses the
  // plot at the mapped row, and its label is inked just left of the frame on that row.
  for (double v : {1.0, 0.1, 0.01, 0.001}) {
    INFO("tick " << v);
    int row = int(std::floor(layout.y.to_pixel(v)));
    plot::Rect line{layout.plot.x, double(row), layout.plot.w, 1};
    REQUIRE(test::count_color(img, line, plot::kGridColor, 6) > layout.plot.w / 2);
    plot::Rect label{layout.plot.x - 60, row - 7.0, 50, 15};
    REQUIRE(test::count_color(img, label, plot::kTextColor, 10) > 10);
  }
  // The legend exists and shows both series' colours.
  REQUIRE(layout.legend.w > 0);
  REQUIRE(test::count_color(img, layout.legend, chart.color_of(0)) > 20);
  REQUIRE(test::count_color(img, layout.legend, chart.color_of(1)) > 20);
}

TEST_CASE("a diverging series does not stretch the axes beyond its finite points") {
  std::vector<double> good, bad;
  for (int i = 0; i < 30; ++i) {
    good.push_back(1.0 / (1 + i));
    bad.push_back(i < 10 ? 1.0 + 0.1 * i : i < 12 ? INFINITY : NAN);
  }
  plot::LineChart chart;
  chart.title("lr too large").x_label("step").y_label("loss");
  chart.add("lr = 0.01", good).add("lr = 10", bad);
  plot::Layout layout;
  plot::Canvas canvas = chart.render(800, 600, &layout);
  REQUIRE(std::isfinite(layout.y.hi));
  REQUIRE(layout.y.hi < 2.1);  // the finite maximum is 1.9, plus a margin
  REQUIRE(layout.y.lo < 1.0 / 30);
  canvas.save_png(test::plot_out("line_diverging.png"));
}

TEST_CASE("a contour plot of Rosenbrock shows the paths in their colours along their points") {
  plot::ContourPlot contour(rosenbrock, -2, 2, -1, 3);
  contour.title("Rosenbrock").x_label("x").y_label("y");
  // A wave across the bottom (through the light corners and the dark valley alike) and a
  // momentum run along the valley; they do not cross, so each must be visible everywhere.
  std::vector<plot::Point> wave;
  for (int i = 0; i <= 90; ++i) wave.push_back({-1.8 + 0.04 * i, -0.7 + 0.1 * std::sin(3 * (-1.8 + 0.04 * i))});
  contour.add_path("wave", wave).add_path("momentum 0.9", descent_path(1e-3, 0.9, 300));
  contour.add_marker("minimum", 1, 1);
  std::string path = test::plot_out("rosenbrock.png");
  contour.save_png(path);
  plot::Layout layout;
  contour.render(800, 600, &layout);

  test::Image img = decode_png(path);
  REQUIRE(img.width >= 640);
  REQUIRE(img.height >= 480);
  for (size_t k = 0; k < 2; ++k) {
    const auto& pts = contour.paths()[k].points;
    int inside = 0, found = 0;
    for (size_t i = 0; i < pts.size(); i += 15) {
      double px = layout.x.to_pixel(pts[i].x), py = layout.y.to_pixel(pts[i].y);
      if (!layout.plot.contains(px, py) || layout.legend.contains(px, py)) continue;
      ++inside;
      found += test::color_near(img, px, py, contour.color_of(k), 2, 40);
    }
    INFO("path " << k << ": " << found << " of " << inside << " points show the path's colour");
    REQUIRE(inside > 5);
    REQUIRE(found >= inside * 9 / 10);
  }
  REQUIRE(test::count_color(img, layout.legend, contour.color_of(0)) > 20);
}

TEST_CASE("three panels side by side make one picture") {
  plot::Figure figure(1, 3, 700, 560);
  figure.title("Gradient descent on Rosenbrock: the learning rate");
  const double lrs[] = {2e-5, 1e-3, 2.1e-3};
  const char* names[] = {"lr too small", "lr about right", "lr too large"};
  for (int k = 0; k < 3; ++k) {
    auto& panel = figure.add(plot::ContourPlot(rosenbrock, -2, 2, -1, 3));
    panel.title(names[k]).x_label("x").y_label("y").colorbar(k == 2);
    panel.add_path("lr=" + plot::format_value(lrs[k]), descent_path(lrs[k], 0.0, 200));
  }
  std::string path = test::plot_out("learning_rates.png");
  figure.save_png(path);
  test::Image img = decode_png(path);
  REQUIRE(img.width == 2100);
  REQUIRE(img.height == 560 + 50);
}

TEST_CASE("a figure of two line charts gives each panel its own axes and legend") {
  std::vector<double> epoch, train_loss, test_loss, train_acc, test_acc;
  for (int e = 1; e <= 20; ++e) {
    epoch.push_back(e);
    train_loss.push_back(1.2 * std::pow(e, -0.8));
    test_loss.push_back(1.25 * std::pow(e, -0.6) + 0.002 * e * e * 0.1);
    train_acc.push_back(1 - 0.5 * std::pow(e, -0.9));
    test_acc.push_back(1 - 0.52 * std::pow(e, -0.7));
  }
  plot::Figure figure(1, 2);
  figure.title("Fashion-MNIST, MLP 784-128-10");
  figure.add(plot::LineChart())
      .title("loss")
      .x_label("epoch")
      .y_label("cross-entropy")
      .log_y()
      .add("train", epoch, train_loss)
      .add("test", epoch, test_loss, plot::SeriesStyle().dash(8));
  figure.add(plot::LineChart())
      .title("accuracy")
      .x_label("epoch")
      .y_label("fraction correct")
      .add("train", epoch, train_acc)
      .add("test", epoch, test_acc, plot::SeriesStyle().dash(8));
  std::vector<plot::Layout> layouts;
  plot::Canvas canvas = figure.render(&layouts);
  REQUIRE(layouts.size() == 2);
  REQUIRE(layouts[0].plot.right() < layouts[1].plot.x);  // side by side, not overlapping
  REQUIRE(layouts[0].y.log);
  REQUIRE(!layouts[1].y.log);
  REQUIRE(layouts[1].y.hi < 1.05);
  for (const auto& l : layouts) REQUIRE(l.legend.w > 0);
  std::string path = test::plot_out("metrics.png");
  figure.save_png(path);
  test::Image img = decode_png(path);
  REQUIRE(img.width == 1600);
  REQUIRE(img.height == 650);
  REQUIRE(img.rgb == canvas.data());
}

TEST_CASE("a line chart checks its arguments") {
  plot::LineChart chart;
  REQUIRE_THROWS_AS(chart.add("bad", {1.0, 2.0}, {1.0}), std::invalid_argument);
  REQUIRE_THROWS_AS(chart.y_range(1, 1), std::invalid_argument);
  chart.add("y", {1.0, 2.0, 3.0}).log_y().y_range(-1, 10);
  REQUIRE_THROWS_WITH(chart.render(), Catch::Contains("log y axis"));
}

TEST_CASE("crowded tick labels are thinned, keeping the powers of ten") {
  // A log axis from 0.23 to 0.95 (0.21 to 1.01 after padding) gets ticks at 0.3, 0.4, ..., 0.9
  // and 1; at 480 px high the labels for 0.9 and 1 would touch, so 0.9 loses its label.
  plot::LineChart chart;
  chart.log_y().add("loss", {1, 2, 3, 4}, {0.95, 0.6, 0.4, 0.23});
  plot::Layout layout;
  plot::Canvas canvas = chart.render(640, 480, &layout);
  test::Image img{canvas.width(), canvas.height(), canvas.data()};
  auto inked = [&](double v) {
    double row = std::floor(layout.y.to_pixel(v));
    return test::count_color(img, {layout.plot.x - 60, row - 6, 50, 13}, plot::kTextColor, 10);
  };
  INFO("y axis " << layout.y.lo << " .. " << layout.y.hi << ", 0.9 -> 1 is "
                 << layout.y.to_pixel(0.9) - layout.y.to_pixel(1.0) << " px");
  REQUIRE(layout.y.hi > 1);
  REQUIRE(inked(1.0) > 5);
  REQUIRE(inked(0.8) > 5);
  REQUIRE(inked(0.9) == 0);
}
