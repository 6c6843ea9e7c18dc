// Shape ops. Most are views: a new TensorImpl with other sizes, strides or offset over the same
// Storage, made in O(1) without touching the data. Their backward maps the gradient back
// through the inverse view (transpose -> transpose, permute -> inverse permute, expand -> sum).
#include <algorithm>
#include <optional>

#include "autograd/ops/common.h"
#include "tensor/kernels/elementwise.h"

namespace descent {

using namespace ops_detail;

namespace {

Tensor make_view(const Tensor& a, Dims sizes, Dims strides, int64_t offset) {
  auto impl = make_cached<TensorImpl>();
  impl->storage = a.impl()->storage;
  impl->sizes = std::move(sizes);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = a.dtype();
  impl->is_view = true;
  return Tensor(std::move(impl));
}

// Resolves one -1 in `shape` so that it holds `numel` elements.
Dims infer_shape(const Dims& shape, int64_t numel, const char* op) {
  Dims out = shape;
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      CHECK(infer_at < 0, op, ": only one dimension can be -1, got shape ", out);
      infer_at = int64_t(i);
    } else {
      CHECK(out[i] >= 0, op, ": invalid size ", out[i], " in shape ", out);
    }
  }
  for (size_t i = 0; i < out.size(); ++i)  // (checked: a wrapped product could match numel)
    if (int64_t(i) != infer_at) CHECK(!__builtin_mul_overflow(known, out[i], &known), op, ": shape ", out,
                                      " is invalid for input of size ", numel);
  if (infer_at >= 0) {
    CHECK(known != 0 && numel % known == 0, op, ": shape ", out, " is invalid for input of size ", numel);
    out[size_t(infer_at)] = numel / known;
  }
  CHECK(checked_numel(out, op) == numel, op, ": shape ", out, " is invalid for input of size ", numel);
  return out;
}

// Strides that let `a`'s memory be read with `shape`, if any (PyTorch's computeStride): every
// run of dims that is contiguous in `a` may be regrouped freely; a cut between runs must stay.
std::optional<Dims> view_strides(const Tensor& a, const Dims& shape) {
  const Dims& old_sizes = a.sizes();
  const Dims& old_strides = a.strides();
  if (old_sizes.empty() || numel_of(shape) == 0) return contiguous_strides(shape);
  Dims strides(shape.size());
  int64_t view_d = int64_t(shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = int64_t(old_sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_sizes[size_t(d)];
    if (d == 0 || (old_sizes[size_t(d - 1)] != 1 && old_strides[size_t(d - 1)] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[size_t(view_d)] == 1)) {
        strides[size_t(view_d)] = view_numel * chunk_base_stride;
        view_numel *= shape[size_t(view_d)];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = old_strides[size_t(d - 1)];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return strides;
}

void record_reshape(const char* name, Tensor& out, const Tensor& a) {
  if (auto node = record(name, out, {a})) {
    node->set_backward([shape = a.sizes()](const Tensor& g, const Node&) -> Grads { return {reshape_to(g, shape)}; });
  }
}

// The gradient of a slice: g written into zeros of the input's shape. An op of its own so
// that its backward (slice again) keeps double backward working.
Tensor slice_backward(const Tensor& g, const Dims& in_shape, int64_t dim, int64_t start, int64_t end, int64_t step) {
  Tensor out = zeros(in_shape, g.dtype());
  Dims strides = out.strides();
  Dims sizes = out.sizes();
  sizes[size_t(dim)] = g.sizes()[size_t(dim)];
  strides[size_t(dim)] *= step;
  kernels::copy_(make_view(out, sizes, strides, start * out.strides()[size_t(dim)]), g);
  if (auto node = record("slice_backward", out, {g})) {
    node->set_backward([dim, start, end, step](const Tensor& gg, const Node&) -> Grads {
      return {slice(gg, dim, start, end, step)};
    });
  }
  return out;
}

}  // namespace

// out: `shape`, same elements in the same order   dL/da = reshape(g, a's shape)
Tensor view(const Tensor& a, const Shape& shape) {
  check_defined(a, "view");
  return view_to(a, infer_shape(shape, a.numel(), "view"));
}

Tensor reshape(const Tensor& a, const Shape& shape) {
  check_defined(a, "reshape");
  return reshape_to(a, infer_shape(shape, a.numel(), "reshape"));
}

Tensor view(const Tensor& a, std::initializer_list<int64_t> shape) {
  check_defined(a, "view");
  CHECK(shape.size() <= Dims::kMaxDims, "view: at most ", Dims::kMaxDims, " dims, got ", shape.size());
  return view_to(a, infer_shape(Dims(shape), a.numel(), "view"));
}

Tensor reshape(const Tensor& a, std::initializer_list<int64_t> shape) {
  check_defined(a, "reshape");
  CHECK(shape.size() <= Dims::kMaxDims, "reshape: at most ", Dims::kMaxDims, " dims, got ", shape.size());
  return reshape_to(a, infer_shape(Dims(shape), a.numel(), "reshape"));
}

// view and reshape to sizes without a -1: the work of the two above, and what the ops here and
// their backward call (a Dims needs no allocation, a Shape does).
Tensor ops_detail::view_to(const Tensor& a, const Dims& sizes) {
  std::optional<Dims> strides = view_strides(a, sizes);
  CHECK(strides, "view: shape ", sizes, " cannot view a tensor of shape ", a.sizes(), " with strides ", a.strides(),
        " (not contiguous); use reshape(), which copies when it must");
  Tensor out = make_view(a, sizes, *strides, a.storage_offset());
  record_reshape("view", out, a);
  return out;
}

Tensor ops_detail::reshape_to(const Tensor& a, const Dims& sizes) {
  if (view_strides(a, sizes)) return view_to(a, sizes);
  Tensor out = kernels::contiguous(a);
  out = make_view(out, sizes, contiguous_strides(sizes), 0);
  out.impl()->is_view = false;
  record_reshape("reshape", out, a);
  return out;
}

Tensor flatten(const Tensor& a, int64_t start_dim, int64_t end_dim) {
  check_defined(a, "flatten");
  if (a.dim() == 0) return reshape_to(a, {1});
  int64_t s = wrap_dim(start_dim, a.dim(), "flatten"), e = wrap_dim(end_dim, a.dim(), "flatten");
  CHECK(s <= e, "flatten: start_dim ", start_dim, " comes after end_dim ", end_dim);
  Dims shape(a.sizes().begin(), a.sizes().begin() + s);
  int64_t merged = 1;
  for (int64_t d = s; d <= e; ++d) merged *= a.sizes()[size_t(d)];
  shape.push_back(merged);
  for (int64_t d = e + 1; d < a.dim(); ++d) shape.push_back(a.sizes()[size_t(d)]);
  return reshape_to(a, shape);
}

// dL/da = transpose(g, dim0, dim1)
Tensor transpose(const Tensor& a, int64_t dim0, int64_t dim1) {
  check_defined(a, "transpose");
  if (a.dim() == 0) return a;
  int64_t d0 = wrap_dim(dim0, a.dim(), "transpose"), d1 = wrap_dim(dim1, a.dim(), "transpose");
  Dims sizes = a.sizes(), strides = a.strides();
  std::swap(sizes[size_t(d0)], sizes[size_t(d1)]);
  std::swap(strides[size_t(d0)], strides[size_t(d1)]);
  Tensor out = make_view(a, sizes, strides, a.storage_offset());
  if (auto node = record("transpose", out, {a})) {
    node->set_backward([d0, d1](const Tensor& g, const Node&) -> Grads { return {transpose(g, d0, d1)}; });
  }
  return out;
}

Tensor t(const Tensor& a) {
  check_defined(a, "t");
  CHECK(a.dim() <= 2, "t: expects a tensor with <= 2 dims, got shape ", a.sizes(), "; use transpose()");
  return a.dim() < 2 ? a : transpose(a, 0, 1);
}

// out dim i is a's dim dims[i]   dL/da = permute(g, inverse of dims)
Tensor permute(const Tensor& a, const Shape& dims) {
  check_defined(a, "permute");
  CHECK(int64_t(dims.size()) == a.dim(), "permute: got ", dims.size(), " dims for a tensor of shape ", a.sizes());
  Dims sizes(dims.size()), strides(dims.size());
  Shape inverse(dims.size(), -1);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], a.dim(), "permute");
    CHECK(inverse[size_t(d)] < 0, "permute: dim ", dims[i], " repeats in ", Dims(dims));
    inverse[size_t(d)] = int64_t(i);
    sizes[i] = a.sizes()[size_t(d)];
    strides[i] = a.strides()[size_t(d)];
  }
  Tensor out = make_view(a, sizes, strides, a.storage_offset());
  if (auto node = record("permute", out, {a})) {
    node->set_backward([inverse](const Tensor& g, const Node&) -> Grads { return {permute(g, inverse)}; });
  }
  return out;
}

// dL/da = squeeze(g, dim)
Tensor unsqueeze(const Tensor& a, int64_t dim) {
  check_defined(a, "unsqueeze");
  CHECK(a.dim() < int64_t(Dims::kMaxDims), "unsqueeze: the tensor has ", a.dim(), " dims already, the most supported");
  int64_t d = wrap_dim(dim, a.dim() + 1, "unsqueeze");
  Dims sizes = a.sizes(), strides = a.strides();
  int64_t stride = d < a.dim() ? sizes[size_t(d)] * strides[size_t(d)] : 1;
  sizes.insert(size_t(d), 1);
  strides.insert(size_t(d), stride);
  Tensor out = make_view(a, sizes, strides, a.storage_offset());
  if (auto node = record("unsqueeze", out, {a})) {
    node->set_backward([d](const Tensor& g, const Node&) -> Grads { return {squeeze(g, d)}; });
  }
  return out;
}

Tensor squeeze(const Tensor& a) {
  check_defined(a, "squeeze");
  Dims sizes, strides;
  for (size_t i = 0; i < size_t(a.dim()); ++i) {
    if (a.sizes()[i] == 1) continue;
    sizes.push_back(a.sizes()[i]);
    strides.push_back(a.strides()[i]);
  }
  if (sizes.size() == size_t(a.dim())) return a;
  Tensor out = make_view(a, sizes, strides, a.storage_offset());
  record_reshape("squeeze", out, a);
  return out;
}

Tensor squeeze(const Tensor& a, int64_t dim) {
  check_defined(a, "squeeze");
  if (a.dim() == 0) return a;
  int64_t d = wrap_dim(dim, a.dim(), "squeeze");
  if (a.sizes()[size_t(d)] != 1) return a;
  Dims sizes = a.sizes(), strides = a.strides();
  sizes.erase(size_t(d));
  strides.erase(size_t(d));
  Tensor out = make_view(a, sizes, strides, a.storage_offset());
  record_reshape("squeeze", out, a);
  return out;
}

// Size-1 (or missing leading) dims repeat with stride 0   dL/da = sum_to(g, a's shape)
Tensor expand(const Tensor& a, const Shape& shape) { return expand_to(a, shape); }

Tensor ops_detail::expand_to(const Tensor& a, const Dims& shape) {
  check_defined(a, "expand");
  CHECK(shape.size() >= size_t(a.dim()), "expand: cannot expand shape ", a.sizes(), " to fewer dims ", shape);
  const size_t lead = shape.size() - size_t(a.dim());
  Dims sizes(shape.size()), strides(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      CHECK(shape[i] >= 0, "expand: invalid size ", shape[i], " for new leading dim ", i);
      sizes[i] = shape[i];
      strides[i] = 0;
      continue;
    }
    int64_t have = a.sizes()[i - lead], want = shape[i] == -1 ? have : shape[i];
    CHECK(have == want || have == 1, "expand: the expanded size ", want, " must match the existing size ", have,
          " at dim ", i, " (shape ", a.sizes(), " to ", shape, ")");
    sizes[i] = want;
    strides[i] = have == want ? a.strides()[i - lead] : 0;
  }
  if (sizes == a.sizes()) return a;
  checked_numel(sizes, "expand");  // a view of no memory can still claim more elements than int64 counts
  Tensor out = make_view(a, sizes, strides, a.storage_offset());
  if (auto node = record("expand", out, {a})) {
    node->set_backward([shape = a.sizes()](const Tensor& g, const Node&) -> Grads { return {sum_to(g, shape)}; });
  }
  return out;
}

Tensor expand_as(const Tensor& a, const Tensor& other) {
  check_defined(a, "expand");
  check_defined(other, "expand");
  return expand_to(a, other.sizes());
}

// Elements start, start+step, ... < end along dim (bounds clamped as in Python)
// dL/da = g placed into zeros at those positions
Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step) {
  check_defined(a, "slice");
  CHECK(a.dim() > 0, "slice: cannot slice a 0-d tensor");
  CHECK(step > 0, "slice: step must be positive, got ", step);
  int64_t d = wrap_dim(dim, a.dim(), "slice");
  const int64_t size = a.sizes()[size_t(d)];
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, start, size);
  Dims sizes = a.sizes(), strides = a.strides();
  sizes[size_t(d)] = (end - start + step - 1) / step;
  strides[size_t(d)] *= step;
  Tensor out = make_view(a, sizes, strides, a.storage_offset() + start * a.strides()[size_t(d)]);
  if (auto node = record("slice", out, {a})) {
    node->set_backward([shape = a.sizes(), d, start, end, step](const Tensor& g, const Node&) -> Grads {
      return {slice_backward(g, shape, d, start, end, step)};
    });
  }
  return out;
}

Tensor narrow(const Tensor& a, int64_t dim, int64_t start, int64_t length) {
  check_defined(a, "narrow");
  int64_t d = wrap_dim(dim, a.dim(), "narrow");
  const int64_t size = a.sizes()[size_t(d)];
  if (start < 0) start += size;
  CHECK(start >= 0 && length >= 0 && start + length <= size, "narrow: start ", start, " and length ", length,
        " are out of range for dim ", dim, " of size ", size);
  return slice(a, d, start, start + length);
}

// out: a without dim   dL/da = g placed at `index` of zeros
Tensor select(const Tensor& a, int64_t dim, int64_t index) {
  check_defined(a, "select");
  CHECK(a.dim() > 0, "select: cannot select from a 0-d tensor");
  int64_t d = wrap_dim(dim, a.dim(), "select");
  const int64_t size = a.sizes()[size_t(d)];
  CHECK(index >= -size && index < size, "select: index ", index, " is out of range for dim ", dim, " of size ", size);
  if (index < 0) index += size;
  Dims sizes = a.sizes(), strides = a.strides();
  sizes.erase(size_t(d));
  strides.erase(size_t(d));
  Tensor out = make_view(a, sizes, strides, a.storage_offset() + index * a.strides()[size_t(d)]);
  if (auto node = record("select", out, {a})) {
    node->set_backward([shape = a.sizes(), d, index](const Tensor& g, const Node&) -> Grads {
      return {slice_backward(unsqueeze(g, d), shape, d, index, index + 1, 1)};
    });
  }
  return out;
}

// dL/da = g
Tensor contiguous(const Tensor& a) {
  check_defined(a, "contiguous");
  if (a.is_contiguous()) return a;
  Tensor out = kernels::contiguous(a);
  if (auto node = record("contiguous", out, {a})) node->set_backward([](const Tensor& g, const Node&) -> Grads { return {g}; });
  return out;
}

// Inputs laid end to end along dim   dL/d(input i) = the matching slice of g
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  CHECK(!tensors.empty(), "cat: expected at least one tensor");
  const Tensor& first = tensors[0];
  check_defined(first, "cat");
  int64_t d = wrap_dim(dim, first.dim(), "cat");
  CHECK(first.dim() > 0, "cat: zero-dimensional tensors cannot be concatenated");
  Dims sizes = first.sizes();
  sizes[size_t(d)] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    check_defined(t, "cat");
    CHECK(t.dtype() == first.dtype(), "cat: dtype mismatch: tensor 0 is ", dtype_name(first.dtype()), ", tensor ", i,
          " is ", dtype_name(t.dtype()));
    CHECK(t.dim() == first.dim(), "cat: tensor ", i, " has shape ", t.sizes(), ", tensor 0 has shape ", first.sizes());
    for (size_t k = 0; k < size_t(t.dim()); ++k)
      CHECK(k == size_t(d) || t.sizes()[k] == first.sizes()[k], "cat: sizes must match except in dim ", d,
            ": tensor ", i, " has shape ", t.sizes(), ", tensor 0 has shape ", first.sizes());
    CHECK(!__builtin_add_overflow(sizes[size_t(d)], t.sizes()[size_t(d)], &sizes[size_t(d)]), "cat: the sizes in dim ",
          d, " add up to more than int64 holds");
  }
  checked_numel(sizes, "cat");
  Tensor out = empty(sizes, first.dtype());
  std::vector<int64_t> offsets;
  int64_t at = 0;
  for (const Tensor& t : tensors) {
    Dims part = out.sizes();
    part[size_t(d)] = t.sizes()[size_t(d)];
    kernels::copy_(make_view(out, part, out.strides(), at * out.strides()[size_t(d)]), t);
    offsets.push_back(at);
    at += t.sizes()[size_t(d)];
  }
  std::shared_ptr<Node> node = record("cat", out, tensors);
  if (node) {
    std::vector<int64_t> lengths;
    for (const Tensor& t : tensors) lengths.push_back(t.sizes()[size_t(d)]);
    node->set_backward([d, offsets, lengths](const Tensor& g, const Node& n) -> Grads {
      Grads grads(lengths.size());
      for (size_t i = 0; i < lengths.size(); ++i)
        if (n.needs_grad(i)) grads[i] = narrow(g, d, offsets[i], lengths[i]);
      return grads;
    });
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  CHECK(!tensors.empty(), "stack: expected at least one tensor");
  for (const Tensor& t : tensors) check_defined(t, "stack");
  int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  for (size_t i = 0; i < tensors.size(); ++i) {
    CHECK(tensors[i].sizes() == tensors[0].sizes(), "stack: tensor ", i, " has shape ", tensors[i].sizes(),
          ", tensor 0 has shape ", tensors[0].sizes());
    parts.push_back(unsqueeze(tensors[i], d));
  }
  return cat(parts, d);
}

std::vector<Tensor> split(const Tensor& a, int64_t split_size, int64_t dim) {
  check_defined(a, "split");
  CHECK(split_size > 0, "split: split_size must be positive, got ", split_size);
  CHECK(a.dim() > 0, "split: cannot split a 0-d tensor");
  int64_t d = wrap_dim(dim, a.dim(), "split");
  std::vector<Tensor> parts;
  for (int64_t s = 0; s < a.sizes()[size_t(d)]; s += split_size)
    parts.push_back(narrow(a, d, s, std::min(split_size, a.sizes()[size_t(d)] - s)));
  return parts;
}

std::vector<Tensor> chunk(const Tensor& a, int64_t chunks, int64_t dim) {
  check_defined(a, "chunk");
  CHECK(chunks > 0, "chunk: chunks must be positive, got ", chunks);
  CHECK(a.dim() > 0, "chunk: cannot chunk a 0-d tensor");
  int64_t d = wrap_dim(dim, a.dim(), "chunk");
  return split(a, std::max<int64_t>(1, (a.sizes()[size_t(d)] + chunks - 1) / chunks), d);
}

}  // namespace descent
