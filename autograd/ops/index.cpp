// Indexing ops. Each pair is the other's backward: index_select <-> index_add,
// gather <-> scatter_add; so gradients of gradients work through them too.
#include "autograd/ops/common.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/index.h"

namespace descent {

using namespace ops_detail;

namespace {
int64_t checked_index_args(const Tensor& a, int64_t dim, const Tensor& index, const char* op, bool one_dim) {
  check_defined(a, op);
  check_defined(index, op);
  CHECK(index.dtype() == kInt64, op, ": index must be int64, got ", dtype_name(index.dtype()));
  CHECK(!one_dim || index.dim() <= 1, op, ": index must be 1-D, got shape ", index.sizes());
  return wrap_dim(dim, a.dim(), op);
}
}  // namespace

// a: [.., D, ..]  index: [K]  out: [.., K, ..]   dL/da = index_add(zeros, dim, index, g)
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  int64_t d = checked_index_args(a, dim, index, "index_select", true);
  Tensor out = kernels::index_select(a, d, index);
  if (auto node = record("index_select", out, {a})) {
    node->set_backward([shape = a.sizes(), d, index](const Tensor& g, const Node&) -> Grads {
      return {index_add(zeros(shape, g.dtype()), d, index, g)};
    });
  }
  return out;
}

// out = a with source's slices added at index   dL/da = g   dL/dsource = index_select(g, dim, index)
Tensor index_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source) {
  int64_t d = checked_index_args(a, dim, index, "index_add", true);
  check_defined(source, "index_add");
  CHECK(source.dtype() == a.dtype(), "index_add: dtype mismatch: input is ", dtype_name(a.dtype()), ", source is ",
        dtype_name(source.dtype()));
  Dims expected = a.sizes();
  if (a.dim() > 0) expected[size_t(d)] = index.numel();
  CHECK(source.sizes() == expected, "index_add: source has shape ", source.sizes(), ", expected ", expected);
  Tensor out = kernels::index_add(a, d, index, source);
  if (auto node = record("index_add", out, {a, source})) {
    node->set_backward([d, index](const Tensor& g, const Node& n) -> Grads {
      return {g, n.needs_grad(1) ? index_select(g, d, index) : Tensor()};
    });
  }
  return out;
}

// out[p] = a[p with dim replaced by index[p]]   dL/da = scatter_add(zeros, dim, index, g)
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index) {
  int64_t d = checked_index_args(a, dim, index, "gather", false);
  Tensor out = kernels::gather(a, d, index);
  if (auto node = record("gather", out, {a})) {
    node->set_backward([shape = a.sizes(), d, index](const Tensor& g, const Node&) -> Grads {
      return {scatter_add(zeros(shape, g.dtype()), d, index, g)};
    });
  }
  return out;
}

// out = a; out[p with dim replaced by index[p]] += source[p]   dL/da = g   dL/dsource = gather(g, dim, index)
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source) {
  int64_t d = checked_index_args(a, dim, index, "scatter_add", false);
  check_defined(source, "scatter_add");
  CHECK(source.dtype() == a.dtype(), "scatter_add: dtype mismatch: input is ", dtype_name(a.dtype()), ", source is ",
        dtype_name(source.dtype()));
  Tensor out = kernels::scatter_add(a, d, index, source);
  if (auto node = record("scatter_add", out, {a, source})) {
    node->set_backward([d, index](const Tensor& g, const Node& n) -> Grads {
      return {g, n.needs_grad(1) ? gather(g, d, index) : Tensor()};
    });
  }
  return out;
}

// labels: int64 [..] in [0, C)  ->  int64 [.., C], a 1 at each label's class. Not differentiable.
Tensor one_hot(const Tensor& labels, int64_t num_classes) {
  check_defined(labels, "one_hot");
  CHECK(labels.dtype() == kInt64, "one_hot: labels must be int64, got ", dtype_name(labels.dtype()));
  CHECK(num_classes > 0, "one_hot: num_classes must be positive, got ", num_classes);
  CHECK(labels.dim() < int64_t(Dims::kMaxDims), "one_hot: labels have ", labels.dim(), " dims, so the result would have ",
        labels.dim() + 1, ", more than the ", Dims::kMaxDims, " supported");
  Dims shape = labels.sizes();
  shape.push_back(num_classes);
  checked_numel(shape, "one_hot");
  const Tensor flat = contiguous(labels);
  const int64_t* label = flat.data_ptr<int64_t>();
  const int64_t n = flat.numel();
  for (int64_t i = 0; i < n; ++i) {  // torch's words, and the value that broke the rule
    CHECK(label[i] >= 0, "one_hot: class values must be non-negative, got ", label[i]);
    CHECK(label[i] < num_classes, "one_hot: class values must be smaller than num_classes (", num_classes, "), got ",
          label[i]);
  }
  Tensor out = zeros(shape, kInt64);
  int64_t* o = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) o[i * num_classes + label[i]] = 1;
  return out;
}

}  // namespace descent
