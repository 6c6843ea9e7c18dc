// Reductions. Their backward spreads the output gradient back over the reduced dims:
// sum's by expanding it, max's by scattering it to the winning positions.
#include <cmath>

#include "autograd/ops/common.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/reduce.h"

namespace descent {

using namespace ops_detail;

namespace {

// One flag per dim of a: is it reduced? No dims means all of them.
DimMask reduce_mask(const Tensor& a, const Shape& dims, const char* op) {
  DimMask mask(size_t(a.dim()), dims.empty());
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, a.dim(), op);
    if (a.dim() == 0) continue;
    CHECK(!mask[size_t(w)] || dims.empty(), op, ": dim ", d, " appears more than once in ", Dims(dims));
    mask[size_t(w)] = true;
  }
  return mask;
}

int64_t reduced_count(const Tensor& a, const DimMask& mask) {
  int64_t n = 1;
  for (size_t d = 0; d < mask.size(); ++d) if (mask[d]) n *= a.sizes()[d];
  return n;
}

// g: the reduced shape (with or without kept dims)  ->  expanded to `shape`.
Tensor expand_back(const Tensor& g, const Dims& shape, const DimMask& mask, bool keepdim) {
  Tensor h = g;
  if (!keepdim)
    for (size_t d = 0; d < mask.size(); ++d) if (mask[d]) h = unsqueeze(h, int64_t(d));
  return expand_to(h, shape);
}

Tensor sum_impl(const Tensor& a, const Shape& dims, bool keepdim, bool is_mean) {
  const char* name = is_mean ? "mean" : "sum";
  check_defined(a, name);
  Tensor x = is_mean ? floating(a, name) : a;
  DimMask mask = reduce_mask(x, dims, name);
  const int64_t n = reduced_count(x, mask);
  const double scale = is_mean ? 1.0 / double(n) : 1.0;
  Tensor out = kernels::sum(x, mask, keepdim, scale);
  // x: any   out: x reduced over `dims`   dL/dx = expand(g)·scale
  if (auto node = record(name, out, {x})) {
    node->set_backward([shape = x.sizes(), mask, keepdim, scale](const Tensor& g, const Node&) -> Grads {
      Tensor e = expand_back(g, shape, mask, keepdim);
      return {scale == 1.0 ? e : e * scale};
    });
  }
  return out;
}

}  // namespace

Tensor sum(const Tensor& a) { return sum_impl(a, {}, false, false); }
Tensor sum(const Tensor& a, const Shape& dims, bool keepdim) { return sum_impl(a, dims, keepdim, false); }
Tensor mean(const Tensor& a) { return sum_impl(a, {}, false, true); }
Tensor mean(const Tensor& a, const Shape& dims, bool keepdim) { return sum_impl(a, dims, keepdim, true); }

// Composite: mean of squared deviations, divided by n - 1 when unbiased.
Tensor var(const Tensor& a, const Shape& dims, bool unbiased, bool keepdim) {
  Tensor x = floating(a, "var");
  const int64_t n = reduced_count(x, reduce_mask(x, dims, "var"));
  Tensor centered = x - mean(x, dims, true);
  return sum(centered * centered, dims, keepdim) / double(unbiased ? std::max<int64_t>(n - 1, 0) : n);
}

// Composite, stable: m + log Σ exp(a - m) with m the (constant) max.
Tensor logsumexp(const Tensor& a, const Shape& dims, bool keepdim) {
  Tensor x = floating(a, "logsumexp");
  const DimMask mask = reduce_mask(x, dims, "logsumexp");
  Tensor m = x.detach();
  for (size_t d = 0; d < mask.size(); ++d)
    if (mask[d]) m = std::get<0>(max(m, int64_t(d), true));
  m = masked_fill(m, (m == INFINITY) + (m == -INFINITY), 0.0);  // all -inf (or +inf) rows stay finite
  Tensor out = log(sum(exp(x - m), dims, true)) + m;
  if (!keepdim) {
    for (size_t d = mask.size(); d-- > 0;) if (mask[d]) out = squeeze(out, int64_t(d));
  }
  return out;
}

// a: any   out: 0-d   dL/da = g / k at each of the k elements equal to the max, else 0
static Tensor extreme_all(const Tensor& a, bool is_min) {
  const char* name = is_min ? "min" : "max";
  check_defined(a, name);
  CHECK(a.numel() > 0, name, ": cannot reduce an empty tensor (shape ", a.sizes(), ")");
  Tensor out = std::get<0>(kernels::max_all(a, is_min));
  if (auto node = record(name, out, {a})) {
    node->set_backward([x = node->save(a), y = out.detach()](const Tensor& g, const Node&) -> Grads {
      Tensor ties = (x == y).to(g.dtype());
      return {ties * (g / sum(ties))};
    });
  }
  return out;
}
Tensor max(const Tensor& a) { return extreme_all(a, false); }
Tensor min(const Tensor& a) { return extreme_all(a, true); }

// a: [.., D, ..]   values, indices: [.., ..] (or [.., 1, ..] with keepdim)
// dL/da = g scattered to the position of each extreme along dim
static std::tuple<Tensor, Tensor> extreme_along(const Tensor& a, int64_t dim, bool keepdim, bool is_min) {
  const char* name = is_min ? "min" : "max";
  check_defined(a, name);
  int64_t d = wrap_dim(dim, a.dim(), name);
  CHECK(a.dim() == 0 || a.sizes()[size_t(d)] > 0, name, ": cannot reduce over dim ", dim, " of size 0 (shape ",
        a.sizes(), ")");
  auto [values, indices] = kernels::max_along(a, d, keepdim, is_min);
  if (auto node = record(name, values, {a})) {
    node->set_backward([shape = a.sizes(), d, keepdim, idx = indices, rank = a.dim()](const Tensor& g, const Node&) -> Grads {
      if (rank == 0) return {g};
      Tensor gk = keepdim ? g : unsqueeze(g, d);
      Tensor ik = keepdim ? idx : unsqueeze(idx, d);
      return {scatter_add(zeros(shape, g.dtype()), d, ik, gk)};
    });
  }
  return {values, indices};
}
std::tuple<Tensor, Tensor> max(const Tensor& a, int64_t dim, bool keepdim) { return extreme_along(a, dim, keepdim, false); }
std::tuple<Tensor, Tensor> min(const Tensor& a, int64_t dim, bool keepdim) { return extreme_along(a, dim, keepdim, true); }

Tensor argmax(const Tensor& a) {
  check_defined(a, "argmax");
  CHECK(a.numel() > 0, "argmax: cannot reduce an empty tensor");
  return scalar_tensor(double(std::get<1>(kernels::max_all(a, false))), kInt64);
}
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim) {
  check_defined(a, "argmax");
  wrap_dim(dim, a.dim(), "argmax");  // so that an error names argmax, not max
  return std::get<1>(max(a.detach(), dim, keepdim));
}
Tensor argmin(const Tensor& a, int64_t dim, bool keepdim) {
  check_defined(a, "argmin");
  wrap_dim(dim, a.dim(), "argmin");
  return std::get<1>(min(a.detach(), dim, keepdim));
}

// a: any shape that `shape` broadcasts to   out: shape   dL/da = expand(g)
Tensor sum_to(const Tensor& a, const Dims& shape) {
  check_defined(a, "sum_to");
  CHECK(is_expandable_to(shape, a.sizes()), "sum_to: shape ", shape, " does not broadcast to ", a.sizes());
  if (a.sizes() == shape) return a;
  const size_t lead = size_t(a.dim()) - shape.size();
  DimMask mask(size_t(a.dim()), false);
  for (size_t d = 0; d < size_t(a.dim()); ++d) mask[d] = d < lead || (shape[d - lead] == 1 && a.sizes()[d] != 1);
  Tensor out = kernels::sum(a, mask, true, 1.0);
  out = kernels::contiguous(out);
  auto impl = make_cached<TensorImpl>(*out.impl());  // drop the leading dims: same data
  impl->sizes = shape;
  impl->strides = contiguous_strides(shape);
  out = Tensor(std::move(impl));
  if (auto node = record("sum_to", out, {a})) {
    node->set_backward([in_shape = a.sizes()](const Tensor& g, const Node&) -> Grads { return {expand_to(g, in_shape)}; });
  }
  return out;
}

}  // namespace descent
