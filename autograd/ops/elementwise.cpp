// Elementwise arithmetic and math: forward through kernels::binary/unary, backward right below
// each forward, written with these same ops so that it can be differentiated again.
// Shapes: inputs broadcast to the output's shape; a backward may return gradients of the
// output's shape and the engine sums them back to each input's shape.
#include <cmath>
#include <limits>
#include <numbers>

#include "autograd/ops/common.h"
#include "tensor/kernels/elementwise.h"

namespace descent {

using namespace ops_detail;
using kernels::Binary;
using kernels::Unary;

// ---- + - * / ------------------------------------------------------------------------------

// a, b: broadcastable   out = a + alpha·b   dL/da = g   dL/db = alpha·g
Tensor add(const Tensor& a, const Tensor& b, double alpha) {
  if (!same_dtype(a, b, "add")) {
    auto [x, y] = promoted(a, b, "add");
    return add(x, y, alpha);
  }
  Tensor out = alpha == 1.0 ? kernels::binary(Binary::Add, a, b)
                            : kernels::binary(Binary::Add, a, kernels::binary(Binary::Mul, b, alpha));
  if (auto node = record("add", out, {a, b})) {
    node->set_backward([alpha](const Tensor& g, const Node& n) -> Grads {
      return {g, n.needs_grad(1) ? (alpha == 1.0 ? g : g * alpha) : Tensor()};
    });
  }
  return out;
}

// a, b: broadcastable   out = a - alpha·b   dL/da = g   dL/db = -alpha·g
Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  if (!same_dtype(a, b, "sub")) {
    auto [x, y] = promoted(a, b, "sub");
    return sub(x, y, alpha);
  }
  Tensor out = alpha == 1.0 ? kernels::binary(Binary::Sub, a, b)
                            : kernels::binary(Binary::Sub, a, kernels::binary(Binary::Mul, b, alpha));
  if (auto node = record("sub", out, {a, b})) {
    node->set_backward([alpha](const Tensor& g, const Node& n) -> Grads {
      return {g, n.needs_grad(1) ? g * -alpha : Tensor()};
    });
  }
  return out;
}

// a, b: broadcastable   dL/da = g·b   dL/db = g·a
Tensor mul(const Tensor& a, const Tensor& b) {
  if (!same_dtype(a, b, "mul")) {
    auto [x, y] = promoted(a, b, "mul");
    return mul(x, y);
  }
  Tensor out = kernels::binary(Binary::Mul, a, b);
  if (auto node = record("mul", out, {a, b})) {
    node->set_backward([a = node->save(a), b = node->save(b)](const Tensor& g, const Node& n) -> Grads {
      return {n.needs_grad(0) ? g * b : Tensor(), n.needs_grad(1) ? g * a : Tensor()};
    });
  }
  return out;
}

// a, b: broadcastable   dL/da = g / b   dL/db = -g·a / b²
Tensor div(const Tensor& a, const Tensor& b) {
  auto [x, y] = promoted(floating(a, "div"), floating(b, "div"), "div");
  Tensor out = kernels::binary(Binary::Div, x, y);
  if (auto node = record("div", out, {x, y})) {
    node->set_backward([x = node->save(x), y = node->save(y)](const Tensor& g, const Node& n) -> Grads {
      return {n.needs_grad(0) ? g / y : Tensor(), n.needs_grad(1) ? -g * x / (y * y) : Tensor()};
    });
  }
  return out;
}

// out = a + b (scalar b)   dL/da = g
Tensor add(const Tensor& a, double b) {
  Tensor x = with_scalar(a, b, "add");
  Tensor out = kernels::binary(Binary::Add, x, b);
  if (auto node = record("add", out, {x})) node->set_backward([](const Tensor& g, const Node&) -> Grads { return {g}; });
  return out;
}

// out = a·b (scalar b)   dL/da = g·b
Tensor mul(const Tensor& a, double b) {
  Tensor x = with_scalar(a, b, "mul");
  Tensor out = kernels::binary(Binary::Mul, x, b);
  if (auto node = record("mul", out, {x})) node->set_backward([b](const Tensor& g, const Node&) -> Grads { return {g * b}; });
  return out;
}

// out = a / b (scalar b)   dL/da = g / b
Tensor div(const Tensor& a, double b) {
  Tensor x = floating(a, "div");
  Tensor out = kernels::binary(Binary::Div, x, b);
  if (auto node = record("div", out, {x})) node->set_backward([b](const Tensor& g, const Node&) -> Grads { return {g / b}; });
  return out;
}

// out = b - a (scalar b)   dL/da = -g
Tensor rsub(const Tensor& a, double b) {
  Tensor x = with_scalar(a, b, "rsub");
  Tensor out = kernels::binary(Binary::Sub, b, x);
  if (auto node = record("rsub", out, {x})) node->set_backward([](const Tensor& g, const Node&) -> Grads { return {-g}; });
  return out;
}

// out = b / a (scalar b)   dL/da = -g·b / a²
Tensor rdiv(const Tensor& a, double b) {
  Tensor x = floating(a, "rdiv");
  Tensor out = kernels::binary(Binary::Div, b, x);
  if (auto node = record("rdiv", out, {x})) {
    node->set_backward([x = node->save(x), b](const Tensor& g, const Node&) -> Grads { return {g * -b / (x * x)}; });
  }
  return out;
}

// dL/da = -g
Tensor neg(const Tensor& a) {
  check_defined(a, "neg");
  Tensor out = kernels::unary(Unary::Neg, a);
  if (auto node = record("neg", out, {a})) node->set_backward([](const Tensor& g, const Node&) -> Grads { return {-g}; });
  return out;
}

// ---- powers and math ----------------------------------------------------------------------

// out = a^c   dL/da = g·c·a^(c-1)
Tensor pow(const Tensor& a, double c) {
  Tensor x = floating(a, "pow");
  Tensor out = kernels::unary(Unary::PowScalar, x, c);
  if (auto node = record("pow", out, {x})) {
    node->set_backward([x = node->save(x), c](const Tensor& g, const Node&) -> Grads {
      if (c == 0.0) return {zeros_like(g)};
      if (c == 1.0) return {g};
      if (c == 2.0) return {g * x * 2.0};
      return {g * c * pow(x, c - 1.0)};
    });
  }
  return out;
}

// out = a^b   dL/da = g·b·a^(b-1)   dL/db = g·a^b·log(a)
Tensor pow(const Tensor& a, const Tensor& b) {
  auto [x, y] = promoted(floating(a, "pow"), floating(b, "pow"), "pow");
  Tensor out = kernels::binary(Binary::Pow, x, y);
  if (auto node = record("pow", out, {x, y})) {
    node->set_backward([x = node->save(x), y = node->save(y)](const Tensor& g, const Node& n) -> Grads {
      return {n.needs_grad(0) ? g * y * pow(x, y - 1.0) : Tensor(),
              n.needs_grad(1) ? where(x == 0.0, 0.0 * g, g * pow(x, y) * log(x)) : Tensor()};
    });
  }
  return out;
}

// NaN-propagating elementwise max/min; ties share the gradient equally, as in PyTorch.
// dL/da = g·(a > b) + g/2·(a == b)   dL/db = g·(a < b) + g/2·(a == b)   (for maximum)
static Tensor max_min(const Tensor& a, const Tensor& b, bool is_max) {
  const char* name = is_max ? "maximum" : "minimum";
  auto [x, y] = promoted(a, b, name);
  Tensor out = kernels::binary(is_max ? Binary::Maximum : Binary::Minimum, x, y);
  if (auto node = record(name, out, {x, y})) {
    node->set_backward([x = node->save(x), y = node->save(y), is_max](const Tensor& g, const Node& n) -> Grads {
      Tensor wins = (is_max ? x > y : x < y).to(g.dtype()) + (x == y).to(g.dtype()) * 0.5;
      return {n.needs_grad(0) ? g * wins : Tensor(), n.needs_grad(1) ? g * (1.0 - wins) : Tensor()};
    });
  }
  return out;
}
Tensor maximum(const Tensor& a, const Tensor& b) { return max_min(a, b, true); }
Tensor minimum(const Tensor& a, const Tensor& b) { return max_min(a, b, false); }

// dL/da = g·eᵃ
Tensor exp(const Tensor& a) {
  Tensor x = floating(a, "exp");
  Tensor out = kernels::unary(Unary::Exp, x);
  if (auto node = record("exp", out, {x})) {
    node->set_backward([x = node->save(x), y = out.detach()](const Tensor& g, const Node&) -> Grads {
      return {g * (differentiating_backward() ? exp(x) : y)};
    });
  }
  return out;
}

// dL/da = g / a
Tensor log(const Tensor& a) {
  Tensor x = floating(a, "log");
  Tensor out = kernels::unary(Unary::Log, x);
  if (auto node = record("log", out, {x})) {
    node->set_backward([x = node->save(x)](const Tensor& g, const Node&) -> Grads { return {g / x}; });
  }
  return out;
}

// dL/da = g / (1 + a)
Tensor log1p(const Tensor& a) {
  Tensor x = floating(a, "log1p");
  Tensor out = kernels::unary(Unary::Log1p, x);
  if (auto node = record("log1p", out, {x})) {
    node->set_backward([x = node->save(x)](const Tensor& g, const Node&) -> Grads { return {g / (x + 1.0)}; });
  }
  return out;
}

// dL/da = g·eᵃ
Tensor expm1(const Tensor& a) {
  Tensor x = floating(a, "expm1");
  Tensor out = kernels::unary(Unary::Expm1, x);
  if (auto node = record("expm1", out, {x})) {
    node->set_backward([x = node->save(x)](const Tensor& g, const Node&) -> Grads { return {g * exp(x)}; });
  }
  return out;
}

// dL/da = g / (2·√a)
Tensor sqrt(const Tensor& a) {
  Tensor x = floating(a, "sqrt");
  Tensor out = kernels::unary(Unary::Sqrt, x);
  if (auto node = record("sqrt", out, {x})) {
    node->set_backward([x = node->save(x), y = out.detach()](const Tensor& g, const Node&) -> Grads {
      return {g / ((differentiating_backward() ? sqrt(x) : y) * 2.0)};
    });
  }
  return out;
}

// dL/da = -g / (2·a^(3/2))
Tensor rsqrt(const Tensor& a) {
  Tensor x = floating(a, "rsqrt");
  Tensor out = kernels::unary(Unary::Rsqrt, x);
  if (auto node = record("rsqrt", out, {x})) {
    node->set_backward([x = node->save(x)](const Tensor& g, const Node&) -> Grads { return {g * pow(x, -1.5) * -0.5}; });
  }
  return out;
}

// dL/da = g·sign(a)   (0 at 0, as in PyTorch)
Tensor abs(const Tensor& a) {
  check_defined(a, "abs");
  Tensor out = kernels::unary(Unary::Abs, a);
  if (auto node = record("abs", out, {a})) {
    node->set_backward([x = node->save(a)](const Tensor& g, const Node&) -> Grads { return {g * sign(x)}; });
  }
  return out;
}

Tensor sign(const Tensor& a) {
  check_defined(a, "sign");
  Tensor out = kernels::unary(Unary::Sign, a);
  if (auto node = record("sign", out, {a})) {
    node->set_backward([](const Tensor& g, const Node&) -> Grads { return {zeros_like(g)}; });
  }
  return out;
}

// dL/da = g·cos(a)
Tensor sin(const Tensor& a) {
  Tensor x = floating(a, "sin");
  Tensor out = kernels::unary(Unary::Sin, x);
  if (auto node = record("sin", out, {x})) {
    node->set_backward([x = node->save(x)](const Tensor& g, const Node&) -> Grads { return {g * cos(x)}; });
  }
  return out;
}

// dL/da = -g·sin(a)
Tensor cos(const Tensor& a) {
  Tensor x = floating(a, "cos");
  Tensor out = kernels::unary(Unary::Cos, x);
  if (auto node = record("cos", out, {x})) {
    node->set_backward([x = node->save(x)](const Tensor& g, const Node&) -> Grads { return {-g * sin(x)}; });
  }
  return out;
}

// dL/da = 2·g·a
Tensor square(const Tensor& a) {
  check_defined(a, "square");
  return pow(a, 2.0);
}

// dL/da = g·(2/√π)·e^(-a²)
Tensor erf(const Tensor& a) {
  Tensor x = floating(a, "erf");
  Tensor out = kernels::unary(Unary::Erf, x);
  if (auto node = record("erf", out, {x})) {
    node->set_backward([x = node->save(x)](const Tensor& g, const Node&) -> Grads {
      return {g * exp(-(x * x)) * (2.0 * std::numbers::inv_sqrtpi)};
    });
  }
  return out;
}

// dL/da = g where min <= a <= max, else 0
// Double bounds make an integer tensor float32, as Python floats do in torch; integer bounds
// keep it integral (the templates in ops.h call clamp_in_dtype directly).
Tensor clamp(const Tensor& input, std::optional<double> min, std::optional<double> max) {
  return detail::clamp_in_dtype(with_scalar(input, 0.0, "clamp"), min, max);
}
Tensor detail::clamp_in_dtype(const Tensor& a, std::optional<double> min, std::optional<double> max) {
  check_defined(a, "clamp");
  CHECK(min || max, "clamp: at least one of min and max must be given");
  const double lo = min.value_or(-std::numeric_limits<double>::infinity());
  const double hi = max.value_or(std::numeric_limits<double>::infinity());
  Tensor out = kernels::clamp(a, lo, hi);
  if (auto node = record("clamp", out, {a})) {
    node->set_backward([x = node->save(a), lo, hi](const Tensor& g, const Node&) -> Grads {
      return {where((x >= lo) * (x <= hi), g, 0.0)};
    });
  }
  return out;
}
Tensor clamp_min(const Tensor& a, double min) {
  check_defined(a, "clamp_min");
  return clamp(a, min, std::nullopt);
}
Tensor clamp_max(const Tensor& a, double max) {
  check_defined(a, "clamp_max");
  return clamp(a, std::nullopt, max);
}

// cond: kBool, broadcastable with a and b   dL/da = g where cond   dL/db = g where !cond
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  check_defined(condition, "where");
  CHECK(condition.dtype() == kBool, "where: condition must be bool, got ", dtype_name(condition.dtype()));
  auto [x, y] = promoted(a, b, "where");
  broadcast_shapes(broadcast_shapes(condition.sizes(), x.sizes(), "where"), y.sizes(), "where");
  Tensor out = kernels::where(condition, x, y);
  if (auto node = record("where", out, {x, y})) {
    node->set_backward([c = condition](const Tensor& g, const Node& n) -> Grads {
      return {n.needs_grad(0) ? where(c, g, 0.0) : Tensor(), n.needs_grad(1) ? where(c, 0.0, g) : Tensor()};
    });
  }
  return out;
}
// A double scalar makes an integer tensor float32 (where(c, arange(3), 2.5) keeps the 2.5).
Tensor where(const Tensor& condition, const Tensor& a, double b) {
  Tensor x = with_scalar(a, b, "where");
  return where(condition, x, scalar_tensor(b, x.dtype()));
}
Tensor where(const Tensor& condition, double a, const Tensor& b) {
  Tensor y = with_scalar(b, a, "where");
  return where(condition, scalar_tensor(a, y.dtype()), y);
}

Tensor masked_fill(const Tensor& a, const Tensor& mask, double value) {
  check_defined(a, "masked_fill");
  check_defined(mask, "masked_fill");
  CHECK(mask.dtype() == kBool, "masked_fill: mask must be a bool tensor, got ", dtype_name(mask.dtype()));
  return where(mask, scalar_tensor(value, a.dtype()), a);
}

// dL/da = g cast back to a's dtype
Tensor to(const Tensor& a, Dtype dtype) {
  check_defined(a, "to");
  if (a.dtype() == dtype) return a;
  Tensor out = kernels::cast(a, dtype);
  if (is_floating(dtype) && is_floating(a.dtype())) {
    if (auto node = record("to", out, {a})) {
      node->set_backward([from = a.dtype()](const Tensor& g, const Node&) -> Grads { return {to(g, from)}; });
    }
  }
  return out;
}

// dL/da = g
Tensor clone(const Tensor& a) {
  check_defined(a, "clone");
  Tensor out = kernels::cast(a, a.dtype());
  if (auto node = record("clone", out, {a})) node->set_backward([](const Tensor& g, const Node&) -> Grads { return {g}; });
  return out;
}

// ---- comparisons --------------------------------------------------------------------------

static Tensor compare(Binary op, const Tensor& a, const Tensor& b, const char* name) {
  check_defined(a, name);
  check_defined(b, name);
  auto [x, y] = promoted(a.detach(), b.detach(), name);
  return kernels::binary(op, x, y);
}
static Tensor compare(Binary op, const Tensor& a, double b, const char* name) {
  check_defined(a, name);
  return kernels::binary(op, with_scalar(a.detach(), b, name), b);
}
Tensor eq(const Tensor& a, const Tensor& b) { return compare(Binary::Eq, a, b, "eq"); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(Binary::Ne, a, b, "ne"); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(Binary::Lt, a, b, "lt"); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(Binary::Le, a, b, "le"); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(Binary::Gt, a, b, "gt"); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(Binary::Ge, a, b, "ge"); }
Tensor eq(const Tensor& a, double b) { return compare(Binary::Eq, a, b, "eq"); }
Tensor ne(const Tensor& a, double b) { return compare(Binary::Ne, a, b, "ne"); }
Tensor lt(const Tensor& a, double b) { return compare(Binary::Lt, a, b, "lt"); }
Tensor le(const Tensor& a, double b) { return compare(Binary::Le, a, b, "le"); }
Tensor gt(const Tensor& a, double b) { return compare(Binary::Gt, a, b, "gt"); }
Tensor ge(const Tensor& a, double b) { return compare(Binary::Ge, a, b, "ge"); }
Tensor logical_not(const Tensor& a) {
  check_defined(a, "logical_not");
  return kernels::unary(Unary::LogicalNot, a.dtype() == kBool ? a.detach() : kernels::cast(a, kBool));
}

// ---- operators ----------------------------------------------------------------------------

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator-(const Tensor& a, double b) { return add(a, -b); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator/(const Tensor& a, double b) { return div(a, b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
Tensor operator-(double a, const Tensor& b) { return rsub(b, a); }
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(double a, const Tensor& b) { return rdiv(b, a); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, double b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, double b) { return ne(a, b); }
Tensor operator<(const Tensor& a, double b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, double b) { return le(a, b); }
Tensor operator>(const Tensor& a, double b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, double b) { return ge(a, b); }
Tensor operator!(const Tensor& a) { return logical_not(a); }

}  // namespace descent
