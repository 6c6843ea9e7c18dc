#pragma once
// Panel and Figure. A Panel is one chart (LineChart, ContourPlot) that can draw itself into
// any rectangle of a canvas; on its own it renders to an 800×600 picture. A Figure is a grid
// of panels side by side (three panels for "lr too small / right / too large") with an
// optional title over all of them, saved as one PNG. Either can also be animated: panels whose
// data grows step by step (ContourPlot's paths) are drawn frame by frame into a GIF by
// plot/animation.h, through draw_animated below.
// Read next: plot/line_chart.h, plot/contour.h.
#include <memory>
#include <string>
#include <vector>

#include "plot/canvas.h"
#include "plot/ticks.h"

namespace descent::plot {

// Where a panel put things, so callers (and tests) can map data to pixels afterwards.
struct Layout {
  Rect plot;    // the plot box
  Scale x, y;   // data -> pixel inside it
  Rect legend;  // w == 0 when the panel has no legend
};

// Pictures are at least this big: smaller ones are not legible at a glance.
inline constexpr int kMinWidth = 640, kMinHeight = 480;

class Panel {
 public:
  virtual ~Panel() = default;
  virtual Layout draw(Canvas& canvas, const Rect& area) const = 0;

  // Animation. A panel whose data grows step by step draws the parts that never change once and
  // returns what draws each step over them; the default draws the whole panel and returns null
  // (a panel that does not move).
  class Steps {
   public:
    virtual ~Steps() = default;
    virtual size_t count() const = 0;  // the last step: the frames show steps 0..count()
    // The picture at `step`, the data cut there (count() or more: all of it), drawn over a copy
    // of the canvas draw_animated drew the unchanging parts into.
    virtual void draw(Canvas& canvas, size_t step) const = 0;
  };
  virtual std::unique_ptr<Steps> draw_animated(Canvas& canvas, const Rect& area) const;

  Canvas render(int width = 800, int height = 600, Layout* layout = nullptr) const;
  // Throws std::invalid_argument for a size below 640×480, std::runtime_error when the file
  // cannot be written (see Canvas::save_png).
  void save_png(const std::string& path, int width = 800, int height = 600) const;
};

class Figure {
 public:
  Figure(int rows, int cols, int panel_width = 800, int panel_height = 600);

  Figure& title(std::string title);
  // Puts a copy of `panel` in the next free cell, row by row, and returns that copy (to keep
  // configuring it). Throws std::invalid_argument when every cell is taken.
  template <class P> P& add(P panel) {
    auto p = std::make_shared<P>(std::move(panel));
    P& ref = *p;
    place(std::move(p));
    return ref;
  }

  int width() const { return cols_ * panel_width_; }
  int height() const;
  // `layouts`, when given, receives one Layout per panel, in the order they were added.
  Canvas render(std::vector<Layout>* layouts = nullptr) const;
  void save_png(const std::string& path) const;
  // The title and every panel's unchanging parts into `canvas` (width() x height()); one Steps
  // per panel, in the order they were added (null for a panel that does not move).
  std::vector<std::unique_ptr<Panel::Steps>> draw_animated(Canvas& canvas) const;

 private:
  void place(std::shared_ptr<const Panel> panel);
  Rect cell(size_t i) const;  // where panel i goes
  void draw_title(Canvas& canvas) const;
  int rows_, cols_, panel_width_, panel_height_;
  std::string title_;
  std::vector<std::shared_ptr<const Panel>> panels_;
};

}  // namespace descent::plot
