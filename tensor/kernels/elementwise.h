#pragma once
// Elementwise kernels: the numbers behind +, *, exp, relu, where, casts and copies. They never
// record a graph (autograd/ops/elementwise.cpp does, on top of these) and assume their inputs
// were checked: equal dtypes where the op needs them, broadcastable shapes.
// One template loop per arity; the op is picked by a switch once per call, never per element.
#include "tensor/tensor.h"

namespace descent::kernels {

enum class Binary { Add, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge };
enum class Unary {
  Neg, Exp, Log, Log1p, Expm1, Sqrt, Rsqrt, Abs, Sign, Sin, Cos, Erf, Reciprocal, Square,
  Relu, Sigmoid, Tanh,
  PowScalar,   // x^param
  LeakyRelu,   // x > 0 ? x : param·x
  Softplus,    // log(1 + e^x), linear above x > 20 where it would overflow
  Gelu,        // x·Φ(x)
  GeluTanh,    // tanh approximation of x·Φ(x)
  LogicalNot,
};

inline bool is_comparison(Binary op) { return op >= Binary::Eq; }

Tensor empty_strided_like(const Tensor& t);  // same shape, contiguous, same dtype

// out = a op b, broadcast; a, b of equal dtype; comparisons give kBool.
Tensor binary(Binary op, const Tensor& a, const Tensor& b);
Tensor binary(Binary op, const Tensor& a, double b);  // a op b
Tensor binary(Binary op, double a, const Tensor& b);  // a op b
// self = self op b; b broadcasts to self's shape and has self's dtype.
void binary_(Binary op, const Tensor& self, const Tensor& b);
void binary_(Binary op, const Tensor& self, double b);
// out = a + alpha·b (the axpy form that add_ and optimizers use).
void add_scaled_(const Tensor& self, const Tensor& b, double alpha);

Tensor unary(Unary op, const Tensor& a, double param = 0.0);
void unary_(Unary op, const Tensor& self, double param = 0.0);

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);  // cond kBool; a, b same dtype
// grad where input > threshold, else 0: ReLU's backward in one pass (same shapes and dtype).
Tensor threshold_backward(const Tensor& grad, const Tensor& input, double threshold);
// GELU's backward in one pass: grad·(Φ(x) + x·φ(x)), or the derivative of the tanh
// approximation (same shapes and dtype; the formulas are gelu's, autograd/ops/activation.cpp).
Tensor gelu_backward(const Tensor& grad, const Tensor& input, bool tanh_approximation);
Tensor clamp(const Tensor& a, double lo, double hi);                   // ±inf for an open side
void clamp_(const Tensor& self, double lo, double hi);

// Copies src into dst (broadcasting src to dst's shape, converting its dtype).
void copy_(const Tensor& dst, const Tensor& src);
void fill_(const Tensor& dst, double value);
Tensor contiguous(const Tensor& a);    // a itself when already contiguous
Tensor cast(const Tensor& a, Dtype dtype);

}  // namespace descent::kernels
