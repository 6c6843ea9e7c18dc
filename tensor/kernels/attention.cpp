// Attention's fused masked softmax. A row is one query position: its max, its Σ exp and its
// normalized weights are computed in one sweep over the row held in cache, with the scale and
// the mask applied on the fly (exp from fast_math.h, so that the loop vectorizes). Rows are
// independent, so threads split rows.
#include "tensor/kernels/attention.h"

#include <cmath>
#include <limits>
#include <optional>

#include "tensor/factory.h"
#include "tensor/kernels/fast_math.h"
#include "tensor/kernels/loop.h"

namespace descent::kernels {
namespace {

int64_t rows_per_task(int64_t S) { return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(S, 1)); }

// Where row r of a [.., L, S] tensor starts in a mask broadcast to it: the row's index along
// every dim but the last, times the mask's stride there (0 where the mask is broadcast).
struct MaskRows {
  Dims sizes, strides;  // x's dims but the last; the mask's element strides aligned to them
  int64_t column_stride = 0;
  MaskRows(const Tensor& mask, const Dims& shape) {
    const size_t nd = shape.size(), lead = nd - size_t(mask.dim());
    for (size_t d = 0; d + 1 < nd; ++d) {
      sizes.push_back(shape[d]);
      strides.push_back(d < lead || mask.sizes()[d - lead] == 1 ? 0 : mask.strides()[d - lead]);
    }
    column_stride = mask.sizes().back() == 1 ? 0 : mask.strides().back();
  }
  int64_t offset(int64_t row) const {
    int64_t off = 0;
    for (size_t d = sizes.size(); d-- > 0;) {
      off += (row % sizes[d]) * strides[d];
      row /= sizes[d];
    }
    return off;
  }
};

}  // namespace

Tensor masked_softmax(const Tensor& x, const Tensor& mask, double scale, bool causal) {
  const int64_t S = x.sizes().back(), L = x.dim() >= 2 ? x.sizes()[size_t(x.dim() - 2)] : 1;
  const int64_t rows = S == 0 ? 0 : x.numel() / S;
  Tensor out = empty(x.sizes(), x.dtype());
  std::optional<MaskRows> mask_rows;
  if (mask.defined()) mask_rows.emplace(mask, x.sizes());
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = x.data_ptr<T>();
    const T* pm = mask.defined() ? static_cast<const T*>(mask.raw_data()) : nullptr;
    const int64_t ms = mask_rows ? mask_rows->column_stride : 0;
    T* o = out.data_ptr<T>();
    const T sc = T(scale);
    parallel_for(0, rows, rows_per_task(S), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* p = in + r * S;
        T* q = o + r * S;
        const T* m_row = pm ? pm + mask_rows->offset(r) : nullptr;
        const int64_t kept = causal ? std::min(S, r % L + 1) : S;
        // z_j = x_j·scale + mask_j, written to the output first, then exponentiated in place.
        T mx = -std::numeric_limits<T>::infinity();
        for (int64_t j = 0; j < kept; ++j) {
          const T z = m_row ? p[j] * sc + m_row[j * ms] : p[j] * sc;
          q[j] = z;
          mx = std::max(mx, z);
        }
        // An all −inf row: exp(−inf − 0) = 0 everywhere and 0/0 below gives NaN, as in torch.
        if (mx == -std::numeric_limits<T>::infinity()) mx = 0;
        double s = 0;
        for (int64_t j = 0; j < kept; ++j) {
          const T e = fast::exp(q[j] - mx);
          q[j] = e;
          s += double(e);
        }
        const T inv = T(1.0 / s);
        for (int64_t j = 0; j < kept; ++j) q[j] *= inv;
        for (int64_t j = kept; j < S; ++j) q[j] = T(0);
      }
    });
  });
  return out;
}

Tensor masked_softmax_backward(const Tensor& g, const Tensor& y, double scale, bool causal) {
  const int64_t S = y.sizes().back(), L = y.dim() >= 2 ? y.sizes()[size_t(y.dim() - 2)] : 1;
  const int64_t rows = S == 0 ? 0 : y.numel() / S;
  Tensor out = empty(y.sizes(), y.dtype());
  dispatch_floating(y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pg = g.data_ptr<T>();
    const T* py = y.data_ptr<T>();
    T* o = out.data_ptr<T>();
    const T sc = T(scale);
    parallel_for(0, rows, rows_per_task(S), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* gr = pg + r * S;
        const T* yr = py + r * S;
        T* d = o + r * S;
        const int64_t kept = causal ? std::min(S, r % L + 1) : S;
        T dot = 0;
        for (int64_t j = 0; j < kept; ++j) dot += gr[j] * yr[j];
        for (int64_t j = 0; j < kept; ++j) d[j] = sc * yr[j] * (gr[j] - dot);
        for (int64_t j = kept; j < S; ++j) d[j] = T(0);
      }
    });
  });
  return out;
}

}  // namespace descent::kernels
