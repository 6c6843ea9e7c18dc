// Animated GIFs (plot/gif.h, plot/animation.h), decoded with giflib: frames, delays, looping and
// the palette; a frame's exact colours survive the 256-colour palette and shades go to the
// nearest; only changes are stored; an animated ContourPlot grows its paths step by step and ends
// on the still picture; a Figure animates all its panels together.
#include <cmath>

#include "gif_decode.h"
#include "helpers.h"

namespace plot = descent::plot;

namespace {

int max_difference(const test::Image& a, const plot::Canvas& b) {
  int worst = 0;
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x) worst = std::max(worst, test::color_distance(a.at(x, y), b.pixel(x, y)));
  return worst;
}

}  // namespace

TEST_CASE("a GIF holds the frames as drawn: exact colours stay exact, delays and looping as asked") {
  plot::Canvas first(64, 48, plot::kWhite);
  first.fill_rect({0, 0, 32, 48}, plot::Color::hex(0x440154));
  plot::Canvas second = first;
  second.fill_rect({40, 10, 8, 8}, plot::Color::hex(0xe41a1c));  // a small change
  plot::Canvas third = second;
  third.fill_rect({40, 10, 8, 8}, plot::Color::hex(0xe41a1d));  // a shade not in the palette
  plot::GifWriter gif(second);
  REQUIRE(gif.palette().size() == 3);  // white, purple, red: all the source has
  gif.add_frame(first, 10);
  gif.add_frame(second, 1);  // raised to 2
  gif.add_frame(second, 7);  // nothing changed
  gif.add_frame(third, 300);
  REQUIRE(gif.frames() == 4);
  const std::string path = test::plot_out("gif_frames.gif");
  gif.save(path);
  const test::Animation a = test::decode_gif(path);
  REQUIRE(a.width == 64);
  REQUIRE(a.height == 48);
  REQUIRE(a.loops == 0);
  REQUIRE(a.colors == 256);
  REQUIRE(a.delays == std::vector<int>{10, 2, 7, 300});
  REQUIRE(a.frames.size() == 4);
  REQUIRE(max_difference(a.frames[0], first) == 0);
  REQUIRE(max_difference(a.frames[1], second) == 0);
  REQUIRE(max_difference(a.frames[2], second) == 0);
  REQUIRE(max_difference(a.frames[3], second) == 0);  // the nearest colour of 0xe41a1d is 0xe41a1c
  REQUIRE_THROWS_WITH(plot::GifWriter(second).add_frame(plot::Canvas(10, 10), 5),
                      "GifWriter::add_frame: frames are 64x48, got 10x10");
}

TEST_CASE("the palette keeps a picture's frequent colours exactly, however many shades it has") {
  // A smooth ramp of 800 shades over the colour map, and two small patches of path colours.
  plot::Canvas c(800, 60);
  for (int x = 0; x < 800; ++x) c.fill_rect({double(x), 0, 1, 60}, plot::colormap(x / 799.0));
  c.fill_rect({100, 20, 30, 6}, plot::path_color(0));
  c.fill_rect({500, 20, 30, 6}, plot::path_color(5));
  plot::GifWriter gif(c);
  REQUIRE(gif.palette().size() == 255);
  gif.add_frame(c, 5);
  const std::string path = test::plot_out("gif_palette.gif");
  gif.save(path);
  const test::Animation a = test::decode_gif(path);
  REQUIRE(a.frames[0].at(110, 22) == plot::path_color(0));
  REQUIRE(a.frames[0].at(510, 22) == plot::path_color(5));
  INFO("the worst pixel of the ramp is off by " << max_difference(a.frames[0], c));
  REQUIRE(max_difference(a.frames[0], c) <= 12);
}

TEST_CASE("an animated contour plot grows every path step by step and ends on the still picture") {
  auto bowl = [](double x, double y) { return x * x + 4 * y * y; };
  plot::ContourPlot contour(bowl, -2, 2, -1, 1);
  std::vector<plot::Point> slow, fast;
  for (int i = 0; i <= 40; ++i) slow.push_back({-1.8 * std::pow(0.95, i), 0.8 * std::pow(0.9, i)});
  for (int i = 0; i <= 10; ++i) fast.push_back({1.8 * std::pow(0.7, i), -0.8 * std::pow(0.6, i)});
  contour.title("bowl").add_path("slow", slow).add_path("fast", fast);
  const std::string path = test::plot_out("contour_animation.gif");
  plot::save_gif(contour, path, 800, 600, plot::AnimationOptions().frames(21).delay(5).hold(100));
  const test::Animation a = test::decode_gif(path);
  REQUIRE(a.width == 800);
  REQUIRE(a.height == 600);
  REQUIRE(a.frames.size() == 21);  // steps 0, 2, 4, ..., 40
  REQUIRE(a.delays.front() == 5);
  REQUIRE(a.delays.back() == 100);
  REQUIRE(plot::frame_steps(40, 21) == std::vector<size_t>{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30,
                                                            32, 34, 36, 38, 40});
  REQUIRE(plot::frame_steps(3, 21) == std::vector<size_t>{0, 1, 2, 3});

  // The last frame is the still picture (but for the step written top right).
  plot::Layout layout;
  plot::Canvas still = contour.render(800, 600, &layout);
  still.text(800 - 12, 12, "step 40 / 40", plot::kTextColor, 2, plot::HAlign::Right, plot::VAlign::Top);
  const test::Image& last = a.frames.back();
  int off = 0;
  for (int y = 0; y < 600; ++y)
    for (int x = 0; x < 800; ++x) off += test::color_distance(last.at(x, y), still.pixel(x, y)) > 24;
  INFO(off << " pixels differ by more than the palette's rounding");
  REQUIRE(off < 800 * 600 / 200);

  // Each path's colour lies along its points up to the frame's step, and nowhere past them. At
  // step 10 the fast path is complete and the slow one is a quarter of the way.
  auto pixel = [&](plot::Point p) { return plot::Point{layout.x.to_pixel(p.x), layout.y.to_pixel(p.y)}; };
  const test::Image& at10 = a.frames[5];
  for (int i = 1; i < 10; ++i) {
    INFO("iterate " << i);
    CHECK(test::color_near(at10, pixel(fast[size_t(i)]).x, pixel(fast[size_t(i)]).y, plot::path_color(1), 3, 20));
    CHECK(test::color_near(at10, pixel(slow[size_t(i)]).x, pixel(slow[size_t(i)]).y, plot::path_color(0), 3, 20));
  }
  for (int i = 16; i <= 32; i += 4) {  // past step 10 and 10 px or more from the end marker, on the slow path
    INFO("iterate " << i);
    const plot::Point p = pixel(slow[size_t(i)]);
    CHECK(!test::color_near(at10, p.x, p.y, plot::path_color(0), 1, 20));
    CHECK(test::color_near(last, p.x, p.y, plot::path_color(0), 3, 20));
  }
  // The first frame shows the start markers and no line yet: no path colour far from a start.
  const plot::Point mid = pixel(slow[20]);
  CHECK(!test::color_near(a.frames[0], mid.x, mid.y, plot::path_color(0), 3, 20));
}

TEST_CASE("an animated figure moves its panels together, and refuses what cannot be a picture") {
  auto bowl = [](double x, double y) { return x * x + y * y; };
  plot::Figure figure(1, 2, 700, 500);
  figure.title("two panels");
  std::vector<plot::Point> a_path, b_path;
  for (int i = 0; i <= 6; ++i) a_path.push_back({-1 + 0.1 * i, 0.5}), b_path.push_back({1 - 0.1 * i, -0.5});
  figure.add(plot::ContourPlot(bowl, -1.5, 1.5, -1, 1)).add_path("a", a_path);
  figure.add(plot::ContourPlot(bowl, -1.5, 1.5, -1, 1)).add_path("b", b_path);
  const std::string path = test::plot_out("figure_animation.gif");
  plot::save_gif(figure, path);
  const test::Animation a = test::decode_gif(path);
  REQUIRE(a.width == 1400);
  REQUIRE(a.height == figure.height());
  REQUIRE(a.frames.size() == 7);
  std::vector<plot::Layout> layouts;
  figure.render(&layouts);
  for (int k = 0; k < 2; ++k) {
    const auto& p = k == 0 ? a_path : b_path;
    const plot::Point end{layouts[k].x.to_pixel(p[5].x), layouts[k].y.to_pixel(p[5].y)};
    CHECK(!test::color_near(a.frames[2], end.x, end.y, plot::path_color(0), 2, 20));
    CHECK(test::color_near(a.frames[6], end.x, end.y, plot::path_color(0), 3, 20));
  }
  REQUIRE_THROWS_WITH(plot::save_gif(plot::ContourPlot(bowl, -1, 1, -1, 1), path, 320, 200),
                      "save_gif: " + path + ": a picture must be at least 640x480, got 320x200");
  REQUIRE_THROWS_WITH(plot::save_gif(figure, path, plot::AnimationOptions().frames(1)),
                      "save_gif: " + path + ": an animation needs at least 2 frames, got 1");
}
