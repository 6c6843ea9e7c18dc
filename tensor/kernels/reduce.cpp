// Reduction kernels. The input's dims are split into kept dims (one output element per index)
// and reduced dims (summed into it); each group is coalesced like an elementwise loop. Two
// loop orders cover the cases that matter:
//   rows:    the reduced dims include the unit-stride one (softmax rows, batch-norm statistics)
//            -> one output at a time, an unrolled contiguous sum the compiler vectorizes;
//   columns: the unit-stride dim is kept (a bias gradient, [N, C] summed over N)
//            -> add whole rows into a block of accumulators.
#include "tensor/kernels/reduce.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "tensor/factory.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/loop.h"

namespace descent::kernels {
namespace {

template <class T> using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// A group of dims after coalescing: sizes and element strides, outermost first.
struct Axes {
  int n = 0;
  int64_t sizes[Dims::kMaxDims];
  int64_t strides[Dims::kMaxDims];
  int64_t count = 1;
  void add(int64_t size, int64_t stride) {
    count *= size;
    if (size == 1) return;
    if (n > 0 && strides[n - 1] == stride * size) {
      sizes[n - 1] *= size;
      strides[n - 1] = stride;
    } else {
      sizes[n] = size;
      strides[n] = stride;
      ++n;
    }
  }
  int64_t offset_of(int64_t linear) const {  // element offset of the linear-th index
    int64_t off = 0;
    for (int d = n - 1; d >= 0; --d) {
      off += (linear % sizes[d]) * strides[d];
      linear /= sizes[d];
    }
    return off;
  }
};

template <class T, class A> A sum_run(const T* p, int64_t n, int64_t stride) {
  if (stride != 1) {
    A s = 0;
    for (int64_t i = 0; i < n; ++i) s += A(p[i * stride]);
    return s;
  }
  A lanes[8] = {};  // eight independent sums so that the loop vectorizes without reassociation
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) lanes[k] += A(p[i + k]);
  A s = 0;
  for (; i < n; ++i) s += A(p[i]);
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7])) + s;
}

// Σ over every index of `r` starting at p.
template <class T, class A> A sum_axes(const T* p, const Axes& r) {
  if (r.n == 0) return A(*p);
  const int last = r.n - 1;
  const int64_t inner = r.sizes[last];
  int64_t idx[Dims::kMaxDims] = {};
  A total = 0;
  for (int64_t o = 0, outer = r.count / inner; o < outer; ++o) {
    total += sum_run<T, A>(p, inner, r.strides[last]);
    for (int d = last - 1; d >= 0; --d) {
      p += r.strides[d];
      if (++idx[d] < r.sizes[d]) break;
      idx[d] = 0;
      p -= r.sizes[d] * r.strides[d];
    }
  }
  return total;
}

constexpr int64_t kChunk = 32768;  // fixed, so that chunked sums do not depend on threads

}  // namespace

Tensor sum(const Tensor& a, const DimMask& reduce, bool keepdim, double scale) {
  const Dtype out_dtype = is_floating(a.dtype()) ? a.dtype() : kInt64;
  Dims kept_shape, keep_shape;
  Axes kept, red;
  for (size_t d = 0; d < size_t(a.dim()); ++d) {
    if (reduce[d]) {
      red.add(a.sizes()[d], a.strides()[d]);
      keep_shape.push_back(1);
    } else {
      kept.add(a.sizes()[d], a.strides()[d]);
      kept_shape.push_back(a.sizes()[d]);
      keep_shape.push_back(a.sizes()[d]);
    }
  }
  Tensor out = empty(keepdim ? keep_shape : kept_shape, out_dtype);
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using A = Acc<T>;
    using O = std::conditional_t<std::is_floating_point_v<T>, T, int64_t>;
    const T* in = static_cast<const T*>(a.raw_data());
    O* o = static_cast<O*>(out.raw_data());
    const int64_t n_out = kept.count;
    auto finish = [scale](A s) { return O(scale == 1.0 ? s : A(double(s) * scale)); };
    if (out.numel() == 0) return;
    if (red.count == 0) {  // an empty sum is 0
      for (int64_t i = 0; i < out.numel(); ++i) o[i] = O(0);
      return;
    }
    if (n_out == 1 && red.n == 1 && red.strides[0] == 1) {
      // One long contiguous run: fixed chunks in parallel, partial sums added in order.
      const int64_t n = red.count, chunks = (n + kChunk - 1) / kChunk;
      CachedVector<A> partial(size_t(std::max<int64_t>(chunks, 1)), A(0));
      parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c)
          partial[size_t(c)] = sum_run<T, A>(in + c * kChunk, std::min(kChunk, n - c * kChunk), 1);
      });
      A s = 0;
      for (A p : partial) s += p;
      o[0] = finish(s);
    } else if (kept.n > 0 && kept.strides[kept.n - 1] == 1 && (red.n == 0 || red.strides[red.n - 1] != 1)) {
      // Columns: the kept inner dim is contiguous; add rows into accumulators, a block of
      // columns per task.
      const int64_t cols = kept.sizes[kept.n - 1], rows_out = n_out / cols;
      constexpr int64_t kBlock = 256;
      const int64_t blocks = (cols + kBlock - 1) / kBlock;
      Axes outer_kept = kept;
      outer_kept.n -= 1;
      parallel_for(0, rows_out * blocks, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(red.count * kBlock, 1)),
                   [&](int64_t b, int64_t e) {
        A acc[kBlock];
        for (int64_t job = b; job < e; ++job) {
          const int64_t row = job / blocks, c0 = (job % blocks) * kBlock, width = std::min(kBlock, cols - c0);
          const T* base = in + outer_kept.offset_of(row) + c0;
          for (int64_t j = 0; j < width; ++j) acc[j] = 0;
          for (int64_t r = 0; r < red.count; ++r) {
            const T* p = base + red.offset_of(r);
            for (int64_t j = 0; j < width; ++j) acc[j] += A(p[j]);
          }
          for (int64_t j = 0; j < width; ++j) o[row * cols + c0 + j] = finish(acc[j]);
        }
      });
    } else {
      // Rows: one output at a time.
      const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(red.count, 1));
      parallel_for(0, n_out, grain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) o[i] = finish(sum_axes<T, A>(in + kept.offset_of(i), red));
      });
    }
  });
  return out;
}

Tensor sum_naive(const Tensor& a, const DimMask& reduce, bool keepdim) {
  Shape out_shape;
  for (size_t d = 0; d < size_t(a.dim()); ++d)
    if (!reduce[d] || keepdim) out_shape.push_back(reduce[d] ? 1 : a.sizes()[d]);
  Tensor out = zeros(out_shape, is_floating(a.dtype()) ? a.dtype() : kInt64);
  std::vector<double> in = a.to_vector<double>();
  std::vector<double> acc(size_t(out.numel()), 0.0);
  for (int64_t i = 0; i < a.numel(); ++i) {
    int64_t rem = i, out_index = 0, out_stride = 1;
    for (int64_t d = a.dim() - 1; d >= 0; --d) {
      int64_t coord = rem % a.sizes()[size_t(d)];
      rem /= a.sizes()[size_t(d)];
      if (!reduce[size_t(d)]) {
        out_index += coord * out_stride;
        out_stride *= a.sizes()[size_t(d)];
      }
    }
    acc[size_t(out_index)] += in[size_t(i)];
  }
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (size_t i = 0; i < acc.size(); ++i) out.data_ptr<T>()[i] = T(acc[i]);
  });
  return out;
}

std::tuple<Tensor, Tensor> max_along(const Tensor& a, int64_t dim, bool keepdim, bool is_min) {
  Shape out_shape;
  Axes kept;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (d == dim) {
      if (keepdim) out_shape.push_back(1);
    } else {
      out_shape.push_back(a.sizes()[size_t(d)]);
      kept.add(a.sizes()[size_t(d)], a.strides()[size_t(d)]);
    }
  }
  const int64_t len = a.dim() == 0 ? 1 : a.sizes()[size_t(dim)];
  const int64_t step = a.dim() == 0 ? 0 : a.strides()[size_t(dim)];
  Tensor values = empty(out_shape, a.dtype()), indices = empty(out_shape, kInt64);
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = static_cast<const T*>(a.raw_data());
    T* v = values.data_ptr<T>();
    int64_t* ix = indices.data_ptr<int64_t>();
    parallel_for(0, kept.count, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(len, 1)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const T* p = in + kept.offset_of(i);
        T best = p[0];
        int64_t at = 0;
        for (int64_t k = 1; k < len && best == best; ++k) {
          T x = p[k * step];
          if (x != x || (is_min ? x < best : x > best)) { best = x; at = k; }
        }
        v[i] = best;
        ix[i] = at;
      }
    });
  });
  return {values, indices};
}

std::tuple<Tensor, int64_t> max_all(const Tensor& a, bool is_min) {
  Tensor flat = contiguous(a);
  const int64_t n = flat.numel();
  Tensor value = empty({}, a.dtype());
  int64_t index = 0;
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = flat.data_ptr<T>();
    const int64_t chunks = (n + kChunk - 1) / kChunk;
    std::vector<int64_t> best(size_t(chunks), 0);
    auto better = [&](int64_t i, int64_t j) {  // is p[i] a new extreme over p[j]?
      T x = p[i], y = p[j];
      return y == y && (x != x || (is_min ? x < y : x > y));
    };
    parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        int64_t at = c * kChunk;
        for (int64_t i = at + 1, end = std::min(n, at + kChunk); i < end; ++i) if (better(i, at)) at = i;
        best[size_t(c)] = at;
      }
    });
    for (int64_t at : best) if (better(at, index)) index = at;
    *value.data_ptr<T>() = p[index];
  });
  return {value, index};
}

Tensor softmax(const Tensor& a, int64_t dim, bool log) {
  Tensor x = contiguous(a);
  Tensor out = empty(a.sizes(), a.dtype());
  const int64_t len = a.dim() == 0 ? 1 : a.sizes()[size_t(dim)];
  int64_t inner = 1;
  for (int64_t d = dim + 1; d < a.dim(); ++d) inner *= a.sizes()[size_t(d)];
  const int64_t rows = len == 0 ? 0 : x.numel() / len;
  dispatch_floating(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = x.data_ptr<T>();
    T* o = out.data_ptr<T>();
    // Row r is (outer index r / inner, inner index r % inner); its elements are `inner` apart.
    parallel_for(0, rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(len, 1)), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const int64_t base = (r / inner) * len * inner + r % inner;
        const T* p = in + base;
        T* q = o + base;
        T m = -std::numeric_limits<T>::infinity();
        for (int64_t k = 0; k < len; ++k) m = std::max(m, p[k * inner]);
        if (m == -std::numeric_limits<T>::infinity()) m = 0;  // an all -inf row: avoid inf - inf
        double s = 0;
        for (int64_t k = 0; k < len; ++k) {
          T ek = std::exp(p[k * inner] - m);
          s += double(ek);
          if (!log) q[k * inner] = ek;
        }
        if (log) {
          const T shift = m + T(std::log(s));
          for (int64_t k = 0; k < len; ++k) q[k * inner] = p[k * inner] - shift;
        } else {
          const T inv = T(1.0 / s);
          for (int64_t k = 0; k < len; ++k) q[k * inner] *= inv;
        }
      }
    });
  });
  return out;
}

}  // namespace descent::kernels
