// clip_grad_norm_ and clip_grad_value_. The norm is one deterministic reduction over all
// gradients: fixed-size chunks reduced in parallel, their partial results combined in order,
// so the returned norm (and the clipped gradients) do not depend on the thread count.
#include "nn/utils/clip_grad.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "autograd/grad_mode.h"
#include "tensor/check.h"
#include "tensor/parallel.h"

namespace descent::nn::utils {
namespace {

constexpr int64_t kChunk = 1 << 15;  // elements per partial result

// Σ |g|^p over one gradient, or max |g| when p is infinite, accumulated in double.
double grad_power_sum(const Tensor& grad, double p) {
  const Tensor g = grad.contiguous();
  const int64_t n = g.numel(), chunks = (n + kChunk - 1) / kChunk;
  CachedVector<double> partial(size_t(chunks), 0.0);  // from the caching allocator: no malloc per step
  dispatch_floating(g.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* x = g.data_ptr<T>();
    parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        double acc = 0;
        for (int64_t i = c * kChunk, end = std::min(n, (c + 1) * kChunk); i < end; ++i) {
          const double a = std::abs(double(x[i]));
          if (std::isinf(p)) acc = std::isnan(a) ? a : std::max(acc, a);  // a NaN must not vanish
          else if (p == 2) acc += a * a;
          else if (p == 1) acc += a;
          else acc += std::pow(a, p);
        }
        partial[size_t(c)] = acc;
      }
    });
  });
  double total = 0;
  for (double v : partial) total = std::isinf(p) ? (std::isnan(v) ? v : std::max(total, v)) : total + v;
  return total;
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  CHECK(norm_type > 0, "clip_grad_norm_: norm_type must be > 0 (or infinity), got ", norm_type);
  CHECK(max_norm >= 0, "clip_grad_norm_: max_norm must be >= 0, got ", max_norm);
  // ‖(g_1, ..., g_k)‖_p = (Σ_i Σ |g_i|^p)^(1/p); for p = ∞ the largest |g| anywhere.
  double sum = 0;
  bool any = false;
  for (const Tensor& p : parameters) {
    if (!p.grad().defined()) continue;
    const double s = grad_power_sum(p.grad(), norm_type);
    sum = std::isinf(norm_type) ? (std::isnan(s) ? s : std::max(sum, s)) : sum + s;
    any = true;
  }
  if (!any) return 0.0;
  const double total_norm = std::isinf(norm_type) ? sum : norm_type == 2 ? std::sqrt(sum) : std::pow(sum, 1 / norm_type);
  if (error_if_nonfinite && !std::isfinite(total_norm))
    throw std::runtime_error("clip_grad_norm_: the total norm of order " + std::to_string(norm_type) +
                             " of the gradients is non-finite (" + std::to_string(total_norm) +
                             "), so it cannot be clipped; pass error_if_nonfinite = false to scale by it anyway");
  // The 1e-6 keeps the division finite for a zero norm (torch's choice, kept for parity).
  const double clip_coef = max_norm / (total_norm + 1e-6);
  if (clip_coef < 1 || std::isnan(clip_coef)) {
    NoGradGuard no_grad;  // rescaling a gradient is not part of any graph
    for (const Tensor& p : parameters) {
      if (!p.grad().defined()) continue;
      Tensor g = p.grad();
      g.mul_(clip_coef);
    }
  }
  return total_norm;
}

double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type, bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  CHECK(clip_value >= 0, "clip_grad_value_: clip_value must be >= 0, got ", clip_value);
  NoGradGuard no_grad;
  for (const Tensor& p : parameters) {
    if (!p.grad().defined()) continue;
    Tensor g = p.grad();
    g.clamp_(-clip_value, clip_value);
  }
}

void clip_grad_value_(const Tensor& parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{parameter}, clip_value);
}

}  // namespace descent::nn::utils
