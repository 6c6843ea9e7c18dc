// Every differentiable op against central finite differences (float64), over several shapes,
// broadcasting cases and non-contiguous (transposed, sliced) inputs.
#include "helpers.h"

using namespace descent;
using autograd::gradcheck;
using autograd::gradgradcheck;
using Args = std::vector<Tensor>;
using test::leaf;

namespace {
// A leaf that is a transposed view of its storage.
Tensor transposed_leaf(int64_t rows, int64_t cols) { return randn({cols, rows}, kFloat64).t().requires_grad_(); }
// A leaf that is every other column of a wider tensor.
Tensor strided_leaf(int64_t rows, int64_t cols) {
  return randn({rows, 2 * cols}, kFloat64).slice(1, 0, 2 * cols, 2).requires_grad_();
}
// Positive values away from 0 (for log, sqrt, pow, division).
Tensor positive_leaf(const Shape& shape) { return (rand(shape, kFloat64) + 0.5).requires_grad_(); }
}  // namespace

TEST_CASE("binary arithmetic matches finite differences with broadcasting") {
  manual_seed(1);
  Tensor a = leaf({3, 4}), b = leaf({4}), c = leaf({3, 1}), d = positive_leaf({1, 4});
  REQUIRE(gradcheck([](const Args& x) { return x[0] + x[1]; }, {a, b}));
  REQUIRE(gradcheck([](const Args& x) { return x[0] - x[1]; }, {a, c}));
  REQUIRE(gradcheck([](const Args& x) { return x[0] * x[1]; }, {b, c}));
  REQUIRE(gradcheck([](const Args& x) { return x[0] / x[1]; }, {a, d}));
  REQUIRE(gradcheck([](const Args& x) { return add(x[0], x[1], 2.5); }, {a, b}));
  REQUIRE(gradcheck([](const Args& x) { return sub(x[0], x[1], -0.5); }, {a, c}));
  REQUIRE(gradcheck([](const Args& x) { return pow(x[1], x[0]); }, {a, d}));
  REQUIRE(gradcheck([](const Args& x) { return maximum(x[0], x[1]) + minimum(x[0], x[1]) * 3.0; }, {a, b}));
}

TEST_CASE("scalar arithmetic matches finite differences") {
  manual_seed(2);
  Tensor a = positive_leaf({2, 3});
  REQUIRE(gradcheck([](const Args& x) { return x[0] * 3.0 + 1.5; }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return 2.0 - x[0] / 4.0; }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return 3.0 / x[0]; }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return -x[0]; }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return pow(x[0], 3.0) + pow(x[0], -1.5) + pow(x[0], 2.0); }, {a}));
}

TEST_CASE("unary math matches finite differences on contiguous and strided inputs") {
  manual_seed(3);
  for (Tensor a : {leaf({3, 4}), transposed_leaf(3, 4), strided_leaf(3, 4)}) {
    INFO("strides " << a.strides());
    REQUIRE(gradcheck([](const Args& x) { return exp(x[0]); }, {a}));
    REQUIRE(gradcheck([](const Args& x) { return sin(x[0]) + cos(x[0]); }, {a}));
    REQUIRE(gradcheck([](const Args& x) { return tanh(x[0]); }, {a}));
    REQUIRE(gradcheck([](const Args& x) { return sigmoid(x[0]); }, {a}));
    REQUIRE(gradcheck([](const Args& x) { return erf(x[0]); }, {a}));
    REQUIRE(gradcheck([](const Args& x) { return square(x[0]); }, {a}));
    REQUIRE(gradcheck([](const Args& x) { return softplus(x[0]) + softplus(x[0], 2.0, 1.0); }, {a}));
    REQUIRE(gradcheck([](const Args& x) { return gelu(x[0]) + gelu(x[0], "tanh"); }, {a}));
    REQUIRE(gradcheck([](const Args& x) { return expm1(x[0]); }, {a}));
  }
  Tensor p = positive_leaf({5});
  REQUIRE(gradcheck([](const Args& x) { return log(x[0]) + log1p(x[0]); }, {p}));
  REQUIRE(gradcheck([](const Args& x) { return sqrt(x[0]) + rsqrt(x[0]); }, {p}));
}

TEST_CASE("piecewise ops match finite differences away from their kinks") {
  // values at least 0.1 away from 0 and from the clamp bounds
  Tensor a = tensor({-2.0, -0.7, -0.3, 0.4, 0.8, 1.9}, {2, 3}, kFloat64).requires_grad_();
  REQUIRE(gradcheck([](const Args& x) { return relu(x[0]); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return leaky_relu(x[0], 0.2); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return abs(x[0]); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return clamp(x[0], -0.5, 1.0); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return clamp_min(x[0], 0.0) + clamp_max(x[0], 0.5); }, {a}));
  Tensor b = tensor({1, -1, 2, 0.5, -3, 4}, {2, 3}, kFloat64).requires_grad_();
  Tensor cond = tensor({1, 0, 1, 0, 0, 1}, {2, 3}, kBool);
  REQUIRE(gradcheck([&](const Args& x) { return where(cond, x[0], x[1]); }, {a, b}));
  REQUIRE(gradcheck([&](const Args& x) { return masked_fill(x[0], cond, 2.0); }, {a}));
}

TEST_CASE("reductions match finite differences over any dims") {
  manual_seed(4);
  Tensor a = leaf({2, 3, 4});
  REQUIRE(gradcheck([](const Args& x) { return sum(x[0]); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return sum(x[0], {1}); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return sum(x[0], {0, 2}, true); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return mean(x[0], {-1}); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return mean(x[0]); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return var(x[0], {1}); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return var(x[0], {0, 2}, false, true); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return logsumexp(x[0], {2}); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return std::get<0>(max(x[0], 1)); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return std::get<0>(min(x[0], 2, true)); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return max(x[0]) + min(x[0]); }, {a}));
  Tensor t = transposed_leaf(4, 5);
  REQUIRE(gradcheck([](const Args& x) { return sum(x[0], {0}); }, {t}));
  REQUIRE(gradcheck([](const Args& x) { return sum(x[0], {1}); }, {t}));
  REQUIRE(gradcheck([](const Args& x) { return mean(x[0], {0, 1}); }, {t}));
}

TEST_CASE("softmax and log_softmax match finite differences along every dim") {
  manual_seed(5);
  Tensor a = leaf({3, 4, 2});
  for (int64_t d : {0, 1, 2, -1}) {
    INFO("dim " << d);
    REQUIRE(gradcheck([d](const Args& x) { return softmax(x[0], d); }, {a}));
    REQUIRE(gradcheck([d](const Args& x) { return log_softmax(x[0], d); }, {a}));
  }
  Tensor t = transposed_leaf(3, 5);
  REQUIRE(gradcheck([](const Args& x) { return log_softmax(x[0], 1); }, {t}));
}

TEST_CASE("matmul matches finite differences for 1-D, 2-D, batched and transposed operands") {
  manual_seed(6);
  Tensor m = leaf({3, 4}), n = leaf({4, 2}), v = leaf({4}), w = leaf({3});
  REQUIRE(gradcheck([](const Args& x) { return matmul(x[0], x[1]); }, {m, n}));
  REQUIRE(gradcheck([](const Args& x) { return matmul(x[0], x[1]); }, {m, v}));
  REQUIRE(gradcheck([](const Args& x) { return matmul(x[0], x[1]); }, {w, m}));
  REQUIRE(gradcheck([](const Args& x) { return matmul(x[0], x[1]); }, {v, v}));
  Tensor mt = transposed_leaf(3, 4), nt = transposed_leaf(4, 2);
  REQUIRE(gradcheck([](const Args& x) { return matmul(x[0], x[1]); }, {mt, nt}));
  REQUIRE(gradcheck([](const Args& x) { return matmul(x[0], x[1]); }, {strided_leaf(3, 4), n}));
  Tensor ba = leaf({2, 3, 4}), bb = leaf({2, 4, 5}), shared = leaf({4, 5}), bc = leaf({2, 1, 4, 5});
  REQUIRE(gradcheck([](const Args& x) { return matmul(x[0], x[1]); }, {ba, bb}));
  REQUIRE(gradcheck([](const Args& x) { return matmul(x[0], x[1]); }, {ba, shared}));
  REQUIRE(gradcheck([](const Args& x) { return matmul(x[0], x[1]); }, {ba, bc}));
  Tensor bias = leaf({2});
  REQUIRE(gradcheck([](const Args& x) { return linear(x[0], x[1], x[2]); }, {m, n.t().detach().contiguous().requires_grad_(), bias}));
  REQUIRE(gradcheck([](const Args& x) { return linear(x[0], x[1]); }, {leaf({2, 3, 4}), leaf({5, 4})}));
}

TEST_CASE("shape ops match finite differences") {
  manual_seed(7);
  Tensor a = leaf({2, 3, 4});
  REQUIRE(gradcheck([](const Args& x) { return x[0].view({6, 4}) * 2.0; }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return x[0].transpose(0, 2).reshape({4, 6}); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return x[0].permute({2, 0, 1}) * 1.5; }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return x[0].flatten(1); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return x[0].unsqueeze(1).squeeze(1).squeeze(); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return x[0].slice(2, 1, 4, 2); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return x[0].narrow(1, 1, 2); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return x[0].select(1, -1); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return x[0].slice(0, 0, 1).expand({3, 3, 4}); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return x[0].contiguous(); }, {transposed_leaf(3, 4)}));
  Tensor b = leaf({2, 2, 4});
  REQUIRE(gradcheck([](const Args& x) { return cat({x[0], x[1]}, 1); }, {a, b}));
  REQUIRE(gradcheck([](const Args& x) { return stack({x[0], x[0] * 2.0}, 1); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return split(x[0], 2, 1)[1] + chunk(x[0], 3, 1)[0]; }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return x[0].to(kFloat32).to(kFloat64); }, {a}, {1e-3, 1e-3, 1e-3}));
}

TEST_CASE("indexing ops match finite differences, repeated indices included") {
  manual_seed(8);
  Tensor a = leaf({4, 3});
  Tensor idx = tensor({2, 0, 2}, {3}, kInt64);
  REQUIRE(gradcheck([&](const Args& x) { return index_select(x[0], 0, idx); }, {a}));
  REQUIRE(gradcheck([&](const Args& x) { return index_select(x[0], 1, idx); }, {a}));
  Tensor src = leaf({3, 3});
  REQUIRE(gradcheck([&](const Args& x) { return index_add(x[0], 0, idx, x[1]); }, {a, src}));
  Tensor gidx = tensor({0, 2, 1, 1, 0, 0, 2, 2}, {4, 2}, kInt64);
  REQUIRE(gradcheck([&](const Args& x) { return gather(x[0], 1, gidx); }, {a}));
  Tensor gsrc = leaf({4, 2});
  REQUIRE(gradcheck([&](const Args& x) { return scatter_add(x[0], 1, gidx, x[1]); }, {a, gsrc}));
}

TEST_CASE("a representative set of ops passes gradgradcheck") {
  manual_seed(9);
  Tensor a = leaf({2, 3}), b = leaf({3}), p = positive_leaf({2, 3});
  REQUIRE(gradgradcheck([](const Args& x) { return x[0] * x[1] + x[0] / (x[1] * x[1] + 1.0); }, {a, b}));
  REQUIRE(gradgradcheck([](const Args& x) { return exp(x[0]) + tanh(x[0]) + sigmoid(x[0]) + sin(x[0]); }, {a}));
  REQUIRE(gradgradcheck([](const Args& x) { return log(x[0]) + sqrt(x[0]) + pow(x[0], 2.5); }, {p}));
  REQUIRE(gradgradcheck([](const Args& x) { return matmul(x[0], x[1].t()); }, {leaf({3, 4}), leaf({2, 4})}));
  REQUIRE(gradgradcheck([](const Args& x) { return sum(x[0] * x[0], {1}) + mean(x[0]); }, {a}));
  REQUIRE(gradgradcheck([](const Args& x) { return softmax(x[0], 1); }, {a}));
  REQUIRE(gradgradcheck([](const Args& x) { return log_softmax(x[0], 0); }, {a}));
  REQUIRE(gradgradcheck([](const Args& x) { return gelu(x[0]) + softplus(x[0]); }, {a}));
  REQUIRE(gradgradcheck([](const Args& x) { return x[0].transpose(0, 1).reshape({6}).slice(0, 1, 5) * x[0].sum(); }, {a}));
}

TEST_CASE("gradcheck reports a wrong gradient with numbers") {
  // x·detach(x) has derivative 2x, but autograd sees only x: the check must fail and say so.
  Tensor a = tensor({0.5, -0.3}, {2}, kFloat64).requires_grad_();
  REQUIRE_THROWS_WITH(gradcheck([](const Args& x) { return x[0] * x[0].detach(); }, {a}),
                      Catch::StartsWith("gradcheck: Jacobian mismatch for input 0 (shape [2]), output element 0, "
                                        "input element 0: analytic 0.5, numerical 1"));
}

TEST_CASE("relu passes gradgradcheck through its fused backward") {
  Tensor a = tensor({-2.0, -0.7, 0.4, 1.9}, {2, 2}, kFloat64).requires_grad_();
  REQUIRE(gradgradcheck([](const Args& x) { return relu(x[0]) * x[0]; }, {a}));
}
