#pragma once
// Animated plots: a ContourPlot (or a Figure of them) as a GIF in which every path grows step by
// step over contours drawn once, with the step reached written in the top right corner. The
// panels' unchanging parts are drawn a single time (Panel::draw_animated); each frame draws the
// paths up to its step over a copy of them, and the last frame is the still picture save_png
// writes. Frames go through plot/gif.h (one palette, only changes stored).
//
//   plot::ContourPlot contour(f, -2, 2, -1, 3);
//   contour.add_path("sgd", sgd_points).add_path("adam", adam_points);
//   plot::save_gif(contour, "rosenbrock.gif", 1000, 700);
//
// With more steps than frames, frames are spread evenly over the steps (step k·last/(frames−1)).
#include <cstddef>
#include <string>

#include "plot/figure.h"

namespace descent::plot {

// How an animation plays; a builder, as PathStyle: AnimationOptions().frames(40).delay(8).
class AnimationOptions {
 public:
  AnimationOptions& frames(size_t n) { return frames_ = n, *this; }    // at most this many (61)
  AnimationOptions& delay(int cs) { return delay_ = cs, *this; }       // per frame, 1/100 s (6)
  AnimationOptions& hold(int cs) { return hold_ = cs, *this; }         // the last frame (250)
  AnimationOptions& label(std::string word) { return label_ = std::move(word), *this; }  // "step"

  size_t frames() const { return frames_; }
  int delay() const { return delay_; }
  int hold() const { return hold_; }
  const std::string& label() const { return label_; }

 private:
  size_t frames_ = 61;
  int delay_ = 6, hold_ = 250;
  std::string label_ = "step";
};

// The steps the frames show: 0..last when they fit, else `frames` of them spread evenly, always
// from 0 to last.
std::vector<size_t> frame_steps(size_t last, size_t frames);

// Throw std::invalid_argument for a picture smaller than 640×480 or fewer than 2 frames, and
// std::runtime_error when the file cannot be written.
void save_gif(const Panel& panel, const std::string& path, int width = 800, int height = 600,
              const AnimationOptions& options = {});
void save_gif(const Figure& figure, const std::string& path, const AnimationOptions& options = {});

}  // namespace descent::plot
