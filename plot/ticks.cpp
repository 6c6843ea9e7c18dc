// Axis arithmetic (see ticks.h).
#include "plot/ticks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace descent::plot {
namespace {

// "%.*e" gives "2.5e+05" or "1.0e-06"; drop the '+' and the exponent's leading zeros.
std::string tidy_exponent(std::string s) {
  size_t e = s.find('e');
  if (e == std::string::npos) return s;
  std::string mantissa = s.substr(0, e), exponent = s.substr(e + 1);
  bool negative = !exponent.empty() && exponent[0] == '-';
  size_t digits = exponent.find_first_not_of("+-");
  std::string number = exponent.substr(digits);
  number.erase(0, std::min(number.find_first_not_of('0'), number.size() - 1));
  return mantissa + "e" + (negative ? "-" : "") + number;
}

std::string printf_string(const char* format, int precision, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, precision, v);
  return buf;
}

}  // namespace

double Scale::to_pixel(double v) const {
  if (!std::isfinite(v)) return std::numeric_limits<double>::quiet_NaN();
  double t;
  if (log) {
    if (v <= 0) return std::numeric_limits<double>::quiet_NaN();
    t = (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
  } else {
    t = (v - lo) / (hi - lo);
  }
  return p0 + t * (p1 - p0);
}

double nice_step(double range, int target) {
  if (!(range > 0) || !std::isfinite(range)) return 1;
  double raw = range / std::max(target, 1);
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double normalized = raw / magnitude;  // in [1, 10)
  // Round to the nearest of 1, 2, 5, 10 in the geometric sense (thresholds near √2, √10, √50).
  double nice = normalized < 1.5 ? 1 : normalized < 3.2 ? 2 : normalized < 7 ? 5 : 10;
  return nice * magnitude;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  std::vector<double> ticks;
  double step = nice_step(hi - lo, target);
  if (!std::isfinite(lo) || !std::isfinite(hi) || hi < lo) return ticks;
  // Integer multiples avoid accumulating rounding errors (0.1 + 0.2 != 0.3).
  double first = std::ceil(lo / step - 1e-9), last = std::floor(hi / step + 1e-9);
  for (double k = first; k <= last && ticks.size() < 100; ++k) {
    double v = k * step;
    ticks.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  }
  return ticks;
}

std::vector<double> log_ticks(double lo, double hi, int target) {
  std::vector<double> ticks;
  if (!(lo > 0) || !(hi > lo)) return ticks;
  int d0 = int(std::ceil(std::log10(lo) - 1e-9)), d1 = int(std::floor(std::log10(hi) + 1e-9));
  if (d1 - d0 + 1 < 3) {
    // Fewer than three powers of ten in range: 1, 2, 5 × 10^k, else 1…9 × 10^k, else linear.
    for (const std::vector<int>& mantissas : {std::vector<int>{1, 2, 5}, std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
      std::vector<double> t;
      for (int d = int(std::floor(std::log10(lo))); d <= int(std::ceil(std::log10(hi))); ++d)
        for (int m : mantissas)
          if (double v = m * std::pow(10.0, d); v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12)) t.push_back(v);
      if (t.size() >= 3 && int(t.size()) <= target + 3) return t;
    }
    return nice_ticks(lo, hi, std::max(3, target - 1));
  }
  // Every k-th decade with k from 1, 2, 3, 5, 10, 20, ...: labels at 10^0, 10^5, 10^10 rather
  // than a crowd of 30 labels on a diverging run.
  int count = d1 - d0 + 1, every = 1;
  const int steps[] = {1, 2, 3, 5, 10, 20, 25, 50, 100};
  for (int s : steps) {
    every = s;
    if ((count + s - 1) / s <= std::max(target, 2)) break;
  }
  int start = int(std::ceil(double(d0) / every)) * every;
  for (int d = start; d <= d1; d += every) ticks.push_back(std::pow(10.0, d));
  return ticks;
}

std::vector<double> log_minor_ticks(double lo, double hi) {
  std::vector<double> ticks;
  if (!(lo > 0) || !(hi > lo) || std::log10(hi / lo) > 6) return ticks;
  for (int d = int(std::floor(std::log10(lo))); d <= int(std::ceil(std::log10(hi))); ++d)
    for (int m = 2; m <= 9; ++m) {
      double v = m * std::pow(10.0, d);
      if (v >= lo && v <= hi) ticks.push_back(v);
    }
  return ticks;
}

std::string format_tick(double v, double step) {
  if (v == 0) return "0";
  double magnitude = std::max(std::fabs(v), step);
  int step_exp = int(std::floor(std::log10(step) + 1e-9));
  if (magnitude >= 1e5 || step < 1e-4) {
    // Enough mantissa digits that neighbouring ticks differ: 1.5e5 and 2.0e5, not 2e5 twice.
    int value_exp = int(std::floor(std::log10(std::fabs(v)) + 1e-9));
    int decimals = std::clamp(value_exp - step_exp, 0, 6);
    return tidy_exponent(printf_string("%.*e", decimals, v));
  }
  int decimals = std::max(0, -step_exp);
  return printf_string("%.*f", decimals, v);
}

std::string format_log_tick(double v) {
  if (!(v > 0)) return format_value(v);
  double e = std::log10(v);
  if (std::fabs(e - std::round(e)) > 1e-9) return format_value(v);  // a 2 or 5 from nice_ticks
  int k = int(std::lround(e));
  if (k >= -3 && k <= 4) return printf_string("%.*f", std::max(0, -k), v);
  return "1e" + std::to_string(k);
}

std::string format_value(double v) {
  if (v == 0) return "0";
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
  double a = std::fabs(v);
  if (a >= 1e5 || a < 1e-3) return tidy_exponent(printf_string("%.*e", 1, v));
  std::string s = printf_string("%.*g", 3, v);
  return s;
}

void pad_range(double& lo, double& hi, bool log, double margin) {
  if (log) {
    double a = std::log10(lo), b = std::log10(hi);
    if (b - a < 1e-12) a -= 0.5, b += 0.5;  // one value: show a decade around it
    double pad = (b - a) * margin;
    lo = std::pow(10.0, a - pad), hi = std::pow(10.0, b + pad);
    return;
  }
  if (hi - lo <= std::max(std::fabs(lo), std::fabs(hi)) * 1e-12) {
    double half = lo == 0 ? 1.0 : std::fabs(lo) * 0.1;  // one value: ±10% of it
    lo -= half, hi += half;
    return;
  }
  double pad = (hi - lo) * margin;
  lo -= pad, hi += pad;
}

}  // namespace descent::plot
