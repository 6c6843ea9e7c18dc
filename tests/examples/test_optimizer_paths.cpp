// optimizer_paths: its pictures and its CSV. The pictures are decoded and checked for size, for
// every path's colour along the points the CSV says it visited (mapped to pixels through the
// plot box found in the picture), and for the minimum's marker; the CSV is checked for what the
// pictures are meant to show (L-BFGS and Newton reach Rosenbrock's minimum, the three learning
// rates crawl / converge / diverge, stochastic steps are noisier than mini-batch steps, which
// are noisier than batch steps); two runs give the same bytes; bad flags get one line and 2.
#include <stb_image.h>

#include <chrono>
#include <functional>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "../plot/gif_decode.h"
#include "programs.h"

using namespace descent;

namespace {

struct Row {
  std::string function, optimizer;
  int step;
  double x, y, loss;
};

std::vector<Row> read_paths(const std::string& path) {
  std::vector<Row> rows;
  auto lines = test::Outcome::lines(test::slurp(path));
  REQUIRE(!lines.empty());
  REQUIRE(lines[0] == "function,optimizer,step,x,y,loss");
  for (size_t i = 1; i < lines.size(); ++i) {
    std::stringstream in(lines[i]);
    Row r;
    std::string field;
    std::getline(in, r.function, ',');
    std::getline(in, r.optimizer, ',');
    std::getline(in, field, ',');
    r.step = std::stoi(field);
    std::getline(in, field, ',');
    r.x = std::strtod(field.c_str(), nullptr);  // strtod: denormals are fine
    std::getline(in, field, ',');
    r.y = std::strtod(field.c_str(), nullptr);
    std::getline(in, field, ',');
    r.loss = std::strtod(field.c_str(), nullptr);
    rows.push_back(r);
  }
  return rows;
}

// Path length over straight-line distance: 1 for a straight path, larger the more it wanders.
double wander(const std::vector<Row>& rows, const std::string& function, const std::string& optimizer) {
  std::vector<Row> p;
  for (const Row& r : rows)
    if (r.function == function && r.optimizer == optimizer) p.push_back(r);
  REQUIRE(p.size() > 10);
  double length = 0;
  for (size_t i = 1; i < p.size(); ++i) length += std::hypot(p[i].x - p[i - 1].x, p[i].y - p[i - 1].y);
  return length / std::hypot(p.back().x - p.front().x, p.back().y - p.front().y);
}

const std::vector<std::string> kOptimizers = {"sgd",  "momentum", "nesterov", "adagrad", "rmsprop", "adadelta",
                                              "adam", "adamw",    "nadam",    "adamax",  "lbfgs",   "newton"};

struct Picture {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;
  plot::Color at(int x, int y) const {
    const unsigned char* p = &rgb[(size_t(y) * width + x) * 3];
    return {p[0], p[1], p[2]};
  }
};

Picture load_png(const std::string& path) {
  Picture pic;
  int channels = 0;
  unsigned char* pixels = stbi_load(path.c_str(), &pic.width, &pic.height, &channels, 3);
  REQUIRE(pixels != nullptr);
  pic.rgb.assign(pixels, pixels + size_t(pic.width) * pic.height * 3);
  stbi_image_free(pixels);
  return pic;
}

int distance(plot::Color a, plot::Color b) { return std::abs(a.r - b.r) + std::abs(a.g - b.g) + std::abs(a.b - b.b); }

// Is there a pixel of colour c (within tol, summed over channels) within `radius` of (x, y)?
bool color_near(const Picture& pic, double x, double y, plot::Color c, int radius, int tol = 40) {
  for (int dy = -radius; dy <= radius; ++dy)
    for (int dx = -radius; dx <= radius; ++dx) {
      int px = int(x) + dx, py = int(y) + dy;
      if (px >= 0 && py >= 0 && px < pic.width && py < pic.height && distance(pic.at(px, py), c) <= tol) return true;
    }
  return false;
}

// The rows holding a horizontal run, and the columns holding a vertical run, of at least
// `length` pixels of exactly colour c, inside `region`: the lines of a frame or a box.
struct Runs {
  std::vector<int> rows, cols;
};
Runs long_runs(const Picture& pic, const plot::Rect& region, plot::Color c, int length) {
  Runs runs;
  const int x0 = int(region.x), x1 = int(region.right()), y0 = int(region.y), y1 = int(region.bottom());
  for (int y = y0; y < y1; ++y)
    for (int x = x0, run = 0; x < x1; ++x)
      if ((run = pic.at(x, y) == c ? run + 1 : 0) == length) runs.rows.push_back(y);
  for (int x = x0; x < x1; ++x)
    for (int y = y0, run = 0; y < y1; ++y)
      if ((run = pic.at(x, y) == c ? run + 1 : 0) == length) runs.cols.push_back(x);
  return runs;
}

// One panel as drawn: its plot box (found from the frame, plot::kFrameColor), the data box it
// shows, and its legend (found from the legend's grey border).
struct Panel {
  plot::Rect box, legend;
  double x0, x1, y0, y1;
  plot::Point to_pixel(double x, double y) const {
    return {box.x + (x - x0) / (x1 - x0) * box.w, box.bottom() - (y - y0) / (y1 - y0) * box.h};
  }
};

Panel find_panel(const Picture& pic, const plot::Rect& region, double x0, double x1, double y0, double y1) {
  Panel p{{}, {}, x0, x1, y0, y1};
  // The frame is a 1.5 px line around the box: one row above it and one column left of it,
  // its last row and column and one more below and right (Canvas::stroke_rect, axes.cpp).
  Runs frame = long_runs(pic, region, plot::kFrameColor, 250);
  REQUIRE(frame.rows.size() >= 2);
  REQUIRE(frame.cols.size() >= 2);
  const int left = frame.cols.front() + 1, top = frame.rows.front() + 1, bottom = frame.rows.back();
  auto right = std::find_if(frame.cols.begin(), frame.cols.end(), [&](int c) { return c > left + 100; });
  REQUIRE(right != frame.cols.end());  // the colour bar's outline comes after, further right
  p.box = {double(left), double(top), double(*right + 1 - left), double(bottom - top)};
  Runs legend = long_runs(pic, region, plot::Color::hex(0x999999), 60);
  REQUIRE(!legend.rows.empty());
  REQUIRE(!legend.cols.empty());
  p.legend = {double(legend.cols.front()), double(legend.rows.front()),
              double(legend.cols.back() - legend.cols.front() + 1), double(legend.rows.back() - legend.rows.front() + 1)};
  return p;
}

double distance_to_segment(plot::Point p, plot::Point a, plot::Point b) {
  double dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / len2, 0.0, 1.0) : 0.0;
  return std::hypot(a.x + t * dx - p.x, a.y + t * dy - p.y);
}

// The paths of one panel, in the order they were added, in pixels.
struct Drawing {
  std::vector<std::vector<plot::Point>> paths;
  std::vector<double> length;        // in pixels, inside the plot box
  std::vector<plot::Point> markers;        // start, end and marked points: drawn over every line
  std::vector<plot::Point> white_markers;  // the starts and the marked minimum
};

// The length of a polyline's part inside the box.
double length_inside(const std::vector<plot::Point>& pts, const plot::Rect& box) {
  double length = 0;
  for (size_t i = 0; i + 1 < pts.size(); ++i) {
    plot::Point a = pts[i], b = pts[i + 1];
    if (std::isfinite(a.x + a.y + b.x + b.y) && plot::clip_segment(a, b, box)) length += std::hypot(b.x - a.x, b.y - a.y);
  }
  return length;
}

// Might a point of path i be hidden by what is drawn after its line? ContourPlot draws the
// longest paths first, so: a shorter path's line (its dark halo is 5.5 px wide) passing near
// (or one of about the same length, whose order a pixel of rounding could swap), an iterate
// dot of a short path (<= 100 points: dots go over all lines), or a marker.
bool hidden(const Drawing& d, size_t i, plot::Point p) {
  for (size_t j = 0; j < d.paths.size(); ++j) {
    if (j == i || d.length[j] > d.length[i] * 1.01) continue;  // drawn before path i
    for (size_t k = 0; k + 1 < d.paths[j].size(); ++k)
      if (distance_to_segment(p, d.paths[j][k], d.paths[j][k + 1]) < 6) return true;
  }
  for (size_t j = 0; j < d.paths.size(); ++j)
    if (j != i && d.paths[j].size() <= 100)
      for (const plot::Point& q : d.paths[j])
        if (std::hypot(q.x - p.x, q.y - p.y) < 6) return true;
  for (const plot::Point& m : d.markers)
    if (std::hypot(m.x - p.x, m.y - p.y) < 14) return true;
  return false;
}

// Samples every 2 px along path i inside the plot box and away from the legend. For a white
// path, also away from the white start and minimum markers, which could pass for it.
std::vector<plot::Point> along(const Drawing& d, const Panel& panel, size_t i) {
  std::vector<plot::Point> out;
  const plot::Rect inner{panel.box.x + 3, panel.box.y + 3, panel.box.w - 6, panel.box.h - 6};
  const plot::Rect legend{panel.legend.x - 4, panel.legend.y - 4, panel.legend.w + 8, panel.legend.h + 8};
  const bool white = distance(plot::path_color(i), plot::kWhite) < 60;
  const std::vector<plot::Point>& path = d.paths[i];
  for (size_t k = 0; k + 1 < path.size(); ++k) {
    plot::Point a = path[k], b = path[k + 1];
    if (!std::isfinite(a.x + a.y + b.x + b.y) || !plot::clip_segment(a, b, inner)) continue;
    const int n = std::max(1, int(std::hypot(b.x - a.x, b.y - a.y) / 2));
    for (int s = 0; s <= n; ++s) {
      double t = double(s) / n;
      plot::Point p{a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)};
      bool near_white = white && std::any_of(d.white_markers.begin(), d.white_markers.end(),
                                             [&](plot::Point m) { return std::hypot(m.x - p.x, m.y - p.y) < 14; });
      if (!legend.contains(p.x, p.y) && !near_white) out.push_back(p);
    }
  }
  return out;
}

std::vector<Row> path_of(const std::vector<Row>& rows, const std::string& function, const std::string& optimizer) {
  std::vector<Row> p;
  for (const Row& r : rows)
    if (r.function == function && r.optimizer == optimizer) p.push_back(r);
  return p;
}

// The boxes optimizer_paths draws its functions over, and where their minimum (or saddle
// point) is marked.
struct Drawn {
  std::string name;
  double x0, x1, y0, y1, min_x, min_y;
};
const std::vector<Drawn> kFunctions = {{"rosenbrock", -2, 2, -1, 3, 1, 1},
                                       {"quadratic", -5, 5, -2, 2, 0, 0},
                                       {"beale", -1, 4.5, -2, 2.5, 3, 0.5},
                                       {"saddle", -2, 2, -2, 2, 0, 0}};

// The paths' points, mapped to pixels through the plot box found in the picture, have the
// path's colour (plot::path_color, in the order the paths were added) wherever nothing drawn
// later can cover them; and every path shows its colour along a stretch of its points, and
// at its end marker where no other marker sits on it. The minimum is a white star over
// everything else, and the legend keeps clear of it.
void check_drawing(const std::vector<Row>& rows, const Picture& pic, const Panel& panel, const std::string& function,
                   const std::vector<std::string>& names, std::optional<plot::Point> minimum) {
  Drawing d;
  std::vector<plot::Point> ends;
  for (const std::string& name : names) {
    const std::vector<Row> path = path_of(rows, function, name);
    REQUIRE(path.size() >= 2);
    d.paths.emplace_back();
    for (const Row& r : path) d.paths.back().push_back(panel.to_pixel(r.x, r.y));
    d.length.push_back(length_inside(d.paths.back(), panel.box));
    d.markers.push_back(d.paths.back().front());
    ends.push_back(d.paths.back().back());
  }
  d.white_markers = d.markers;
  d.markers.insert(d.markers.end(), ends.begin(), ends.end());
  if (minimum) d.markers.push_back(panel.to_pixel(minimum->x, minimum->y));
  if (minimum) d.white_markers.push_back(panel.to_pixel(minimum->x, minimum->y));
  for (size_t i = 0; i < names.size(); ++i) {
    INFO(function << ": " << names[i]);
    int in_sight = 0, in_sight_seen = 0, seen = 0;
    for (const plot::Point& p : along(d, panel, i)) {
      seen += color_near(pic, p.x, p.y, plot::path_color(i), 2, /*tol=*/20);
      if (hidden(d, i, p)) continue;
      ++in_sight;
      in_sight_seen += color_near(pic, p.x, p.y, plot::path_color(i), 2);
    }
    INFO("its colour at " << in_sight_seen << " of the " << in_sight << " points nothing can cover, and at " << seen
                          << " points along it");
    CHECK(in_sight_seen >= 0.9 * in_sight);
    CHECK(seen >= 10);  // 20 px of line, or a few iterate dots, or its end marker and some line
    // The end marker, unless another marker (a start, an end, the minimum) sits on it.
    const plot::Point end = ends[i];
    bool covered = !panel.box.contains(end.x, end.y) || panel.legend.contains(end.x, end.y);
    for (size_t j = 0; j < d.markers.size(); ++j)
      if (j != names.size() + i && std::hypot(d.markers[j].x - end.x, d.markers[j].y - end.y) < 14) covered = true;
    if (!covered) CHECK(color_near(pic, end.x, end.y, plot::path_color(i), 3));
  }
  if (minimum) {
    const plot::Point m = panel.to_pixel(minimum->x, minimum->y);
    INFO(function << ": the minimum's star at pixel (" << m.x << ", " << m.y << ")");
    const plot::Rect reach{panel.legend.x - 12, panel.legend.y - 12, panel.legend.w + 24, panel.legend.h + 24};
    CHECK(!reach.contains(m.x, m.y));
    int white = 0;
    for (int dy = -4; dy <= 4; ++dy)
      for (int dx = -4; dx <= 4; ++dx) white += distance(pic.at(int(m.x) + dx, int(m.y) + dy), plot::kWhite) <= 20;
    CHECK(white >= 30);  // of the 81 pixels around its centre
  }
}

// Every picture optimizer_paths draws, `load(name)` giving the picture of rosenbrock, ...,
// variants, checked against the paths in the CSV.
void check_pictures(const std::vector<Row>& rows, const std::function<Picture(const std::string&)>& load) {
  auto check = [&](const Picture& pic, const Panel& panel, const std::string& function,
                   const std::vector<std::string>& names, std::optional<plot::Point> minimum) {
    check_drawing(rows, pic, panel, function, names, minimum);
  };
  for (const Drawn& f : kFunctions) {
    const Picture pic = load(f.name);
    const Panel panel = find_panel(pic, {0, 0, double(pic.width), double(pic.height)}, f.x0, f.x1, f.y0, f.y1);
    check(pic, panel, f.name, kOptimizers, plot::Point{f.min_x, f.min_y});
  }
  {  // Three panels side by side, one plain gradient-descent path each, over the bowl.
    const Picture pic = load("learning_rates");
    std::vector<std::string> runs;
    for (const Row& r : rows)
      if (r.function == "learning_rates" && r.step == 0) runs.push_back(r.optimizer);
    REQUIRE(runs.size() == 3);
    for (int k = 0; k < 3; ++k) {
      const plot::Rect third{k * pic.width / 3.0, 0, pic.width / 3.0, double(pic.height)};
      check(pic, find_panel(pic, third, -5, 5, -2, 2), "learning_rates", {runs[k]}, plot::Point{0, 0});
    }
  }
  {  // Batch, mini-batch and stochastic on the regression's (w, b) surface.
    const Picture pic = load("variants");
    const Panel panel = find_panel(pic, {0, 0, double(pic.width), double(pic.height)}, -3, 4, -4, 3);
    check(pic, panel, "variants", {"batch (200)", "mini-batch (16)", "stochastic (1)"}, std::nullopt);
  }
}

}  // namespace

TEST_CASE("optimizer_paths draws every optimizer on every function, the same bytes every run") {
  const std::string a = test::scratch("paths_a"), b = test::scratch("paths_b");
  test::Outcome first = test::run_example("optimizer_paths", "--out " + a);
  INFO(first.err);
  REQUIRE(first.status == 0);
  REQUIRE(test::run_example("optimizer_paths", "--out " + b).status == 0);
  for (std::string name : {"rosenbrock", "quadratic", "beale", "saddle", "learning_rates", "variants"}) {
    INFO(name);
    const std::string png = a + "/" + name + ".png";
    REQUIRE(test::slurp(png) == test::slurp(b + "/" + name + ".png"));
    Picture pic = load_png(png);
    CHECK(pic.width >= 640);
    CHECK(pic.height >= 480);
  }
  REQUIRE(test::slurp(a + "/paths.csv") == test::slurp(b + "/paths.csv"));
}

TEST_CASE("optimizer_paths draws each path along the points it computed, and the minimum in sight") {
  const std::string dir = test::scratch("paths_d");
  REQUIRE(test::run_example("optimizer_paths", "--out " + dir).status == 0);
  const std::vector<Row> rows = read_paths(dir + "/paths.csv");
  check_pictures(rows, [&](const std::string& name) { return load_png(dir + "/" + name + ".png"); });
}

TEST_CASE("optimizer_paths --animate writes every picture as a GIF whose paths grow to the still picture") {
  const std::string dir = test::scratch("paths_gif");
  const auto start = std::chrono::steady_clock::now();
  test::Outcome o = test::run_example("optimizer_paths", "--animate --out " + dir);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(o.err);
  REQUIRE(o.status == 0);
  CHECK(seconds < 60);  // a few seconds on two cores; generous for a loaded machine
  const std::vector<Row> rows = read_paths(dir + "/paths.csv");
  std::map<std::string, test::Animation> gifs;
  for (std::string name : {"rosenbrock", "quadratic", "beale", "saddle", "learning_rates", "variants"}) {
    INFO(name);
    const std::string gif = dir + "/" + name + ".gif";
    const size_t bytes = test::slurp(gif).size();
    CHECK(bytes < 4'000'000);
    test::Animation a = test::decode_gif(gif);
    const Picture png = load_png(dir + "/" + name + ".png");
    REQUIRE(a.width == png.width);
    REQUIRE(a.height == png.height);
    REQUIRE(a.loops == 0);
    // Every path has 60 steps or more, so 61 frames of 6/100 s, the last held for 2.5 s.
    REQUIRE(a.frames.size() == 61);
    CHECK(a.delays.front() == 6);
    CHECK(a.delays.back() == 250);
    // The paths grow: the first frame differs from the last inside the plot box.
    int changed = 0;
    for (size_t i = 0; i < a.frames[0].rgb.size(); ++i) changed += a.frames[0].rgb[i] != a.frames.back().rgb[i];
    CHECK(changed > 1000);
    gifs[name] = std::move(a);
  }
  // The last frame shows every path along the points of the CSV, as the still picture does.
  check_pictures(rows, [&](const std::string& name) {
    const test::Animation& a = gifs.at(name);
    return Picture{a.width, a.height, a.frames.back().rgb};
  });
  // Halfway through Rosenbrock (frame 30 shows step 150 of 300) no path is drawn past its
  // 150th iterate: its colour is absent from the points it reached later, wherever they lie away
  // from the part already drawn (its end marker there included).
  const test::Animation& rosen = gifs.at("rosenbrock");
  const Picture last{rosen.width, rosen.height, rosen.frames.back().rgb};
  const Picture half{rosen.width, rosen.height, rosen.frames[30].rgb};
  const Panel panel = find_panel(last, {0, 0, double(last.width), double(last.height)}, -2, 2, -1, 3);
  int checked = 0;
  for (size_t i = 0; i < kOptimizers.size(); ++i) {
    const std::vector<Row> path = path_of(rows, "rosenbrock", kOptimizers[i]);
    for (const Row& later : path) {
      if (later.step <= 150) continue;
      const plot::Point p = panel.to_pixel(later.x, later.y);
      if (!panel.box.contains(p.x, p.y) || panel.legend.contains(p.x, p.y)) continue;
      bool near_drawn = false;
      for (const Row& r : path)
        if (r.step <= 150 && std::hypot(panel.to_pixel(r.x, r.y).x - p.x, panel.to_pixel(r.x, r.y).y - p.y) < 12)
          near_drawn = true;
      if (near_drawn) continue;
      INFO(kOptimizers[i] << " step " << later.step);
      CHECK(!color_near(half, p.x, p.y, plot::path_color(i), 1, 20));
      ++checked;
    }
  }
  CHECK(checked >= 20);
}

TEST_CASE("optimizer_paths' paths show what the pictures claim") {
  const std::string dir = test::scratch("paths_c");
  REQUIRE(test::run_example("optimizer_paths", "--out " + dir).status == 0);
  std::vector<Row> rows = read_paths(dir + "/paths.csv");
  std::map<std::pair<std::string, std::string>, Row> last;
  for (const Row& r : rows) last[{r.function, r.optimizer}] = r;
  for (std::string f : {"rosenbrock", "quadratic", "beale", "saddle"})
    for (const auto& o : kOptimizers) CHECK(last.count({f, o}) == 1);
  // The second-order methods find Rosenbrock's minimum at (1, 1) (L-BFGS stops once its
  // gradient is below its default tolerance, 1e-7, a few 1e-6 away).
  for (std::string o : {"lbfgs", "newton"}) {
    INFO(o);
    CHECK(std::fabs(last[{"rosenbrock", o}].x - 1) < 1e-4);
    CHECK(std::fabs(last[{"rosenbrock", o}].y - 1) < 1e-4);
    CHECK(last[{"rosenbrock", o}].loss < 1e-9);
  }
  // Learning rates: a crawl, convergence, divergence.
  double small = 0, right = 0, large = 0, start = 0;
  for (const auto& [key, r] : last) {
    if (key.first != "learning_rates") continue;
    if (key.second.rfind("too small", 0) == 0) small = r.loss;
    if (key.second.rfind("right", 0) == 0) right = r.loss;
    if (key.second.rfind("too large", 0) == 0) large = r.loss;
  }
  for (const Row& r : rows)
    if (r.function == "learning_rates" && r.step == 0) start = r.loss;
  CHECK(small > 0.1 * start);
  CHECK(right < 1e-2);
  CHECK(large > start);
  // Stochastic wanders more than mini-batch, which wanders more than full batch.
  double batch = wander(rows, "variants", "batch (200)"), mini = wander(rows, "variants", "mini-batch (16)"),
         sgd = wander(rows, "variants", "stochastic (1)");
  INFO("wander: batch " << batch << ", mini-batch " << mini << ", stochastic " << sgd);
  CHECK(batch < mini);
  CHECK(mini < sgd);
}

TEST_CASE("optimizer_paths refuses an unknown flag or a bad value with one line and status 2") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--frobnicate 1", "unknown flag --frobnicate"},
      {"--seed abc", "bad value 'abc' for --seed"},
      {"--seed -1", "bad value '-1' for --seed"},
      {"--seed 1x", "bad value '1x' for --seed"},
      {"--seed", "missing value for --seed"},
      {"--out", "missing value for --out"},
      {"--epochs 3", "--epochs does not apply to optimizer_paths"},
      {"--save-weights w.safetensors", "--save-weights does not apply to optimizer_paths"},
      {"--animate=yes", "--animate takes no value"},
      {"stray", "unexpected argument 'stray'"}};
  for (const auto& [args, message] : cases) {
    test::Outcome o = test::run_example("optimizer_paths", args);
    INFO("optimizer_paths " << args << "\nstdout:\n" << o.out << "stderr:\n" << o.err);
    CHECK(o.status == 2);
    REQUIRE(o.err_lines().size() == 1);
    CHECK(o.err_lines()[0].rfind("optimizer_paths: ", 0) == 0);
    CHECK(o.err_lines()[0].find(message) != std::string::npos);
  }
}

TEST_CASE("optimizer_paths --help prints its usage and exits 0") {
  test::Outcome o = test::run_example("optimizer_paths", "--help");
  INFO("stdout:\n" << o.out << "stderr:\n" << o.err);
  CHECK(o.status == 0);
  CHECK(o.err.empty());
  CHECK(o.out.rfind("usage: optimizer_paths", 0) == 0);
  CHECK(o.out.find("--out") != std::string::npos);
  CHECK(o.out.find("--seed") != std::string::npos);
}
