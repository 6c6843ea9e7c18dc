// Tensor's op methods: each is the free function of the same name in autograd/ops.h.
#include "autograd/ops.h"
#include "tensor/check.h"

namespace descent {

Tensor Tensor::contiguous() const { return descent::contiguous(*this); }
Tensor Tensor::clone() const { return descent::clone(*this); }
Tensor Tensor::to(Dtype dtype) const { return descent::to(*this, dtype); }

Tensor Tensor::view(const Shape& shape) const { return descent::view(*this, shape); }
Tensor Tensor::reshape(const Shape& shape) const { return descent::reshape(*this, shape); }
Tensor Tensor::view(std::initializer_list<int64_t> shape) const { return descent::view(*this, shape); }
Tensor Tensor::reshape(std::initializer_list<int64_t> shape) const { return descent::reshape(*this, shape); }
Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const { return descent::flatten(*this, start_dim, end_dim); }
Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const { return descent::transpose(*this, dim0, dim1); }
Tensor Tensor::t() const { return descent::t(*this); }
Tensor Tensor::permute(const Shape& dims) const { return descent::permute(*this, dims); }
Tensor Tensor::unsqueeze(int64_t dim) const { return descent::unsqueeze(*this, dim); }
Tensor Tensor::squeeze() const { return descent::squeeze(*this); }
Tensor Tensor::squeeze(int64_t dim) const { return descent::squeeze(*this, dim); }
Tensor Tensor::expand(const Shape& shape) const { return descent::expand(*this, shape); }
Tensor Tensor::expand_as(const Tensor& other) const {
  CHECK(defined() && other.defined(), "expand: got an undefined tensor");  // (other's sizes() would be [])
  return descent::expand(*this, other.sizes());
}
Tensor Tensor::slice(int64_t dim, int64_t start, int64_t end, int64_t step) const {
  return descent::slice(*this, dim, start, end, step);
}
Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const { return descent::narrow(*this, dim, start, length); }
Tensor Tensor::select(int64_t dim, int64_t index) const { return descent::select(*this, dim, index); }
Tensor Tensor::index_select(int64_t dim, const Tensor& index) const { return descent::index_select(*this, dim, index); }
Tensor Tensor::gather(int64_t dim, const Tensor& index) const { return descent::gather(*this, dim, index); }
Tensor Tensor::masked_fill(const Tensor& mask, double value) const { return descent::masked_fill(*this, mask, value); }

Tensor Tensor::sum() const { return descent::sum(*this); }
Tensor Tensor::sum(const Shape& dims, bool keepdim) const { return descent::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return descent::mean(*this); }
Tensor Tensor::mean(const Shape& dims, bool keepdim) const { return descent::mean(*this, dims, keepdim); }
Tensor Tensor::max() const { return descent::max(*this); }
Tensor Tensor::min() const { return descent::min(*this); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const { return descent::max(*this, dim, keepdim); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const { return descent::min(*this, dim, keepdim); }
Tensor Tensor::argmax() const { return descent::argmax(*this); }
Tensor Tensor::argmax(int64_t dim, bool keepdim) const { return descent::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin(int64_t dim, bool keepdim) const { return descent::argmin(*this, dim, keepdim); }

Tensor Tensor::matmul(const Tensor& other) const { return descent::matmul(*this, other); }
Tensor Tensor::mm(const Tensor& other) const { return descent::mm(*this, other); }

Tensor Tensor::neg() const { return descent::neg(*this); }
Tensor Tensor::pow(double exponent) const { return descent::pow(*this, exponent); }
Tensor Tensor::pow(const Tensor& exponent) const { return descent::pow(*this, exponent); }
Tensor Tensor::sqrt() const { return descent::sqrt(*this); }
Tensor Tensor::exp() const { return descent::exp(*this); }
Tensor Tensor::log() const { return descent::log(*this); }
Tensor Tensor::abs() const { return descent::abs(*this); }
Tensor Tensor::relu() const { return descent::relu(*this); }
Tensor Tensor::sigmoid() const { return descent::sigmoid(*this); }
Tensor Tensor::tanh() const { return descent::tanh(*this); }
Tensor Tensor::softmax(int64_t dim) const { return descent::softmax(*this, dim); }
Tensor Tensor::log_softmax(int64_t dim) const { return descent::log_softmax(*this, dim); }
Tensor Tensor::clamp(std::optional<double> min, std::optional<double> max) const { return descent::clamp(*this, min, max); }
Tensor Tensor::clamp_min(double min) const { return descent::clamp_min(*this, min); }
Tensor Tensor::clamp_max(double max) const { return descent::clamp_max(*this, max); }

Tensor Tensor::eq(const Tensor& other) const { return descent::eq(*this, other); }
Tensor Tensor::ne(const Tensor& other) const { return descent::ne(*this, other); }
Tensor Tensor::lt(const Tensor& other) const { return descent::lt(*this, other); }
Tensor Tensor::le(const Tensor& other) const { return descent::le(*this, other); }
Tensor Tensor::gt(const Tensor& other) const { return descent::gt(*this, other); }
Tensor Tensor::ge(const Tensor& other) const { return descent::ge(*this, other); }

}  // namespace descent
