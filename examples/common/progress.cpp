// The progress bar (see progress.h).
#include "common/progress.h"

#include <unistd.h>

#include <cstdio>

namespace examples {

ProgressBar::ProgressBar(std::string label, int64_t total)
    : label_(std::move(label)), total_(total), enabled_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()), last_draw_() {}

void ProgressBar::update(int64_t done, double loss) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  int filled = total_ > 0 ? int(kWidth * done / total_) : kWidth;
  std::string bar(size_t(filled), '#');
  bar.resize(kWidth, '.');
  double seconds = std::chrono::duration<double>(now - start_).count();
  std::fprintf(stderr, "\r%s [%s] %lld/%lld  loss %.4f  %.1f s ", label_.c_str(), bar.c_str(), (long long)done,
               (long long)total_, loss, seconds);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (!enabled_) return;
  std::fprintf(stderr, "\r%80s\r", "");
  std::fflush(stderr);
}

}  // namespace examples
