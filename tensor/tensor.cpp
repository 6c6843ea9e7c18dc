// The Tensor handle's own methods: metadata, raw data access, reading values back, dtype names.
// Methods that compute live with their ops (autograd/tensor_methods.cpp).
#include "tensor/tensor.h"

#include "tensor/check.h"
#include "tensor/kernels/elementwise.h"

namespace descent {

const char* dtype_name(Dtype dtype) {
  switch (dtype) {
    case kFloat32: return "float32";
    case kFloat64: return "float64";
    case kInt64: return "int64";
    default: return "bool";
  }
}

void Tensor::throw_undefined(const char* op) { throw std::invalid_argument(std::string(op) + ": got an undefined tensor"); }

// A 0-d tensor has no dims to ask about (torch: "dimension specified as 0 but tensor has no
// dimensions"), though ops that reduce accept dim 0 or -1 on it (wrap_dim).
int64_t Tensor::size(int64_t dim) const {
  CHECK(checked_impl("size").sizes.size() > 0, "size: dim ", dim, " of a 0-d tensor, which has no dims");
  return impl_->sizes[size_t(wrap_dim(dim, this->dim(), "size"))];
}
int64_t Tensor::stride(int64_t dim) const {
  CHECK(checked_impl("stride").sizes.size() > 0, "stride: dim ", dim, " of a 0-d tensor, which has no dims");
  return impl_->strides[size_t(wrap_dim(dim, this->dim(), "stride"))];
}

bool Tensor::is_contiguous() const {
  checked_impl("is_contiguous");
  int64_t expected = 1;
  for (size_t i = impl_->sizes.size(); i-- > 0;) {
    if (impl_->sizes[i] == 1) continue;
    if (impl_->strides[i] != expected) return false;
    expected *= impl_->sizes[i];
  }
  return true;
}

void Tensor::check_dtype(Dtype expected, const char* op) const {
  checked_impl(op);
  CHECK(dtype() == expected, op, ": tensor has dtype ", dtype_name(dtype()), ", asked for ", dtype_name(expected));
}

template <class T> T Tensor::item() const {
  checked_impl("item");
  CHECK(numel() == 1, "item: expected a tensor with one element, got shape ", sizes());
  return dispatch(dtype(), [&](auto tag) { return T(*static_cast<const decltype(tag)*>(raw_data())); });
}

template <class T> std::vector<T> Tensor::to_vector() const {
  checked_impl("to_vector");
  Tensor c = kernels::contiguous(*this);
  std::vector<T> out(static_cast<size_t>(numel()));
  dispatch(dtype(), [&](auto tag) {
    using S = decltype(tag);
    const S* p = static_cast<const S*>(c.raw_data());
    for (size_t i = 0; i < out.size(); ++i) out[i] = T(p[i]);
  });
  return out;
}

template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;
template int Tensor::item<int>() const;
template bool Tensor::item<bool>() const;
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<int> Tensor::to_vector<int>() const;
template std::vector<bool> Tensor::to_vector<bool>() const;

}  // namespace descent
