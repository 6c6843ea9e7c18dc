// Fused loss kernels. Cross-entropy reads each row of logits twice (max, then Σ exp) and
// writes one number per row instead of materializing log_softmax; its backward writes
// softmax − target distribution in one more pass. Rows are independent, so threads split rows.
#include "tensor/kernels/loss.h"

#include <cmath>
#include <limits>

#include "tensor/factory.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/loop.h"

namespace descent::kernels {
namespace {

int64_t rows_per_task(int64_t classes) { return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(classes, 1)); }

// log Σ_j exp(x[j]) = m + log Σ_j exp(x[j] − m) with m the row's max (no overflow).
template <class T> double row_logsumexp(const T* x, int64_t C) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t j = 0; j < C; ++j) m = std::max(m, double(x[j]));
  if (std::isinf(m)) return m;
  double s = 0;
  for (int64_t j = 0; j < C; ++j) s += std::exp(double(x[j]) - m);
  return m + std::log(s);
}

}  // namespace

CrossEntropyRows cross_entropy(const Tensor& logits, const Tensor& target, int64_t ignore_index,
                               double label_smoothing) {
  Tensor x = contiguous(logits), y = contiguous(target);
  const int64_t M = logits.sizes()[0], C = logits.sizes()[1];
  CrossEntropyRows r{empty({M}, logits.dtype()), empty({M}, logits.dtype()), 0};
  const int64_t* labels = y.data_ptr<int64_t>();
  for (int64_t i = 0; i < M; ++i) r.counted += labels[i] != ignore_index;
  const double eps = label_smoothing;
  dispatch_floating(logits.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    T* loss = r.loss.data_ptr<T>();
    T* lse = r.logsumexp.data_ptr<T>();
    parallel_for(0, M, rows_per_task(C), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const T* row = px + i * C;
        const double z = row_logsumexp(row, C);
        lse[i] = T(z);
        if (labels[i] == ignore_index) {
          loss[i] = T(0);
          continue;
        }
        // −(1−ε)·(x[y] − z) − (ε/C)·Σ_j (x[j] − z)
        double l = -(1.0 - eps) * (double(row[labels[i]]) - z);
        if (eps != 0.0) {
          double s = 0;
          for (int64_t j = 0; j < C; ++j) s += double(row[j]);
          l -= eps / double(C) * (s - double(C) * z);
        }
        loss[i] = T(l);
      }
    });
  });
  return r;
}

Tensor cross_entropy_backward(const Tensor& logits, const Tensor& target, const Tensor& logsumexp,
                              const Tensor& scale, int64_t ignore_index, double label_smoothing) {
  Tensor x = contiguous(logits), y = contiguous(target), z = contiguous(logsumexp), s = contiguous(scale);
  const int64_t M = logits.sizes()[0], C = logits.sizes()[1];
  const bool per_row = scale.numel() == M && M != 1;
  Tensor out = empty({M, C}, logits.dtype());
  const double off = label_smoothing / double(C), on = 1.0 - label_smoothing + off;
  dispatch_floating(logits.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    const T* pz = z.data_ptr<T>();
    const T* ps = s.data_ptr<T>();
    const int64_t* labels = y.data_ptr<int64_t>();
    T* po = out.data_ptr<T>();
    parallel_for(0, M, rows_per_task(C), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        T* grad = po + i * C;
        if (labels[i] == ignore_index) {
          std::fill(grad, grad + C, T(0));
          continue;
        }
        const T* row = px + i * C;
        const T k = per_row ? ps[i] : ps[0], zi = pz[i];
        for (int64_t j = 0; j < C; ++j) grad[j] = k * (std::exp(row[j] - zi) - T(off));
        grad[labels[i]] = k * (std::exp(row[labels[i]] - zi) - T(on));
      }
    });
  });
  return out;
}

Tensor binary_cross_entropy_with_logits(const Tensor& x, const Tensor& y) {
  Tensor a = contiguous(x), b = contiguous(y);
  Tensor out = empty(x.sizes(), x.dtype());
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = a.data_ptr<T>();
    const T* py = b.data_ptr<T>();
    T* po = out.data_ptr<T>();
    parallel_for(0, x.numel(), kParallelGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i)
        po[i] = std::max(px[i], T(0)) - px[i] * py[i] + std::log1p(std::exp(-std::abs(px[i])));
    });
  });
  return out;
}

}  // namespace descent::kernels
