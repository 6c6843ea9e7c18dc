// Activation functions. Their backward formulas reuse the forward's output where that is
// cheaper (sigmoid, tanh), except under create_graph, where the output is recomputed from the
// input so that the formula stays differentiable (see ops/common.h).
#include <cmath>
#include <numbers>

#include "autograd/ops/common.h"
#include "tensor/kernels/elementwise.h"

namespace descent {

using namespace ops_detail;
using kernels::Unary;

namespace {
// ReLU's backward as an op of its own (one fused pass instead of a comparison and a where):
// out = g where x > 0, else 0   dL/dg = gg where x > 0   (x gets no gradient: piecewise constant)
Tensor relu_backward(const Tensor& g, const Tensor& x) {
  Tensor out = kernels::threshold_backward(g, x, 0.0);
  if (auto node = record("relu_backward", out, {g})) {
    node->set_backward([x](const Tensor& gg, const Node&) -> Grads { return {relu_backward(gg, x)}; });
  }
  return out;
}
}  // namespace

// dL/da = g where a > 0, else 0
Tensor relu(const Tensor& a) {
  Tensor x = floating(a, "relu");
  Tensor out = kernels::unary(Unary::Relu, x);
  if (auto node = record("relu", out, {x})) {
    // The output is zero exactly where x <= 0, so it serves as the mask and x need not be kept.
    node->set_backward([y = node->save(out.detach())](const Tensor& g, const Node&) -> Grads { return {relu_backward(g, y)}; });
  }
  return out;
}

// s = 1 / (1 + e^-a)   dL/da = g·s·(1 - s)
Tensor sigmoid(const Tensor& a) {
  Tensor x = floating(a, "sigmoid");
  Tensor out = kernels::unary(Unary::Sigmoid, x);
  if (auto node = record("sigmoid", out, {x})) {
    node->set_backward([x = node->save(x), y = out.detach()](const Tensor& g, const Node&) -> Grads {
      Tensor s = differentiating_backward() ? sigmoid(x) : y;
      return {g * s * (1.0 - s)};
    });
  }
  return out;
}

// dL/da = g·(1 - tanh²(a))
Tensor tanh(const Tensor& a) {
  Tensor x = floating(a, "tanh");
  Tensor out = kernels::unary(Unary::Tanh, x);
  if (auto node = record("tanh", out, {x})) {
    node->set_backward([x = node->save(x), y = out.detach()](const Tensor& g, const Node&) -> Grads {
      Tensor t = differentiating_backward() ? tanh(x) : y;
      return {g * (1.0 - t * t)};
    });
  }
  return out;
}

// dL/da = g where a > 0, else slope·g
Tensor leaky_relu(const Tensor& a, double negative_slope) {
  Tensor x = floating(a, "leaky_relu");
  Tensor out = kernels::unary(Unary::LeakyRelu, x, negative_slope);
  if (auto node = record("leaky_relu", out, {x})) {
    node->set_backward([x = node->save(x), negative_slope](const Tensor& g, const Node&) -> Grads {
      return {where(x > 0.0, g, g * negative_slope)};
    });
  }
  return out;
}

// GELU(a) = a·Φ(a), Φ the standard normal CDF.
//   exact:  dL/da = g·(Φ(a) + a·φ(a)),  φ(a) = e^(-a²/2)/√(2π)
//   "tanh": Φ(a) ≈ (1 + tanh(u))/2 with u = √(2/π)·(a + 0.044715·a³);
//           dL/da = g·(½(1 + tanh u) + ½·a·(1 - tanh² u)·√(2/π)·(1 + 3·0.044715·a²))
Tensor gelu(const Tensor& a, const std::string& approximate) {
  CHECK(approximate == "none" || approximate == "tanh", "gelu: approximate must be \"none\" or \"tanh\", got \"",
        approximate, "\"");
  Tensor x = floating(a, "gelu");
  const bool exact = approximate == "none";
  Tensor out = kernels::unary(exact ? Unary::Gelu : Unary::GeluTanh, x);
  if (auto node = record("gelu", out, {x})) {
    node->set_backward([x = node->save(x), exact](const Tensor& g, const Node&) -> Grads {
      if (!differentiating_backward()) return {kernels::gelu_backward(g, x, !exact)};  // one fused pass
      if (exact) {
        Tensor cdf = (erf(x * (std::numbers::sqrt2 / 2)) + 1.0) * 0.5;
        Tensor pdf = exp(x * x * -0.5) * (std::numbers::inv_sqrtpi / std::numbers::sqrt2);
        return {g * (cdf + x * pdf)};
      }
      const double k = std::numbers::sqrt2 * std::numbers::inv_sqrtpi;
      Tensor t = tanh((x + x * x * x * 0.044715) * k);
      return {g * ((t + 1.0) * 0.5 + x * 0.5 * (1.0 - t * t) * k * (x * x * (3 * 0.044715) + 1.0))};
    });
  }
  return out;
}

// softplus(a) = log(1 + e^(β·a)) / β, and a itself where β·a > threshold (no overflow there).
// dL/da = g·sigmoid(β·a) (g where β·a > threshold)
Tensor softplus(const Tensor& a, double beta, double threshold) {
  Tensor x = floating(a, "softplus");
  CHECK(beta > 0, "softplus: beta must be positive, got ", beta);
  Tensor bx = kernels::binary(kernels::Binary::Mul, x, beta);
  Tensor out = kernels::unary(Unary::Softplus, bx);  // log1p(exp(.)), linear above 20
  if (beta != 1.0) kernels::binary_(kernels::Binary::Div, out, beta);
  out = kernels::where(kernels::binary(kernels::Binary::Gt, bx, threshold), x, out);
  if (auto node = record("softplus", out, {x})) {
    node->set_backward([x = node->save(x), beta, threshold](const Tensor& g, const Node&) -> Grads {
      Tensor bx = x * beta;
      return {where(bx > threshold, g, g * sigmoid(bx))};
    });
  }
  return out;
}

}  // namespace descent
