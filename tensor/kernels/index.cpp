// Indexing kernels. Inputs are made contiguous and viewed as [outer, dim, inner], so a slice
// picked by one index is `inner` consecutive elements.
#include "tensor/kernels/index.h"

#include <cstring>

#include "tensor/check.h"
#include "tensor/factory.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/loop.h"

namespace descent::kernels {
namespace {

struct Split3 {  // [outer, size(dim), inner] of a shape
  int64_t outer = 1, mid = 1, inner = 1;
  Split3(const Dims& s, int64_t dim) {
    for (int64_t d = 0; d < int64_t(s.size()); ++d) {
      if (d < dim) outer *= s[size_t(d)];
      else if (d == dim) mid = s[size_t(d)];
      else inner *= s[size_t(d)];
    }
  }
};

// Indices must lie in [0, size): torch refuses negative ones here (unlike select's index and
// Python's a[-1]), and so do we, rather than quietly reading from the end.
void check_indices(const int64_t* idx, int64_t n, int64_t size, const char* op, int64_t dim) {
  for (int64_t i = 0; i < n; ++i)
    CHECK(idx[i] >= 0 && idx[i] < size, op, ": index ", idx[i], " is out of range for dim ", dim, " of size ", size);
}

// gather and scatter_add say it with torch's words for them.
void check_bounds(const int64_t* idx, int64_t n, int64_t size, const char* op, int64_t dim) {
  for (int64_t i = 0; i < n; ++i)
    CHECK(idx[i] >= 0 && idx[i] < size, op, ": index ", idx[i], " is out of bounds for dimension ", dim, " with size ",
          size);
}

}  // namespace

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  Tensor src = contiguous(a), idx = contiguous(index);
  const int64_t* ix = idx.data_ptr<int64_t>();
  const int64_t n = idx.numel();
  Split3 s(a.sizes(), dim);
  check_indices(ix, n, s.mid, "index_select", dim);
  Dims out_shape = a.sizes();
  if (a.dim() > 0) out_shape[size_t(dim)] = n;
  Tensor out = empty(out_shape, a.dtype());
  const size_t row = size_t(s.inner) * a.element_size();
  const char* in = static_cast<const char*>(src.raw_data());
  char* o = static_cast<char*>(out.raw_data());
  parallel_for(0, s.outer * n, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(s.inner, 1)), [&](int64_t b, int64_t e) {
    for (int64_t j = b; j < e; ++j) {
      const int64_t outer = j / n, i = j % n;
      std::memcpy(o + size_t(j) * row, in + size_t(outer * s.mid + ix[i]) * row, row);
    }
  });
  return out;
}

Tensor index_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source) {
  Tensor out = cast(a, a.dtype());
  Tensor src = contiguous(source), idx = contiguous(index);
  const int64_t* ix = idx.data_ptr<int64_t>();
  const int64_t n = idx.numel();
  Split3 s(a.sizes(), dim);
  check_indices(ix, n, s.mid, "index_add", dim);
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data_ptr<T>();
    const T* in = src.data_ptr<T>();
    // Parallel over outer slices only: two indices may repeat, so one slice is summed in order.
    parallel_for(0, s.outer, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(n * s.inner, 1)), [&](int64_t b, int64_t e) {
      for (int64_t outer = b; outer < e; ++outer)
        for (int64_t i = 0; i < n; ++i) {
          T* dst = o + (outer * s.mid + ix[i]) * s.inner;
          const T* from = in + (outer * n + i) * s.inner;
          for (int64_t k = 0; k < s.inner; ++k) dst[k] = T(dst[k] + from[k]);
        }
    });
  });
  return out;
}

namespace {
// Calls f(index position p, flat offset in a of p with coordinate dim replaced by index[p]).
template <class F> void for_each_indexed(const Tensor& a, int64_t dim, const Tensor& idx, const char* op, const F& f) {
  const int64_t* ix = idx.data_ptr<int64_t>();
  const Dims a_strides = contiguous_strides(a.sizes());
  const int64_t size = a.dim() == 0 ? 1 : a.sizes()[size_t(dim)];
  check_bounds(ix, idx.numel(), size, op, dim);
  const Dims& shape = idx.sizes();
  for (int64_t p = 0, n = idx.numel(); p < n; ++p) {
    int64_t rem = p, off = 0;
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
      const int64_t c = rem % shape[size_t(d)];
      rem /= shape[size_t(d)];
      off += (d == dim ? ix[p] : c) * a_strides[size_t(d)];
    }
    f(p, off);
  }
}
void check_index_shape(const Tensor& a, int64_t dim, const Tensor& index, const char* op) {
  CHECK(index.dim() == a.dim(), op, ": index must have as many dims as the input: index ", index.sizes(), ", input ",
        a.sizes());
  for (int64_t d = 0; d < a.dim(); ++d)
    CHECK(d == dim || index.sizes()[size_t(d)] <= a.sizes()[size_t(d)], op, ": index ", index.sizes(),
          " is larger than the input ", a.sizes(), " in dim ", d);
}
}  // namespace

Tensor gather(const Tensor& a, int64_t dim, const Tensor& index) {
  check_index_shape(a, dim, index, "gather");
  Tensor src = contiguous(a), idx = contiguous(index);
  Tensor out = empty(index.sizes(), a.dtype());
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = src.data_ptr<T>();
    T* o = out.data_ptr<T>();
    for_each_indexed(a, dim, idx, "gather", [&](int64_t p, int64_t off) { o[p] = in[off]; });
  });
  return out;
}

Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source) {
  check_index_shape(a, dim, index, "scatter_add");
  Tensor out = cast(a, a.dtype());
  Tensor src = contiguous(source), idx = contiguous(index);
  CHECK(source.sizes() == index.sizes(), "scatter_add: source ", source.sizes(), " must have the index's shape ",
        index.sizes());
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = src.data_ptr<T>();
    T* o = out.data_ptr<T>();
    for_each_indexed(a, dim, idx, "scatter_add", [&](int64_t p, int64_t off) { o[off] = T(o[off] + in[p]); });
  });
  return out;
}

}  // namespace descent::kernels
