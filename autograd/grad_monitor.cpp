// GradientMonitor (see grad_monitor.h). Norms are a plain sum of squares in double: a float32
// element squared cannot overflow a double (3.4e38² ≈ 1.2e77), so no rescaling pass is needed.
#include "autograd/grad_monitor.h"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "tensor/check.h"

namespace descent::autograd {
namespace {

std::string number(double v) {
  if (std::isnan(v)) return "nan";  // printf may say "-nan" (the sign bit of inf − inf)
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

}  // namespace

double l2_norm(const Tensor& t) {
  if (!t.defined() || t.numel() == 0) return 0;
  Tensor c = t.detach();
  if (c.dtype() != kFloat32 && c.dtype() != kFloat64) c = c.to(kFloat64);
  c = c.contiguous();
  double sum = 0;
  const int64_t n = c.numel();
  if (c.dtype() == kFloat32) {
    const float* p = c.data_ptr<float>();
    for (int64_t i = 0; i < n; ++i) sum += double(p[i]) * p[i];
  } else {
    const double* p = c.data_ptr<double>();
    // A float64 gradient can overflow when squared; an infinite element stays Inf, and a
    // NaN stays NaN, which is what the caller checks.
    for (int64_t i = 0; i < n; ++i) sum += p[i] * p[i];
  }
  return std::sqrt(sum);
}

std::string GradWarning::message() const {
  std::string head = "step " + std::to_string(step) + ": gradient of '" + name + "' ";
  switch (kind) {
    case Kind::Vanishing: return head + "vanishes: norm " + number(norm);
    case Kind::Exploding: return head + "explodes: norm " + number(norm);
    case Kind::NonFinite: return head + "is not finite: norm " + number(norm);
    case Kind::Missing: return head + "is missing (parameter unused in the forward pass, or detached?)";
  }
  return head;
}

GradientMonitor::GradientMonitor(int64_t every_n_steps, double vanish_threshold, double explode_threshold,
                                 std::ostream& out)
    : every_(every_n_steps), vanish_(vanish_threshold), explode_(explode_threshold), out_(&out) {
  CHECK(every_n_steps >= 1, "GradientMonitor: every_n_steps must be >= 1, got ", every_n_steps);
  CHECK(vanish_threshold >= 0 && vanish_threshold < explode_threshold,
        "GradientMonitor: need 0 <= vanish_threshold < explode_threshold, got ", vanish_threshold, " and ",
        explode_threshold);
}

GradStats& GradientMonitor::entry(const std::string& name) {
  for (auto& [n, s] : stats_)
    if (n == name) return s;
  return stats_.emplace_back(name, GradStats{}).second;
}

const GradStats& GradientMonitor::stats(const std::string& name) const {
  for (const auto& [n, s] : stats_)
    if (n == name) return s;
  throw std::out_of_range("GradientMonitor::stats: no parameter named '" + name + "' was observed");
}

std::vector<GradWarning> GradientMonitor::observe(int64_t step,
                                                  const std::vector<std::pair<std::string, Tensor>>& named_parameters) {
  std::vector<GradWarning> warnings;
  if (step % every_ != 0) return warnings;
  using Kind = GradWarning::Kind;
  for (const auto& [name, param] : named_parameters) {
    if (!param.defined() || !param.requires_grad()) continue;  // frozen: nothing to watch
    GradStats& s = entry(name);
    const Tensor& g = param.grad();
    if (!g.defined()) {
      ++s.missing;
      warnings.push_back({Kind::Missing, step, name, std::nan("")});
      continue;
    }
    double norm = l2_norm(g);
    s.last = norm;
    if (!std::isfinite(norm)) {
      ++s.non_finite;
      warnings.push_back({Kind::NonFinite, step, name, norm});
      continue;  // kept out of min / mean / max, which would all become NaN
    }
    s.min = s.count ? std::min(s.min, norm) : norm;
    s.max = s.count ? std::max(s.max, norm) : norm;
    s.sum += norm;
    ++s.count;
    if (norm < vanish_) {
      ++s.vanishing;
      warnings.push_back({Kind::Vanishing, step, name, norm});
    } else if (norm > explode_) {
      ++s.exploding;
      warnings.push_back({Kind::Exploding, step, name, norm});
    }
  }
  for (const GradWarning& w : warnings) {
    *out_ << "GradientMonitor: " << w.message();
    if (w.kind == Kind::Vanishing) *out_ << " < " << number(vanish_);
    if (w.kind == Kind::Exploding) *out_ << " > " << number(explode_);
    *out_ << '\n';
  }
  warnings_ += int64_t(warnings.size());
  return warnings;
}

std::string GradientMonitor::report() const {
  size_t width = 9;  // "parameter"
  for (const auto& [name, s] : stats_) width = std::max(width, name.size());
  std::ostringstream os;
  char line[256];
  std::snprintf(line, sizeof line, "%-*s %10s %10s %10s %10s  %s\n", int(width), "parameter", "min", "mean", "max",
                "last", "warnings");
  os << "gradient L2 norms (thresholds: vanish < " << number(vanish_) << ", explode > " << number(explode_) << ")\n"
     << line;
  for (const auto& [name, s] : stats_) {
    std::snprintf(line, sizeof line, "%-*s %10.3g %10.3g %10.3g %10.3g", int(width), name.c_str(), s.min, s.mean(),
                  s.max, s.last);
    os << line << "  ";
    std::string counts;
    auto add = [&counts](int64_t n, const char* what) {
      if (n) counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + what;
    };
    add(s.vanishing, "vanishing");
    add(s.exploding, "exploding");
    add(s.non_finite, "non-finite");
    add(s.missing, "missing");
    os << (counts.empty() ? "-" : counts);
    os << '\n';
  }
  return os.str();
}

void GradientMonitor::reset() {
  stats_.clear();
  warnings_ = 0;
}

}  // namespace descent::autograd
