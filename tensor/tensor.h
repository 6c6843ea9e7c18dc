#pragma once
// Tensor: a cheap handle to an n-dimensional array, like torch::Tensor. Copying a Tensor copies
// a pointer, so both copies see the same numbers; `clone()` copies the data. A handle points at
// a TensorImpl (sizes, strides, offset, dtype) which points at a Storage (the bytes, shared by
// all views of it). transpose, permute, slice, select, expand and view make new TensorImpls over
// the same Storage; `contiguous()` materializes.
//
// This header only declares. The methods that compute (x.sum(), x.matmul(y)) are one-line
// forwards to the differentiable free functions of autograd/ops.h; the autograd state behind
// requires_grad()/grad() is defined in autograd/node.h and is opaque here.
// Read next: tensor/factory.h (making tensors), autograd/ops.h (every op), tensor/kernels/.
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include "tensor/dtype.h"
#include "tensor/shape.h"
#include "tensor/storage.h"

namespace descent {

namespace autograd {
struct AutogradMeta;
class Node;
}  // namespace autograd

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Dims sizes;
  Dims strides;        // in elements; 0 along expanded dims
  int64_t offset = 0;  // in elements, from storage->data
  Dtype dtype = kFloat32;
  bool is_view = false;                               // shares its storage with an earlier tensor
  std::shared_ptr<autograd::AutogradMeta> autograd;  // null until autograd needs it
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  // --- Shape and type ---------------------------------------------------------------
  // An undefined tensor (default-constructed: a Linear's missing bias, a grad() before any
  // backward) answers shape queries as libtorch does: sizes() and strides() [], dim() 0,
  // numel() 0. Whatever needs its dtype or data throws std::invalid_argument naming the call.
  const Dims& sizes() const { return impl_ ? impl_->sizes : kNoDims; }
  const Dims& strides() const { return impl_ ? impl_->strides : kNoDims; }
  int64_t size(int64_t dim) const;  // negative dims count from the end
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return impl_ ? int64_t(impl_->sizes.size()) : 0; }
  int64_t numel() const { return impl_ ? numel_of(impl_->sizes) : 0; }
  Dtype dtype() const { return checked_impl("dtype").dtype; }
  int64_t storage_offset() const { return impl_ ? impl_->offset : 0; }
  bool is_contiguous() const;
  size_t element_size() const { return descent::element_size(dtype()); }

  // --- Data -------------------------------------------------------------------------
  // Pointer to the first element; T must match dtype(). Walk it with strides() unless
  // is_contiguous().
  template <class T> T* data_ptr() const {
    check_dtype(dtype_of<T>(), "data_ptr");
    return static_cast<T*>(raw_data());
  }
  void* raw_data() const {
    const TensorImpl& impl = checked_impl("raw_data");
    return static_cast<char*>(impl.storage->data) + impl.offset * int64_t(descent::element_size(impl.dtype));
  }
  template <class T> T item() const;                  // the single element, converted to T
  template <class T> std::vector<T> to_vector() const;  // all elements in row-major order
  uint32_t version() const { return checked_impl("version").storage->version; }
  void bump_version() const { ++checked_impl("bump_version").storage->version; }  // after writing through data_ptr

  // --- Autograd (autograd/tensor_autograd.cpp) --------------------------------------
  Tensor& requires_grad_(bool requires_grad = true);
  bool requires_grad() const;
  bool is_leaf() const;
  const Tensor& grad() const;  // undefined until a backward reaches this leaf
  Tensor& mutable_grad();      // to reset or replace the gradient
  void backward(const Tensor& grad = {}, bool retain_graph = false, bool create_graph = false) const;
  Tensor detach() const;  // same storage, no history
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  // `hook(g)` runs when this tensor's gradient is computed; a defined return value replaces g.
  void register_hook(std::function<Tensor(const Tensor&)> hook) const;
  // On a leaf: `hook(grad)` runs after each backward pass has added to grad(), with grad().
  void register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const;
  void retain_grad() const;  // keep grad() for a non-leaf too

  // --- Ops as methods: each is the free function of the same name (autograd/ops.h) ---
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(Dtype dtype) const;

  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;
  Tensor permute(const Shape& dims) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor expand(const Shape& shape) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor masked_fill(const Tensor& mask, double value) const;

  Tensor sum() const;
  Tensor sum(const Shape& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const Shape& dims, bool keepdim = false) const;
  Tensor max() const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor argmax() const;
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  Tensor argmin(int64_t dim, bool keepdim = false) const;

  Tensor matmul(const Tensor& other) const;
  Tensor mm(const Tensor& other) const;

  Tensor neg() const;
  Tensor pow(double exponent) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor sqrt() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor abs() const;
  Tensor relu() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;
  Tensor clamp(std::optional<double> min, std::optional<double> max) const;
  Tensor clamp_min(double min) const;
  Tensor clamp_max(double max) const;

  Tensor eq(const Tensor& other) const;
  Tensor ne(const Tensor& other) const;
  Tensor lt(const Tensor& other) const;
  Tensor le(const Tensor& other) const;
  Tensor gt(const Tensor& other) const;
  Tensor ge(const Tensor& other) const;

  // In place; each bumps version(). On a tensor that requires grad they are allowed only on
  // non-leaf, non-view tensors (the tensor's history is then rewritten, as in PyTorch).
  Tensor& add_(const Tensor& other, double alpha = 1.0);
  Tensor& add_(double value);
  Tensor& sub_(const Tensor& other, double alpha = 1.0);
  Tensor& sub_(double value);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double value);
  Tensor& div_(const Tensor& other);
  Tensor& div_(double value);
  Tensor& clamp_(std::optional<double> min, std::optional<double> max);
  Tensor& zero_();
  Tensor& fill_(double value);
  Tensor& copy_(const Tensor& src);
  Tensor& uniform_(double from = 0.0, double to = 1.0);  // from the default generator
  Tensor& normal_(double mean = 0.0, double std = 1.0);

 private:
  inline static const Dims kNoDims{};
  // The impl, or std::invalid_argument "<op>: got an undefined tensor".
  const TensorImpl& checked_impl(const char* op) const {
    if (!impl_) throw_undefined(op);
    return *impl_;
  }
  [[noreturn]] static void throw_undefined(const char* op);
  void check_dtype(Dtype expected, const char* op) const;
  std::shared_ptr<TensorImpl> impl_;
};

// Prints like PyTorch: tensor([[1.0000, 2.0000], ...], dtype=float64, requires_grad=True).
std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace descent
