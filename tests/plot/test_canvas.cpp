// The drawing layer: canvas primitives, text, PNG output (atomic, refusing blank pictures,
// deterministic), tick arithmetic and the colour map.
#include <cmath>
#include <filesystem>

#include "helpers.h"
#include "png.h"

namespace plot = descent::plot;
using plot::Color;

TEST_CASE("a thick anti-aliased line covers its centre fully and fades within a pixel of its edge") {
  plot::Canvas canvas(200, 100);
  const Color red = Color::hex(0xff0000);
  canvas.line({20, 50.5}, {180, 50.5}, red, 4.0);  // horizontal, centre on row 50's middle
  REQUIRE(canvas.pixel(100, 50) == red);
  REQUIRE(canvas.pixel(100, 49) == red);  // 1 px away: inside the half-width of 2
  REQUIRE(canvas.pixel(100, 51) == red);
  REQUIRE(canvas.pixel(100, 46) == plot::kWhite);  // 4 px away: untouched
  REQUIRE(canvas.pixel(100, 55) == plot::kWhite);
  Color edge = canvas.pixel(100, 48);  // at distance 2 from the centre line: half covered
  REQUIRE(edge.r == 255);
  REQUIRE(edge.g > 60);
  REQUIRE(edge.g < 200);
}

TEST_CASE("drawing stays inside the clip box, even for a line to a point at 1e30") {
  plot::Canvas canvas(100, 100);
  canvas.set_clip({10, 10, 50, 50});
  canvas.line({30, 30}, {1e30, 1e30}, plot::kBlack, 3.0);
  canvas.polyline({{20, 20}, {NAN, 5}, {40, 40}, {INFINITY, 40}}, plot::kBlack, 3.0);  // breaks: drawn nothing
  canvas.reset_clip();
  for (int y = 0; y < 100; ++y)
    for (int x = 0; x < 100; ++x)
      if (x < 10 || y < 10 || x >= 60 || y >= 60) REQUIRE(canvas.pixel(x, y) == plot::kWhite);
  REQUIRE(canvas.pixel(45, 45) == plot::kBlack);  // the diagonal inside the box
  REQUIRE(canvas.pixel(20, 20) == plot::kWhite);  // a lone point between two breaks draws nothing
}

TEST_CASE("markers fill their centre and have an outline") {
  plot::Canvas canvas(100, 100);
  const Color fill = Color::hex(0x66dd66);  // far from black, so outline pixels are told apart
  for (auto shape : {plot::Marker::Circle, plot::Marker::Square, plot::Marker::Triangle, plot::Marker::Diamond,
                     plot::Marker::Star, plot::Marker::Cross}) {
    canvas.fill_rect({0, 0, 100, 100}, plot::kWhite);
    canvas.marker({50, 50}, shape, 6, fill, plot::kBlack);
    INFO("marker " << int(shape));
    REQUIRE(canvas.pixel(50, 50) == fill);
    REQUIRE(test::count_color(test::Image{100, 100, canvas.data()}, {0, 0, 100, 100}, plot::kBlack, 150) > 10);
    REQUIRE(canvas.pixel(50, 62) == plot::kWhite);  // about r away, plus the outline, is background
  }
}

TEST_CASE("text is drawn from stb_easy_font quads at the requested scale and alignment") {
  plot::Canvas canvas(300, 120);
  const std::string s = "Loss 0.25";
  int w = plot::Canvas::text_width(s, 2);
  REQUIRE(w == plot::Canvas::text_width(s, 1) * 2 + 0);
  REQUIRE(w > 80);
  canvas.text(150, 20, s, plot::kBlack, 2, plot::HAlign::Center, plot::VAlign::Top);
  // Every inked pixel lies in [150 − w/2, 150 + w/2] × [20, 20 + 9·2]; both halves are inked.
  int left = 0, right = 0;
  for (int y = 0; y < 120; ++y)
    for (int x = 0; x < 300; ++x) {
      if (canvas.pixel(x, y) != plot::kBlack) continue;
      REQUIRE(x >= 150 - w / 2 - 1);
      REQUIRE(x <= 150 + w / 2 + 1);
      REQUIRE(y >= 20);
      REQUIRE(y < 20 + plot::Canvas::text_height(2));
      (x < 150 ? left : right) += 1;
    }
  REQUIRE(left > 30);
  REQUIRE(right > 30);
  // Vertical text (a y-axis label) is tall and narrow.
  plot::Canvas v(100, 300);
  v.text(40, 150, s, plot::kBlack, 2, plot::HAlign::Center, plot::VAlign::Top, /*vertical=*/true);
  int min_y = 300, max_y = 0, min_x = 100, max_x = 0;
  for (int y = 0; y < 300; ++y)
    for (int x = 0; x < 100; ++x)
      if (v.pixel(x, y) == plot::kBlack)
        min_y = std::min(min_y, y), max_y = std::max(max_y, y), min_x = std::min(min_x, x), max_x = std::max(max_x, x);
  REQUIRE(max_y - min_y + 1 == Approx(w).margin(2));
  REQUIRE(max_x - min_x < 20);
}

// A label drawn whole must equal its glyphs drawn one at a time at their advances: a vertex
// buffer too small for wide glyphs used to drop the last quads, so "880" came out as "88E".
TEST_CASE("text is never truncated: a label equals its glyphs drawn one by one") {
  auto whole_vs_glyphs = [](const std::string& s) {
    const int scale = 2;
    plot::Canvas whole(40 + plot::Canvas::text_width(s, scale), 40), glyphs = whole;
    whole.text(20, 10, s, plot::kBlack, scale);
    for (size_t k = 0; k < s.size(); ++k) {
      std::string prefix = s.substr(0, k);  // glyph k starts one font unit after the prefix ends
      int x = 20 + (prefix.empty() ? 0 : plot::Canvas::text_width(prefix, scale) + scale);
      glyphs.text(x, 10, s.substr(k, 1), plot::kBlack, scale);
    }
    return whole.data() == glyphs.data() && !whole.is_uniform();
  };
  for (std::string s : {"880", "888", "808", "0.888", "-8.88e+08", "MW@8#"}) {
    INFO("label '" << s << "'");
    REQUIRE(whole_vs_glyphs(s));
  }
  for (char c = 33; c < 127; ++c) {  // every glyph, three times: the widest need the most room
    INFO("glyph '" << c << "'");
    REQUIRE(whole_vs_glyphs(std::string(3, c)));
  }
}

TEST_CASE("save_png writes a file stb_image reads back pixel for pixel, and no temporary file") {
  plot::Canvas canvas(640, 480);
  canvas.fill_rect({100, 100, 50, 30}, Color::hex(0x123456));
  std::string path = test::plot_out("canvas.png");
  canvas.save_png(path);
  REQUIRE(!std::filesystem::exists(path + ".tmp"));
  test::Image img = test::decode_png(path);
  REQUIRE(img.width == 640);
  REQUIRE(img.height == 480);
  REQUIRE(img.rgb == canvas.data());
}

TEST_CASE("save_png refuses a blank picture and names the path it cannot write") {
  plot::Canvas blank(640, 480);
  std::string path = test::plot_out("blank.png");
  std::filesystem::remove(path);
  REQUIRE_THROWS_WITH(blank.save_png(path), Catch::Contains(path) && Catch::Contains("single colour"));
  REQUIRE(!std::filesystem::exists(path));

  plot::Canvas canvas(640, 480);
  canvas.line({0, 0}, {100, 100}, plot::kBlack);
  std::string bad = "/nonexistent-folder/sub/picture.png";
  REQUIRE_THROWS_AS(canvas.save_png(bad), std::runtime_error);
  REQUIRE_THROWS_WITH(canvas.save_png(bad), Catch::Contains(bad));
}

TEST_CASE("pictures smaller than 640x480 are refused") {
  plot::LineChart chart;
  chart.add("y", {1.0, 2.0, 3.0});
  REQUIRE_THROWS_AS(chart.save_png(test::plot_out("small.png"), 320, 240), std::invalid_argument);
}

TEST_CASE("the same chart gives the same PNG bytes every time") {
  auto make = [] {
    plot::LineChart chart;
    chart.title("same").x_label("x").y_label("y");
    std::vector<double> y;
    for (int i = 0; i < 100; ++i) y.push_back(std::sin(i * 0.1) * std::exp(-i * 0.01));
    chart.add("damped", y);
    return chart;
  };
  std::string a = test::plot_out("same_a.png"), b = test::plot_out("same_b.png");
  make().save_png(a);
  make().save_png(b);
  REQUIRE(test::file_bytes(a) == test::file_bytes(b));
  REQUIRE(make().render().encode_png() == make().render().encode_png());
}

TEST_CASE("nice ticks are multiples of 1, 2 or 5 times a power of ten") {
  using V = std::vector<double>;
  REQUIRE(plot::nice_ticks(0, 1, 5) == V{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1});
  REQUIRE(plot::nice_step(100, 5) == 20);
  REQUIRE(plot::nice_step(0.07, 6) == Approx(0.01));
  REQUIRE(plot::nice_ticks(-3.7, 12.2, 6) == V{-2, 0, 2, 4, 6, 8, 10, 12});
  REQUIRE(plot::nice_step(15.9, 6) == 2);
  REQUIRE(plot::nice_ticks(-0.3, 0.3, 6).at(3) == 0.0);  // exact zero, not 5.5e-17
  REQUIRE(plot::log_ticks(2e-4, 30, 8) == V{1e-3, 1e-2, 1e-1, 1, 10});
  V many = plot::log_ticks(1e-10, 1e30, 6);  // 41 decades: every 10th
  REQUIRE(many == V{1e-10, 1, 1e10, 1e20, 1e30});
  REQUIRE(plot::log_ticks(0.05, 3, 6) == V{0.05, 0.1, 0.2, 0.5, 1, 2});  // two powers of ten: 1-2-5
  REQUIRE(plot::log_ticks(2, 9, 6) == V{2, 3, 4, 5, 6, 7, 8, 9});          // within one: 1…9
  REQUIRE(plot::log_ticks(1.1, 1.3, 6).size() >= 3);                     // narrower: linear
  REQUIRE(plot::format_tick(0.30000000000000004, 0.1) == "0.3");
  REQUIRE(plot::format_tick(1.5, 0.5) == "1.5");
  REQUIRE(plot::format_tick(300, 100) == "300");
  REQUIRE(plot::format_tick(150000, 50000) == "1.5e5");
  REQUIRE(plot::format_tick(2e-6, 1e-6) == "2e-6");
  REQUIRE(plot::format_log_tick(1e-3) == "0.001");
  REQUIRE(plot::format_log_tick(1e4) == "10000");
  REQUIRE(plot::format_log_tick(1e-5) == "1e-5");
  REQUIRE(plot::format_log_tick(1e6) == "1e6");
}

TEST_CASE("the colour map runs from dark purple to light yellow with rising lightness") {
  auto luma = [](Color c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; };
  REQUIRE(test::color_distance(plot::colormap(0), Color::hex(0x440154)) <= 3);
  REQUIRE(test::color_distance(plot::colormap(0.5), Color::hex(0x21908c)) <= 3);
  REQUIRE(test::color_distance(plot::colormap(1), Color::hex(0xfde725)) <= 3);
  for (int i = 1; i <= 100; ++i) {
    INFO("t = " << i / 100.0);
    REQUIRE(luma(plot::colormap(i / 100.0)) > luma(plot::colormap((i - 1) / 100.0)) - 0.5);
  }
  REQUIRE(luma(plot::colormap(1)) - luma(plot::colormap(0)) > 150);
}
