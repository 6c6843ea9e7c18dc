// Panel rendering and Figure grids (see figure.h).
#include "plot/figure.h"

#include <stdexcept>

#include "plot/axes.h"

namespace descent::plot {
namespace {

constexpr int kTitleScale = 3;
constexpr int kFigureTitleHeight = 50;  // a band above the panels for the figure's title

void check_size(int width, int height, const std::string& path) {
  if (width < kMinWidth || height < kMinHeight)
    throw std::invalid_argument("save_png: " + path + ": a picture must be at least " + std::to_string(kMinWidth) +
                                "x" + std::to_string(kMinHeight) + ", got " + std::to_string(width) + "x" +
                                std::to_string(height));
}

}  // namespace

Canvas Panel::render(int width, int height, Layout* layout) const {
  Canvas canvas(width, height);
  Layout l = draw(canvas, {0, 0, double(width), double(height)});
  if (layout) *layout = l;
  return canvas;
}

std::unique_ptr<Panel::Steps> Panel::draw_animated(Canvas& canvas, const Rect& area) const {
  draw(canvas, area);
  return nullptr;
}

void Panel::save_png(const std::string& path, int width, int height) const {
  check_size(width, height, path);
  render(width, height).save_png(path);
}

Figure::Figure(int rows, int cols, int panel_width, int panel_height)
    : rows_(rows), cols_(cols), panel_width_(panel_width), panel_height_(panel_height) {
  if (rows < 1 || cols < 1 || panel_width < 100 || panel_height < 100)
    throw std::invalid_argument("Figure: need at least 1x1 panels of at least 100x100 pixels, got " +
                                std::to_string(rows) + "x" + std::to_string(cols) + " panels of " +
                                std::to_string(panel_width) + "x" + std::to_string(panel_height));
}

Figure& Figure::title(std::string title) {
  title_ = std::move(title);
  return *this;
}

int Figure::height() const { return rows_ * panel_height_ + (title_.empty() ? 0 : kFigureTitleHeight); }

void Figure::place(std::shared_ptr<const Panel> panel) {
  if (int(panels_.size()) >= rows_ * cols_)
    throw std::invalid_argument("Figure::add: all " + std::to_string(rows_ * cols_) + " cells are taken");
  panels_.push_back(std::move(panel));
}

Rect Figure::cell(size_t i) const {
  const double top = title_.empty() ? 0 : kFigureTitleHeight;
  const int row = int(i) / cols_, col = int(i) % cols_;
  return {double(col * panel_width_), top + row * panel_height_, double(panel_width_), double(panel_height_)};
}

void Figure::draw_title(Canvas& canvas) const {
  if (!title_.empty()) canvas.text(width() / 2.0, 16, title_, kTextColor, kTitleScale, HAlign::Center, VAlign::Top);
}

Canvas Figure::render(std::vector<Layout>* layouts) const {
  Canvas canvas(width(), height());
  draw_title(canvas);
  if (layouts) layouts->clear();
  for (size_t i = 0; i < panels_.size(); ++i) {
    Layout l = panels_[i]->draw(canvas, cell(i));
    if (layouts) layouts->push_back(l);
  }
  return canvas;
}

std::vector<std::unique_ptr<Panel::Steps>> Figure::draw_animated(Canvas& canvas) const {
  draw_title(canvas);
  std::vector<std::unique_ptr<Panel::Steps>> steps;
  for (size_t i = 0; i < panels_.size(); ++i) steps.push_back(panels_[i]->draw_animated(canvas, cell(i)));
  return steps;
}

void Figure::save_png(const std::string& path) const {
  check_size(width(), height(), path);
  render().save_png(path);
}

}  // namespace descent::plot
