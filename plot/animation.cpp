// Animated plots (see animation.h): the frame loop shared by panels and figures.
#include "plot/animation.h"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "plot/axes.h"
#include "plot/gif.h"

namespace descent::plot {
namespace {

using StepsList = std::vector<std::unique_ptr<Panel::Steps>>;

void animate(const Canvas& still, const StepsList& steps, const std::string& path, const AnimationOptions& options) {
  if (still.width() < kMinWidth || still.height() < kMinHeight)
    throw std::invalid_argument("save_gif: " + path + ": a picture must be at least " + std::to_string(kMinWidth) +
                                "x" + std::to_string(kMinHeight) + ", got " + std::to_string(still.width()) + "x" +
                                std::to_string(still.height()));
  if (options.frames() < 2)
    throw std::invalid_argument("save_gif: " + path + ": an animation needs at least 2 frames, got " +
                                std::to_string(options.frames()));
  size_t last = 0;
  for (const auto& s : steps)
    if (s) last = std::max(last, s->count());
  auto render = [&](size_t step) {
    Canvas frame = still;
    for (const auto& s : steps)
      if (s) s->draw(frame, step);
    // Which step this is, top right, where titles (centred) do not reach.
    const std::string text = options.label() + " " + std::to_string(step) + " / " + std::to_string(last);
    frame.text(frame.width() - 12, 12, text, kTextColor, 2, HAlign::Right, VAlign::Top);
    return frame;
  };
  // The last frame has every colour the animation shows: the palette comes from it.
  const Canvas final_frame = render(last);
  GifWriter gif(final_frame);
  const std::vector<size_t> shown = frame_steps(last, options.frames());
  for (size_t i = 0; i < shown.size(); ++i) {
    const bool is_last = i + 1 == shown.size();
    gif.add_frame(is_last ? final_frame : render(shown[i]), is_last ? options.hold() : options.delay());
  }
  gif.save(path);
}

}  // namespace

std::vector<size_t> frame_steps(size_t last, size_t frames) {
  std::vector<size_t> out;
  if (last + 1 <= frames) {
    for (size_t s = 0; s <= last; ++s) out.push_back(s);
    return out;
  }
  for (size_t i = 0; i < frames; ++i) out.push_back((i * last + (frames - 1) / 2) / (frames - 1));  // rounded
  return out;
}

void save_gif(const Panel& panel, const std::string& path, int width, int height, const AnimationOptions& options) {
  Canvas still(std::max(width, 1), std::max(height, 1));
  StepsList steps;
  if (width >= kMinWidth && height >= kMinHeight) steps.push_back(panel.draw_animated(still, {0, 0, double(width), double(height)}));
  animate(still, steps, path, options);
}

void save_gif(const Figure& figure, const std::string& path, const AnimationOptions& options) {
  Canvas still(figure.width(), figure.height());
  const StepsList steps = figure.draw_animated(still);
  animate(still, steps, path, options);
}

}  // namespace descent::plot
