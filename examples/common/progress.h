#pragma once
// A one-line progress bar on stderr, drawn only when stderr is a terminal (so logs and CI
// output stay clean):   epoch 2/5 [#########.........] 412/938  loss 0.3121  12.4 s
#include <chrono>
#include <cstdint>
#include <string>

namespace examples {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total);
  void update(int64_t done, double loss);  // redraws at most ~10 times per second
  void finish();                           // clears the line

 private:
  std::string label_;
  int64_t total_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace examples
