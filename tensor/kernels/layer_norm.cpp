// Layer normalization: one pass per row for the statistics, one for the output; the backward
// reads each row once more. Rows are independent, so threads split rows. The weight and bias
// gradients are sums over rows: each fixed group of kGroupRows rows writes its partial sums,
// and the groups are then added in order, so the result does not depend on the thread count.
#include "tensor/kernels/layer_norm.h"

#include <cmath>

#include "tensor/factory.h"
#include "tensor/kernels/loop.h"

namespace descent::kernels {
namespace {

constexpr int64_t kGroupRows = 32;

// Σ x[j] over a row, in kLanes independent partial sums: the compiler turns them into one
// vector register (a single running sum would be a serial chain it may not reorder).
constexpr int64_t kLanes = 8;
template <class T, class F> T row_sum(int64_t n, const F& term) {
  T lanes[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) lanes[l] += term(j + l);
  T s = 0;
  for (; j < n; ++j) s += term(j);
  for (int64_t l = 0; l < kLanes; ++l) s += lanes[l];
  return s;
}

int64_t rows_per_task(int64_t D) { return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(D, 1)); }

}  // namespace

LayerNormResult layer_norm(const Tensor& x, int64_t D, const Tensor& weight, const Tensor& bias, double eps) {
  const int64_t R = x.numel() / D;
  LayerNormResult r{empty(x.sizes(), x.dtype()), empty({R}, x.dtype()), empty({R}, x.dtype())};
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    const T* w = weight.defined() ? weight.data_ptr<T>() : nullptr;
    const T* b = bias.defined() ? bias.data_ptr<T>() : nullptr;
    T* out = r.out.data_ptr<T>();
    T* mean = r.mean.data_ptr<T>();
    T* rstd = r.rstd.data_ptr<T>();
    parallel_for(0, R, rows_per_task(D), [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0; i < r1; ++i) {
        const T* row = px + i * D;
        T* o = out + i * D;
        // Two passes (mean, then the mean of squared deviations): exact where Σx² − (Σx)²
        // would cancel for rows far from zero.
        const T m = row_sum<T>(D, [&](int64_t j) { return row[j]; }) / T(D);
        const T var = row_sum<T>(D, [&](int64_t j) { return (row[j] - m) * (row[j] - m); }) / T(D);
        const T s = T(1) / std::sqrt(var + T(eps));
        mean[i] = m;
        rstd[i] = s;
        for (int64_t j = 0; j < D; ++j) {
          T y = (row[j] - m) * s;
          if (w) y *= w[j];
          if (b) y += b[j];
          o[j] = y;
        }
      }
    });
  });
  return r;
}

LayerNormGrads layer_norm_backward(const Tensor& g, const Tensor& x, int64_t D, const Tensor& mean,
                                   const Tensor& rstd, const Tensor& weight, bool need_input, bool need_weight,
                                   bool need_bias) {
  const int64_t R = x.numel() / D;
  const int64_t groups = (R + kGroupRows - 1) / kGroupRows;
  LayerNormGrads grads;
  if (need_input) grads.input = empty(x.sizes(), x.dtype());
  // Per group of rows: Σ g·x̂ in row 0 of its partial block, Σ g in row 1.
  Tensor partial = (need_weight || need_bias) ? zeros({groups, 2, D}, x.dtype()) : Tensor();
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    const T* pg = g.data_ptr<T>();
    const T* w = weight.defined() ? weight.data_ptr<T>() : nullptr;
    const T* pm = mean.data_ptr<T>();
    const T* ps = rstd.data_ptr<T>();
    T* dx = need_input ? grads.input.data_ptr<T>() : nullptr;
    T* part = partial.defined() ? partial.data_ptr<T>() : nullptr;
    parallel_for(0, groups, std::max<int64_t>(1, rows_per_task(D) / kGroupRows), [&](int64_t g0, int64_t g1) {
      for (int64_t grp = g0; grp < g1; ++grp) {
        T* gw_sum = part ? part + grp * 2 * D : nullptr;
        T* gb_sum = part ? gw_sum + D : nullptr;
        for (int64_t i = grp * kGroupRows, end = std::min(R, (grp + 1) * kGroupRows); i < end; ++i) {
          const T* row = px + i * D;
          const T* gr = pg + i * D;
          const T m = pm[i], s = ps[i];
          if (part) {
            for (int64_t j = 0; j < D; ++j) {
              gw_sum[j] += gr[j] * ((row[j] - m) * s);
              gb_sum[j] += gr[j];
            }
          }
          if (!dx) continue;
          auto gh = [&](int64_t j) { return w ? gr[j] * w[j] : gr[j]; };
          const T a = row_sum<T>(D, gh) / T(D);
          const T c = row_sum<T>(D, [&](int64_t j) { return gh(j) * ((row[j] - m) * s); }) / T(D);
          T* o = dx + i * D;
          for (int64_t j = 0; j < D; ++j) o[j] = s * (gh(j) - a - (row[j] - m) * s * c);
        }
      }
    });
    if (!part) return;
    // The groups' partial sums, added in group order.
    if (need_weight) grads.weight = zeros({D}, x.dtype());
    if (need_bias) grads.bias = zeros({D}, x.dtype());
    T* gw = need_weight ? grads.weight.data_ptr<T>() : nullptr;
    T* gb = need_bias ? grads.bias.data_ptr<T>() : nullptr;
    for (int64_t grp = 0; grp < groups; ++grp) {
      const T* block = part + grp * 2 * D;
      for (int64_t j = 0; j < D; ++j) {
        if (gw) gw[j] += block[j];
        if (gb) gb[j] += block[D + j];
      }
    }
  });
  return grads;
}

}  // namespace descent::kernels
