#pragma once
// Every differentiable op, in one list. Each is defined in autograd/ops/<family>.cpp, where
// its backward sits right below its forward. Ops check their arguments, call a kernel from
// tensor/kernels/, and record a Node when an input requires grad (autograd/node.h).
// Binary ops broadcast like NumPy and promote dtypes like PyTorch (bool < int64 < float32 <
// float64); math on integers (exp, sqrt, /) computes in float32.
#include <concepts>
#include <initializer_list>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "tensor/factory.h"
#include "tensor/tensor.h"

namespace descent {

// ---- elementwise (ops/elementwise.cpp, ops/activation.cpp) ------------------------------
Tensor add(const Tensor& a, const Tensor& b, double alpha = 1.0);  // a + alpha·b
Tensor sub(const Tensor& a, const Tensor& b, double alpha = 1.0);  // a - alpha·b
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
Tensor rsub(const Tensor& a, double b);  // b - a
Tensor rdiv(const Tensor& a, double b);  // b / a
Tensor neg(const Tensor& a);
Tensor pow(const Tensor& a, double exponent);
Tensor pow(const Tensor& a, const Tensor& exponent);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor log1p(const Tensor& a);
Tensor expm1(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor rsqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);  // not differentiable (zero gradient almost everywhere)
Tensor sin(const Tensor& a);
Tensor cos(const Tensor& a);
Tensor square(const Tensor& a);
Tensor erf(const Tensor& a);
Tensor clamp(const Tensor& a, std::optional<double> min, std::optional<double> max);
Tensor clamp_min(const Tensor& a, double min);
Tensor clamp_max(const Tensor& a, double max);
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, double b);
Tensor where(const Tensor& condition, double a, const Tensor& b);
Tensor masked_fill(const Tensor& a, const Tensor& mask, double value);
Tensor to(const Tensor& a, Dtype dtype);  // differentiable between float types
Tensor clone(const Tensor& a);            // a contiguous copy; gradient passes through

// Comparisons give kBool and are not differentiable.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, double b);
Tensor ne(const Tensor& a, double b);
Tensor lt(const Tensor& a, double b);
Tensor le(const Tensor& a, double b);
Tensor gt(const Tensor& a, double b);
Tensor ge(const Tensor& a, double b);
Tensor logical_not(const Tensor& a);

// Activations (ops/activation.cpp).
Tensor relu(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor leaky_relu(const Tensor& a, double negative_slope = 0.01);
Tensor gelu(const Tensor& a, const std::string& approximate = "none");  // or "tanh"
Tensor softplus(const Tensor& a, double beta = 1.0, double threshold = 20.0);

// ---- reductions (ops/reduce.cpp) --------------------------------------------------------
// `dims` may be negative; an empty list reduces every dim. Sums of int64/bool give int64.
Tensor sum(const Tensor& a);
Tensor sum(const Tensor& a, const Shape& dims, bool keepdim = false);
Tensor mean(const Tensor& a);
Tensor mean(const Tensor& a, const Shape& dims, bool keepdim = false);
Tensor var(const Tensor& a, const Shape& dims, bool unbiased = true, bool keepdim = false);
Tensor logsumexp(const Tensor& a, const Shape& dims, bool keepdim = false);
Tensor max(const Tensor& a);  // 0-d; the gradient is shared evenly among tied maxima
Tensor min(const Tensor& a);
std::tuple<Tensor, Tensor> max(const Tensor& a, int64_t dim, bool keepdim = false);  // values, int64 indices
std::tuple<Tensor, Tensor> min(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& a);  // index into the flattened tensor
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& a, int64_t dim, bool keepdim = false);
// Sums `a` over the dims along which `shape` was broadcast to a's shape (the reverse of expand).
Tensor sum_to(const Tensor& a, const Dims& shape);

// ---- softmax (ops/softmax.cpp) ----------------------------------------------------------
Tensor softmax(const Tensor& a, int64_t dim);
Tensor log_softmax(const Tensor& a, int64_t dim);

// ---- linear algebra (ops/linalg.cpp) ----------------------------------------------------
// 1-D·1-D is a dot product, 2-D·2-D a matrix product, and with more dims the leading dims are
// batch dims that broadcast; a 1-D operand gets a dim of size 1 added and removed, as in NumPy.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);  // strictly 2-D
// x: [.., in]  weight: [out, in]  bias: [out] or undefined  ->  [.., out]; one GEMM, bias fused.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

// ---- shape and views (ops/shape.cpp) ----------------------------------------------------
// Views share storage with their input; reshape copies only when no view is possible.
Tensor view(const Tensor& a, const Shape& shape);  // one size may be -1
Tensor reshape(const Tensor& a, const Shape& shape);
// The same with the sizes written in place, `x.view({B, T, C})`: no std::vector is made, so a
// training step that reshapes asks the system allocator for nothing (as libtorch's IntArrayRef).
Tensor view(const Tensor& a, std::initializer_list<int64_t> shape);
Tensor reshape(const Tensor& a, std::initializer_list<int64_t> shape);
Tensor flatten(const Tensor& a, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor transpose(const Tensor& a, int64_t dim0, int64_t dim1);
Tensor t(const Tensor& a);  // transpose of a 2-D tensor (1-D and 0-d unchanged)
Tensor permute(const Tensor& a, const Shape& dims);
Tensor unsqueeze(const Tensor& a, int64_t dim);
Tensor squeeze(const Tensor& a);
Tensor squeeze(const Tensor& a, int64_t dim);
Tensor expand(const Tensor& a, const Shape& shape);  // -1 keeps a size
Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor narrow(const Tensor& a, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& a, int64_t dim, int64_t index);
Tensor contiguous(const Tensor& a);
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& a, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& a, int64_t chunks, int64_t dim = 0);

// ---- indexing (ops/index.cpp) -------------------------------------------------------------
// `index` tensors are int64.
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index);
Tensor index_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source);
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source);
Tensor one_hot(const Tensor& labels, int64_t num_classes);  // int64 [..] -> int64 [.., C]

// ---- operators ----------------------------------------------------------------------------
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, double b);
Tensor operator!=(const Tensor& a, double b);
Tensor operator<(const Tensor& a, double b);
Tensor operator<=(const Tensor& a, double b);
Tensor operator>(const Tensor& a, double b);
Tensor operator>=(const Tensor& a, double b);
Tensor operator!(const Tensor& a);

// ---- neural-network primitives (ops/conv.cpp, ops/pool.cpp, ops/norm.cpp, ops/loss.cpp, ops/dropout.cpp) ----
// Images are [N, C, H, W]. A 2-D size or step (kernel_size, stride, padding, dilation) is {h, w}
// or one value for both; an empty max/avg-pool stride means "the kernel size", as in PyTorch.

// input: [N, C, H, W] -> [N, C·KH·KW, L] with L output positions (torch's unfold), and its
// adjoint col2im: [N, C·KH·KW, L] -> [N, C, output_size] (torch's fold). Each is the other's backward.
Tensor im2col(const Tensor& input, const Shape& kernel_size, const Shape& dilation, const Shape& padding,
              const Shape& stride);
Tensor col2im(const Tensor& input, const Shape& output_size, const Shape& kernel_size, const Shape& dilation,
              const Shape& padding, const Shape& stride);
// input: [N, C, H, W] (or [C, H, W])  weight: [O, C, KH, KW]  bias: [O] or undefined  ->  [N, O, HO, WO]
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, const Shape& stride = {1},
              const Shape& padding = {0}, const Shape& dilation = {1});

// input: [N, C, H, W] (or [C, H, W]) -> values and int64 indices (ih·W + iw within each plane).
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Shape& kernel_size,
                                                   const Shape& stride = {}, const Shape& padding = {0});
Tensor max_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {}, const Shape& padding = {0});
// max_pool2d's backward as an op: zeros of input_size with grad_output added at the indices.
Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& indices, const Shape& input_size);
Tensor avg_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {}, const Shape& padding = {0},
                  bool count_include_pad = true);
// avg_pool2d's backward as an op (linear in grad_output; its own backward is avg_pool2d).
Tensor avg_pool2d_backward(const Tensor& grad_output, const Shape& input_size, const Shape& kernel_size,
                           const Shape& stride, const Shape& padding, bool count_include_pad = true);

// input: [N, C] or [N, C, ...]; weight, bias, running_mean, running_var: [C] or undefined.
// Training: normalizes with the batch's mean and biased variance over every dim but C, and
// updates the running statistics in place: r = (1 − momentum)·r + momentum·batch, with the
// unbiased variance for running_var. Otherwise normalizes with the running statistics.
Tensor batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps);

// Inverted dropout: zeros each element with probability p (from the default generator) and
// scales the rest by 1/(1 − p); the identity when not training.
Tensor dropout(const Tensor& input, double p, bool training);

// How a loss reduces its per-sample values (libtorch's torch::kMean, ...).
enum class Reduction { None, Mean, Sum };
inline constexpr Reduction kNone = Reduction::None;
inline constexpr Reduction kMean = Reduction::Mean;
inline constexpr Reduction kSum = Reduction::Sum;
// Fused log_softmax + nll_loss. input: [N, C] or [N, C, d1, ...] logits; target: int64 [N] or
// [N, d1, ...] class indices. Rows whose target is ignore_index count nowhere (the mean divides
// by the other rows). label_smoothing ε mixes the one-hot target with the uniform ε/C.
Tensor cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction = kMean,
                     int64_t ignore_index = -100, double label_smoothing = 0.0);
// Stable max(x, 0) − x·y + log(1 + e^−|x|) per element, then reduced. input, target: same shape.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, Reduction reduction = kMean);

// ---- sequence models (ops/triangular.cpp, ops/sampling.cpp, ops/embedding.cpp, ops/layer_norm.cpp,
//      ops/attention.cpp, ops/rnn.cpp) -------------------------------------------------------
// a: [.., M, N] -> the lower (j − i <= diagonal) or upper (j − i >= diagonal) triangle of each
// matrix, zeros elsewhere.
Tensor tril(const Tensor& a, int64_t diagonal = 0);
Tensor triu(const Tensor& a, int64_t diagonal = 0);
// probs: [C] or [R, C] non-negative weights (not necessarily normalized) -> int64 [n] or [R, n]
// category indices drawn from the default generator. Not differentiable.
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement = false);
// weight: [V, D]  indices: int64 [..] in [0, V)  ->  [.., D], the rows of weight (ATen's order).
Tensor embedding(const Tensor& weight, const Tensor& indices);
// x: [.., *normalized_shape], normalized over its last dims by each sample's mean and (biased)
// variance, then ·weight + bias (each normalized_shape, or undefined). Twice differentiable.
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
// softmax(a·scale + mask) along the last dim in one fused pass: attention's weights. a: [.., L, S]
// scores; mask: a float tensor added to the scaled scores (−inf removes a key), broadcast to a's
// shape, or undefined; is_causal removes key j > query i without any mask tensor. Rows with no
// key left are NaN, as softmax of −inf is. Twice differentiable.
Tensor masked_softmax(const Tensor& a, const Tensor& mask = {}, double scale = 1.0, bool is_causal = false);
// One LSTM step, as torch.lstm_cell: input [B, I], hx = (h, c) each [B, H], w_ih [4H, I],
// w_hh [4H, H], biases [4H] or undefined; gates in torch's order i, f, g, o. Returns (h', c').
// Twice differentiable.
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const std::tuple<Tensor, Tensor>& hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih = {}, const Tensor& b_hh = {});
// One LSTM layer over a whole sequence (what nn::LSTM runs per layer): x_gates [T, B, 4H] is the
// input already projected, x·W_ihᵀ + b_ih + b_hh, for every step; h0, c0: [B, H] or undefined
// (zeros). Returns (output [T, B, H], h_n, c_n). First-order gradients only.
std::tuple<Tensor, Tensor, Tensor> lstm_layer(const Tensor& x_gates, const Tensor& w_hh, const Tensor& h0 = {},
                                              const Tensor& c0 = {});
// One GRU layer over a sequence: x_gates [T, B, 3H] = x·W_ihᵀ + b_ih for every step (r, z, n),
// w_hh [3H, H], b_hh [3H] or undefined, h0 [B, H] or undefined. Returns (output [T, B, H], h_n).
// First-order gradients only.
std::tuple<Tensor, Tensor> gru_layer(const Tensor& x_gates, const Tensor& w_hh, const Tensor& b_hh = {},
                                     const Tensor& h0 = {});

// ---- integer scalars ----------------------------------------------------------------------
// A double scalar is what a Python float is to PyTorch: an int64 or bool tensor meeting one
// computes in float32 (arange(3) * 2.0 is float32). An integer scalar is a Python int: beside an
// int64 or bool tensor it is an int64 operand, so the result stays integral and comparisons are
// exact (labels + 1 is int64); beside a float tensor it is the same as the double. Division is
// true division either way, so `/` has only the double forms.
template <class I>
concept IntegerScalar = std::integral<I> && !std::same_as<I, bool>;

namespace detail {
inline bool integral_operand(const Tensor& a) { return a.defined() && !is_floating(a.dtype()); }
inline Tensor int64_scalar(int64_t value) { return scalar_tensor(double(value), kInt64); }
Tensor clamp_in_dtype(const Tensor& a, std::optional<double> min, std::optional<double> max);  // no promotion
}  // namespace detail

template <IntegerScalar I> Tensor operator+(const Tensor& a, I b) {
  return detail::integral_operand(a) ? a + detail::int64_scalar(b) : a + double(b);
}
template <IntegerScalar I> Tensor operator-(const Tensor& a, I b) {
  return detail::integral_operand(a) ? a - detail::int64_scalar(b) : a - double(b);
}
template <IntegerScalar I> Tensor operator*(const Tensor& a, I b) {
  return detail::integral_operand(a) ? a * detail::int64_scalar(b) : a * double(b);
}
template <IntegerScalar I> Tensor operator+(I a, const Tensor& b) { return b + a; }
template <IntegerScalar I> Tensor operator*(I a, const Tensor& b) { return b * a; }
template <IntegerScalar I> Tensor operator-(I a, const Tensor& b) {
  return detail::integral_operand(b) ? detail::int64_scalar(a) - b : double(a) - b;
}
template <IntegerScalar I> Tensor operator==(const Tensor& a, I b) {
  return detail::integral_operand(a) ? a == detail::int64_scalar(b) : a == double(b);
}
template <IntegerScalar I> Tensor operator!=(const Tensor& a, I b) {
  return detail::integral_operand(a) ? a != detail::int64_scalar(b) : a != double(b);
}
template <IntegerScalar I> Tensor operator<(const Tensor& a, I b) {
  return detail::integral_operand(a) ? a < detail::int64_scalar(b) : a < double(b);
}
template <IntegerScalar I> Tensor operator<=(const Tensor& a, I b) {
  return detail::integral_operand(a) ? a <= detail::int64_scalar(b) : a <= double(b);
}
template <IntegerScalar I> Tensor operator>(const Tensor& a, I b) {
  return detail::integral_operand(a) ? a > detail::int64_scalar(b) : a > double(b);
}
template <IntegerScalar I> Tensor operator>=(const Tensor& a, I b) {
  return detail::integral_operand(a) ? a >= detail::int64_scalar(b) : a >= double(b);
}
template <IntegerScalar I> Tensor where(const Tensor& condition, const Tensor& a, I b) {
  return detail::integral_operand(a) ? where(condition, a, detail::int64_scalar(b)) : where(condition, a, double(b));
}
template <IntegerScalar I> Tensor where(const Tensor& condition, I a, const Tensor& b) {
  return detail::integral_operand(b) ? where(condition, detail::int64_scalar(a), b) : where(condition, double(a), b);
}
template <IntegerScalar I> Tensor clamp(const Tensor& a, I min, I max) {
  return detail::integral_operand(a) ? detail::clamp_in_dtype(a, double(min), double(max)) : clamp(a, double(min), double(max));
}
template <IntegerScalar I> Tensor clamp_min(const Tensor& a, I min) {
  return detail::integral_operand(a) ? detail::clamp_in_dtype(a, double(min), std::nullopt) : clamp_min(a, double(min));
}
template <IntegerScalar I> Tensor clamp_max(const Tensor& a, I max) {
  return detail::integral_operand(a) ? detail::clamp_in_dtype(a, std::nullopt, double(max)) : clamp_max(a, double(max));
}

}  // namespace descent
