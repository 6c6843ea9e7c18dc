// Axes layout, frame and legend (see axes.h). Sizes are in pixels; text uses scale 2 for tick
// and axis labels (capitals 14 px tall) and scale 3 for the title (21 px).
#include "plot/axes.h"

#include <algorithm>
#include <cmath>

namespace descent::plot {
namespace {

constexpr int kLabelScale = 2, kTitleScale = 3;
constexpr double kTickLength = 6, kGap = 6, kPad = 12;

std::vector<double> ticks_for(double lo, double hi, bool log, int target) {
  return log ? log_ticks(lo, hi, target) : nice_ticks(lo, hi, target);
}

// Which tick labels to draw. On a crowded axis (1…9 × 10^k on a short log axis) labels would
// touch, so they are taken greedily — powers of ten first on a log axis, then the rest in
// order — skipping any that would come within `gap` pixels of one already taken. The ticks
// and grid lines themselves are all drawn.
std::vector<bool> labels_to_draw(const std::vector<double>& ticks, const Scale& scale, const std::vector<double>& extent,
                                 double gap) {
  std::vector<bool> taken(ticks.size(), false);
  auto fits = [&](size_t i) {
    for (size_t j = 0; j < ticks.size(); ++j)
      if (taken[j] && std::fabs(scale.to_pixel(ticks[i]) - scale.to_pixel(ticks[j])) < (extent[i] + extent[j]) / 2 + gap)
        return false;
    return true;
  };
  auto power_of_ten = [](double v) { return v > 0 && std::fabs(std::log10(v) - std::round(std::log10(v))) < 1e-9; };
  for (int pass = 0; pass < 2; ++pass)
    for (size_t i = 0; i < ticks.size(); ++i) {
      bool preferred = scale.log && power_of_ten(ticks[i]);
      if (!taken[i] && (pass == 1 || preferred) && fits(i)) taken[i] = true;
    }
  return taken;
}

}  // namespace

std::string Axes::x_tick_label(double v) const { return x_.log ? format_log_tick(v) : format_tick(v, x_step_); }
std::string Axes::y_tick_label(double v) const { return y_.log ? format_log_tick(v) : format_tick(v, y_step_); }

Axes::Axes(const Rect& area, const AxesSpec& spec) : area_(area), spec_(spec) {
  x_ = {spec.x_lo, spec.x_hi, spec.x_log, 0, 1};
  y_ = {spec.y_lo, spec.y_hi, spec.y_log, 0, 1};
  const double label_h = Canvas::text_height(kLabelScale);
  // Vertical budget first: the title above, tick labels and the x label below.
  double top = spec.title.empty() ? 2 * kPad : kPad + Canvas::text_height(kTitleScale) + kPad;
  double bottom = kTickLength + kGap + label_h + (spec.x_label.empty() ? kPad : kPad + label_h + kPad);
  double plot_h = std::max(50.0, area.h - top - bottom);
  // The y ticks only depend on the height; their labels' width decides the left margin.
  int y_target = std::max(3, int(plot_h / 70));
  y_ticks_ = ticks_for(y_.lo, y_.hi, y_.log, y_target);
  if (!y_.log) y_step_ = nice_step(y_.hi - y_.lo, y_target);
  if (y_.log) y_minor_ = log_minor_ticks(y_.lo, y_.hi);
  double widest = 0;
  for (double v : y_ticks_) widest = std::max(widest, double(Canvas::text_width(y_tick_label(v), kLabelScale)));
  double left = kPad + (spec.y_label.empty() ? 0 : label_h + kPad) + widest + kGap + kTickLength;
  double right = kPad * 2 + spec.right_reserve;
  double plot_w = std::max(50.0, area.w - left - right);
  int x_target = std::max(3, int(plot_w / 110));
  x_ticks_ = ticks_for(x_.lo, x_.hi, x_.log, x_target);
  if (!x_.log) x_step_ = nice_step(x_.hi - x_.lo, x_target);
  if (x_.log) x_minor_ = log_minor_ticks(x_.lo, x_.hi);
  // Whole pixels, so the frame and grid lines are crisp.
  plot_ = {std::round(area.x + left), std::round(area.y + top), std::round(plot_w), std::round(plot_h)};
  x_.p0 = plot_.x, x_.p1 = plot_.right();
  y_.p0 = plot_.bottom(), y_.p1 = plot_.y;
}

void Axes::draw_grid(Canvas& canvas) const {
  canvas.set_clip(plot_);
  for (double v : x_minor_) canvas.fill_rect({std::floor(x_.to_pixel(v)), plot_.y, 1, plot_.h}, kMinorGridColor);
  for (double v : y_minor_) canvas.fill_rect({plot_.x, std::floor(y_.to_pixel(v)), plot_.w, 1}, kMinorGridColor);
  for (double v : x_ticks_) canvas.fill_rect({std::floor(x_.to_pixel(v)), plot_.y, 1, plot_.h}, kGridColor);
  for (double v : y_ticks_) canvas.fill_rect({plot_.x, std::floor(y_.to_pixel(v)), plot_.w, 1}, kGridColor);
  canvas.reset_clip();
}

void Axes::draw_frame(Canvas& canvas) const {
  canvas.set_clip(area_);
  canvas.stroke_rect({plot_.x - 1, plot_.y - 1, plot_.w + 2, plot_.h + 2}, kFrameColor, 1.5);
  const double label_h = Canvas::text_height(kLabelScale);
  // x ticks below the box, labels centred under them.
  std::vector<double> widths;
  for (double v : x_ticks_) widths.push_back(Canvas::text_width(x_tick_label(v), kLabelScale));
  std::vector<bool> x_labels = labels_to_draw(x_ticks_, x_, widths, 2 * kGap);
  for (size_t i = 0; i < x_ticks_.size(); ++i) {
    double px = std::floor(x_.to_pixel(x_ticks_[i]));
    canvas.fill_rect({px, plot_.bottom() + 1, 1.5, kTickLength}, kFrameColor);
    if (x_labels[i])
      canvas.text(px, plot_.bottom() + kTickLength + kGap, x_tick_label(x_ticks_[i]), kTextColor, kLabelScale,
                  HAlign::Center, VAlign::Top);
  }
  // y ticks left of the box, labels right-aligned and vertically centred on them.
  std::vector<bool> y_labels = labels_to_draw(y_ticks_, y_, std::vector<double>(y_ticks_.size(), label_h), 10);
  for (size_t i = 0; i < y_ticks_.size(); ++i) {
    double py = std::floor(y_.to_pixel(y_ticks_[i]));
    canvas.fill_rect({plot_.x - 1 - kTickLength, py, kTickLength, 1.5}, kFrameColor);
    if (y_labels[i])
      canvas.text(plot_.x - kTickLength - kGap, py + 1, y_tick_label(y_ticks_[i]), kTextColor, kLabelScale,
                  HAlign::Right, VAlign::Middle);
  }
  if (!spec_.x_label.empty())
    canvas.text(plot_.x + plot_.w / 2, plot_.bottom() + kTickLength + kGap + label_h + kPad, spec_.x_label, kTextColor,
                kLabelScale, HAlign::Center, VAlign::Top);
  if (!spec_.y_label.empty())
    canvas.text(area_.x + kPad, plot_.y + plot_.h / 2, spec_.y_label, kTextColor, kLabelScale, HAlign::Center,
                VAlign::Top, /*vertical=*/true);
  if (!spec_.title.empty()) {
    // Centred over the plot box, but shifted to stay inside the area when the box sits off
    // centre (a legend outside on the right) and the title is long.
    const double half = Canvas::text_width(spec_.title, kTitleScale) / 2.0;
    const double cx = std::max(std::min(plot_.x + plot_.w / 2, area_.right() - kPad - half), area_.x + kPad + half);
    canvas.text(cx, area_.y + kPad, spec_.title, kTextColor, kTitleScale, HAlign::Center, VAlign::Top);
  }
  canvas.reset_clip();
}

// Legend geometry: rows of a swatch (line and marker) and a label.
constexpr double kRow = 24, kSwatch = 34, kInset = 10, kInner = 8;

Rect legend_size(const std::vector<LegendEntry>& entries) {
  if (entries.empty()) return {};
  double widest = 0;
  for (const LegendEntry& e : entries) widest = std::max(widest, double(Canvas::text_width(e.label, kLabelScale)));
  return {0, 0, kInner + kSwatch + kInner + widest + kInner + 2, kInner + kRow * entries.size() + kInner - 6};
}

std::optional<Rect> legend_corner(const Rect& plot, double w, double h, const std::vector<Point>& occupied,
                                  const std::vector<Point>& keep_visible, double radius, size_t max_hidden) {
  w = std::min(w, plot.w - 2 * kInset);
  h = std::min(h, plot.h - 2 * kInset);
  // Corners in order of preference; on a tie the earlier one wins.
  const Rect candidates[] = {{plot.right() - kInset - w, plot.y + kInset, w, h},
                             {plot.x + kInset, plot.y + kInset, w, h},
                             {plot.right() - kInset - w, plot.bottom() - kInset - h, w, h},
                             {plot.x + kInset, plot.bottom() - kInset - h, w, h}};
  std::optional<Rect> best;
  size_t fewest = SIZE_MAX;
  for (const Rect& r : candidates) {
    const Rect grown{r.x - radius, r.y - radius, r.w + 2 * radius, r.h + 2 * radius};
    if (std::any_of(keep_visible.begin(), keep_visible.end(), [&](Point p) { return grown.contains(p.x, p.y); }))
      continue;
    size_t hidden = 0;
    for (const Point& p : occupied) hidden += r.contains(p.x, p.y);
    if (hidden <= max_hidden && (!best || hidden < fewest)) best = r, fewest = hidden;
  }
  if (best) *best = {std::round(best->x), std::round(best->y), std::round(best->w), std::round(best->h)};
  return best;
}

void draw_legend_at(Canvas& canvas, const Rect& box, const std::vector<LegendEntry>& entries) {
  canvas.fill_rect(box, kWhite, 0.88);
  canvas.stroke_rect(box, Color::hex(0x999999), 1);
  const Rect old_clip = canvas.clip();
  canvas.set_clip(box);
  for (size_t i = 0; i < entries.size(); ++i) {
    const LegendEntry& e = entries[i];
    double cy = box.y + kInner + kRow * i + 7;  // centre of row i (capitals are 14 px tall)
    Point a{box.x + kInner, cy}, b{box.x + kInner + kSwatch, cy};
    if (e.line && e.halo) canvas.polyline({a, b}, kBlack, 6.0, 0.6, e.dash > 0 ? 7 : 0);
    if (e.line) canvas.polyline({a, b}, e.color, 3.0, 1.0, e.dash > 0 ? 7 : 0);
    if (e.has_marker) canvas.marker({(a.x + b.x) / 2, cy}, e.marker, 5, e.color, e.marker_outline);
    canvas.text(b.x + kInner, cy, e.label, kTextColor, kLabelScale, HAlign::Left, VAlign::Middle);
  }
  canvas.set_clip(old_clip);
}

Rect draw_legend(Canvas& canvas, const Rect& plot, const std::vector<LegendEntry>& entries,
                 const std::vector<Point>& occupied) {
  if (entries.empty()) return {};
  const Rect size = legend_size(entries);
  const Rect box = *legend_corner(plot, size.w, size.h, occupied);  // no limits: always a corner
  canvas.set_clip(plot);
  draw_legend_at(canvas, box, entries);
  canvas.reset_clip();
  return box;
}

void sample_polyline(const std::vector<Point>& pts, const Rect& plot, std::vector<Point>& out) {
  auto finite = [](Point p) { return std::isfinite(p.x) && std::isfinite(p.y); };
  for (size_t i = 0; i < pts.size(); ++i) {
    if (!finite(pts[i])) continue;
    if (plot.contains(pts[i].x, pts[i].y)) out.push_back(pts[i]);
    if (i + 1 == pts.size() || !finite(pts[i + 1])) continue;
    Point a = pts[i], b = pts[i + 1];  // only the visible part (a diverging path reaches 1e30)
    if (!clip_segment(a, b, plot)) continue;
    int n = int(std::hypot(b.x - a.x, b.y - a.y) / 4);  // every 4 px
    for (int k = 0; k <= n; ++k) {
      double t = n > 0 ? double(k) / n : 0;
      out.push_back({a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)});
    }
  }
}

}  // namespace descent::plot
