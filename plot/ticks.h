#pragma once
// Axis arithmetic: mapping data values to pixels on a linear or log scale, choosing "nice"
// tick values (1, 2 or 5 × 10^k apart; powers of ten on a log scale), padding automatic
// ranges, and formatting tick labels so neighbouring labels differ and stay short.
// Pure functions of numbers, nothing drawn here. Read next: plot/axes.h (which draws them).
#include <string>
#include <vector>

namespace descent::plot {

// One axis: the data interval [lo, hi] shown between pixel positions p0 (at lo) and p1 (at
// hi). For a y axis p1 < p0, because pixel rows grow downwards. On a log axis lo > 0.
struct Scale {
  double lo = 0, hi = 1;
  bool log = false;
  double p0 = 0, p1 = 1;
  // Pixel position of v; NaN for non-finite v or v <= 0 on a log axis (the caller breaks lines
  // there). Values outside [lo, hi] map outside [p0, p1]; drawing clips them.
  double to_pixel(double v) const;
};

// The tick spacing for about `target` intervals over `range`: 1, 2 or 5 × 10^k.
double nice_step(double range, int target);
// Multiples of nice_step(hi − lo, target) that lie in [lo, hi] (exact zero, not 1e-17).
std::vector<double> nice_ticks(double lo, double hi, int target);
// Powers of ten in [lo, hi], every k-th decade when there are more than `target`. A range
// holding fewer than three powers of ten gets 1, 2, 5 × 10^k, or 1…9 × 10^k, or linear ticks,
// so a log axis always has at least a few labels.
std::vector<double> log_ticks(double lo, double hi, int target);
// 2…9 × 10^k in [lo, hi] for faint grid lines, when the range spans at most 6 decades.
std::vector<double> log_minor_ticks(double lo, double hi);

// Labels for ticks `step` apart: fixed decimals as many as the step needs ("0.25", "1.5",
// "300"); scientific ("2.0e5", "1e-6") for very large or very small values.
std::string format_tick(double v, double step);
// A label for a log-axis tick: "0.001" … "10000" as plain numbers, "1e-5", "1e6" beyond.
std::string format_log_tick(double v);
// A short label for an arbitrary value (3 significant digits), e.g. for a colour bar.
std::string format_value(double v);

// The data range [lo, hi] widened by `margin` (a fraction of the range, in log10 units on a
// log axis) on each side; a single value or an empty range gets a sensible width instead.
void pad_range(double& lo, double& hi, bool log, double margin);

}  // namespace descent::plot
