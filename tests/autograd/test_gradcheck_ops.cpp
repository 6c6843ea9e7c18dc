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
// A leaf that requires grad and holds `v`'s values (any dim >= 2) in column-major order: its
// last two dims are swapped in storage.
Tensor transposed_copy(const Tensor& v) {
  const int64_t d = v.dim();
  return v.detach().transpose(d - 2, d - 1).contiguous().transpose(d - 2, d - 1).requires_grad_();
}
// A leaf holding `v`'s values at every other element of its last dim.
Tensor strided_copy(const Tensor& v) {
  const int64_t d = v.dim(), n = v.sizes().back();
  return stack({v.detach(), v.detach()}, d).flatten(d - 1).slice(d - 1, 0, 2 * n, 2).requires_grad_();
}
// Values well away (> 0.09) from 0, ±0.5 and 1: the kinks of relu, abs and the clamps below.
Tensor kinked_values(const Shape& shape) {
  static const double values[] = {-2.0, -0.7, -0.3, 0.4, 0.8, 1.9, -1.3, 0.25, 1.4, -0.15, 0.65, -2.4};
  std::vector<double> v(size_t(numel_of(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = values[i % 12] * (1.0 + 0.01 * double(i / 12));
  return tensor(v, shape, kFloat64);
}
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

TEST_CASE("binary arithmetic matches finite differences on transposed and sliced inputs") {
  manual_seed(21);
  Tensor t = transposed_leaf(3, 4), s = strided_leaf(3, 4), row = strided_copy(randn({1, 4}, kFloat64));
  Tensor p = strided_copy(rand({3, 4}, kFloat64) + 0.5), pt = transposed_copy(rand({3, 4}, kFloat64) + 0.5);
  for (const Args& in : {Args{t, s}, Args{s, t}, Args{t, row}, Args{row, s}, Args{t, leaf({4})}}) {
    INFO("strides " << in[0].strides() << " and " << in[1].strides());
    REQUIRE(gradcheck([](const Args& x) { return x[0] + x[1]; }, in));
    REQUIRE(gradcheck([](const Args& x) { return sub(x[0], x[1], 1.5); }, in));
    REQUIRE(gradcheck([](const Args& x) { return x[0] * x[1]; }, in));
    REQUIRE(gradcheck([](const Args& x) { return maximum(x[0], x[1]) - minimum(x[0], x[1]); }, in));
  }
  REQUIRE(gradcheck([](const Args& x) { return x[0] / x[1]; }, {t, p}));
  REQUIRE(gradcheck([](const Args& x) { return x[0] / x[1]; }, {s, pt}));
  REQUIRE(gradcheck([](const Args& x) { return pow(x[0], x[1]); }, {pt, t}));
  REQUIRE(gradcheck([](const Args& x) { return pow(x[0], 2.5) + 3.0 / x[0] - x[0] * 2.0; }, {p}));
}

TEST_CASE("0-d tensors match finite differences, alone and broadcast against others") {
  manual_seed(22);
  Tensor s = scalar_tensor(0.7, kFloat64).requires_grad_(), v = leaf({3}), m = transposed_leaf(2, 3);
  REQUIRE(gradcheck([](const Args& x) { return exp(x[0]) * x[0] + sin(x[0]); }, {s}));
  REQUIRE(gradcheck([](const Args& x) { return x[0] * x[1] + x[0] / (x[1] * x[1] + 1.0); }, {s, v}));
  REQUIRE(gradcheck([](const Args& x) { return x[1] - x[0]; }, {s, m}));
  REQUIRE(gradcheck([](const Args& x) { return pow(x[1] * x[1] + 1.0, x[0]); }, {s, v}));
  REQUIRE(gradcheck([](const Args& x) { return sum(x[0]) + mean(x[0]) + max(x[0]); }, {s}));
  REQUIRE(gradcheck([](const Args& x) { return std::get<0>(max(x[0], 0)) + std::get<0>(min(x[0], -1, true)); }, {s}));
  REQUIRE(gradcheck([](const Args& x) { return x[0].unsqueeze(0).expand({4}) * 2.0; }, {s}));
  REQUIRE(gradcheck([](const Args& x) { return where(tensor({1, 0, 1}, {3}, kBool), x[0], x[1]); }, {s, v}));
  REQUIRE(gradcheck([](const Args& x) { return sum_to(x[0], {}); }, {m}));
  REQUIRE(gradcheck([](const Args& x) { return matmul(x[0], x[0]) * x[1]; }, {v, s}));
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

TEST_CASE("piecewise ops match finite differences on transposed and sliced inputs") {
  Tensor v = kinked_values({3, 4});
  for (Tensor a : {transposed_copy(v), strided_copy(v)}) {
    INFO("strides " << a.strides());
    REQUIRE(!a.is_contiguous());
    REQUIRE(gradcheck([](const Args& x) { return relu(x[0]) + leaky_relu(x[0], 0.2); }, {a}));
    REQUIRE(gradcheck([](const Args& x) { return abs(x[0]); }, {a}));
    REQUIRE(gradcheck([](const Args& x) { return clamp(x[0], -0.5, 1.0); }, {a}));
    REQUIRE(gradcheck([](const Args& x) { return clamp_min(x[0], 0.0) * clamp_max(x[0], 0.5); }, {a}));
    REQUIRE(gradcheck([](const Args& x) { return sign(x[0]) * 3.0 + x[0]; }, {a}));  // sign: zero gradient
  }
}

TEST_CASE("where and masked_fill match finite differences with scalars, broadcasting and strided inputs") {
  manual_seed(23);
  Tensor cond = tensor({1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0}, {3, 4}, kBool);
  Tensor cond_t = tensor({1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0}, {4, 3}, kBool).t();  // non-contiguous
  Tensor column = tensor({1, 0, 1}, {3, 1}, kBool), row = tensor({0, 1, 1, 0}, {4}, kBool);
  Tensor a = leaf({3, 4}), b = leaf({3, 4}), t = transposed_leaf(3, 4), s = strided_leaf(3, 4);
  Tensor r = leaf({4}), c = leaf({3, 1}), z = scalar_tensor(-0.4, kFloat64).requires_grad_();
  // the two scalar overloads
  for (const Tensor& k : {cond, cond_t, column, row}) {
    INFO("condition " << k.sizes() << " strides " << k.strides());
    REQUIRE(gradcheck([&](const Args& x) { return where(k, x[0], 0.5); }, {a}));
    REQUIRE(gradcheck([&](const Args& x) { return where(k, -1.5, x[0]); }, {t}));
    REQUIRE(gradcheck([&](const Args& x) { return masked_fill(x[0], k, 2.0); }, {s}));
  }
  // operands broadcast against each other and against the condition
  REQUIRE(gradcheck([&](const Args& x) { return where(cond, x[0], x[1]); }, {t, s}));
  REQUIRE(gradcheck([&](const Args& x) { return where(cond_t, x[0], x[1]); }, {s, b}));
  REQUIRE(gradcheck([&](const Args& x) { return where(cond, x[0], x[1]); }, {r, c}));
  REQUIRE(gradcheck([&](const Args& x) { return where(column, x[0], x[1]); }, {r, z}));
  REQUIRE(gradcheck([&](const Args& x) { return where(row, x[0], 3.0); }, {c}));
  REQUIRE(gradcheck([&](const Args& x) { return where(cond, 3.0, x[0]); }, {z}));
  REQUIRE(gradcheck([&](const Args& x) { return masked_fill(x[0], row, -2.0) * x[1]; }, {s, r}));
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

TEST_CASE("var, logsumexp and max/min along a dim match finite differences on transposed and sliced inputs") {
  manual_seed(24);
  Tensor t = transposed_leaf(4, 5), s = strided_leaf(4, 5);
  Tensor p = randn({4, 2, 3}, kFloat64).permute({1, 2, 0}).requires_grad_();  // [2, 3, 4], no unit stride in dim 2
  for (Tensor a : {t, s, p}) {
    INFO("shape " << a.sizes() << " strides " << a.strides());
    REQUIRE(!a.is_contiguous());
    for (int64_t d : {int64_t(0), int64_t(-1)}) {
      INFO("dim " << d);
      REQUIRE(gradcheck([d](const Args& x) { return var(x[0], {d}); }, {a}));
      REQUIRE(gradcheck([d](const Args& x) { return var(x[0], {d}, false, true); }, {a}));
      REQUIRE(gradcheck([d](const Args& x) { return logsumexp(x[0], {d}); }, {a}));
      REQUIRE(gradcheck([d](const Args& x) { return std::get<0>(max(x[0], d)); }, {a}));
      REQUIRE(gradcheck([d](const Args& x) { return std::get<0>(min(x[0], d, true)); }, {a}));
    }
    REQUIRE(gradcheck([](const Args& x) { return logsumexp(x[0], {0, 1}, true); }, {a}));
    REQUIRE(gradcheck([](const Args& x) { return max(x[0]) - min(x[0]); }, {a}));
  }
}

TEST_CASE("sum_to matches finite differences for every way a shape can broadcast") {
  manual_seed(25);
  Tensor a = leaf({2, 3, 4}), t = transposed_leaf(3, 4);
  REQUIRE(gradcheck([](const Args& x) { return sum_to(x[0], {3, 4}); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return sum_to(x[0], {4}); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return sum_to(x[0], {3, 1}); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return sum_to(x[0], {2, 1, 4}); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return sum_to(x[0], {1, 1, 1}); }, {a}));
  REQUIRE(gradcheck([](const Args& x) { return sum_to(x[0], {2, 3, 4}) * 2.0; }, {a}));  // unchanged
  REQUIRE(gradcheck([](const Args& x) { return sum_to(x[0], {1, 4}); }, {t}));
  REQUIRE(gradcheck([](const Args& x) { return sum_to(x[0], {3, 1}); }, {t}));
  REQUIRE(gradgradcheck([](const Args& x) { return sum_to(x[0] * x[0], {3, 1}); }, {t}));
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
  REQUIRE(gradcheck([](const Args& x) { return mm(x[0], x[1]); }, {m, n}));
  REQUIRE(gradcheck([](const Args& x) { return mm(x[0], x[1]); }, {mt, nt}));
  REQUIRE(gradcheck([](const Args& x) { return mm(x[0], x[1]); }, {strided_leaf(3, 4), nt}));
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

TEST_CASE("clone, cat and stack match finite differences on transposed and sliced inputs") {
  manual_seed(26);
  Tensor a = leaf({3, 4}), t = transposed_leaf(3, 4), s = strided_leaf(3, 4), u = transposed_leaf(2, 4);
  REQUIRE(gradcheck([](const Args& x) { return clone(x[0]); }, {a}));
  for (const Tensor& v : {t, s}) {
    INFO("strides " << v.strides());
    REQUIRE(gradcheck([](const Args& x) { return clone(x[0]) * clone(clone(x[0])); }, {v}));
    REQUIRE(clone(v).is_contiguous());
  }
  REQUIRE(gradcheck([](const Args& x) { return cat({x[0], x[1], x[2]}, 0); }, {t, u, s}));
  REQUIRE(gradcheck([](const Args& x) { return cat({x[0], x[1]}, 1); }, {s, t}));
  REQUIRE(gradcheck([](const Args& x) { return cat({x[0], x[1].t()}, -1); }, {t, strided_leaf(4, 3)}));
  for (int64_t d : {0, 1, 2, -1}) {
    INFO("dim " << d);
    REQUIRE(gradcheck([d](const Args& x) { return stack({x[0], x[1], x[2]}, d); }, {t, s, a}));
  }
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

TEST_CASE("indexing ops match finite differences on transposed and sliced inputs and indices") {
  manual_seed(27);
  Tensor t = transposed_leaf(4, 3), s = strided_leaf(4, 3);
  Tensor idx = tensor({2, 0, 2, 1, 3, 3}, {6}, kInt64).slice(0, 0, 6, 2);  // {2, 2, 3}, stride 2
  Tensor gidx = tensor({0, 1, 2, 2, 0, 1, 1, 0}, {2, 4}, kInt64).t();       // [4, 2], transposed
  for (const Tensor& a : {t, s}) {
    INFO("strides " << a.strides());
    REQUIRE(gradcheck([&](const Args& x) { return index_select(x[0], 0, idx); }, {a}));
    REQUIRE(gradcheck([&](const Args& x) { return index_select(x[0], 1, idx.slice(0, 0, 2)); }, {a}));
    REQUIRE(gradcheck([&](const Args& x) { return gather(x[0], 1, gidx); }, {a}));
    REQUIRE(gradcheck([&](const Args& x) { return gather(x[0], 0, gidx.slice(1, 0, 1)); }, {a}));
  }
  Tensor src = transposed_leaf(3, 3), gsrc = strided_leaf(4, 2);
  REQUIRE(gradcheck([&](const Args& x) { return index_add(x[0], 0, idx, x[1]); }, {t, src}));
  REQUIRE(gradcheck([&](const Args& x) { return index_add(x[0], 1, idx.slice(0, 0, 2), x[1]); }, {s, transposed_leaf(4, 2)}));
  REQUIRE(gradcheck([&](const Args& x) { return scatter_add(x[0], 1, gidx, x[1]); }, {s, gsrc}));
  REQUIRE(gradcheck([&](const Args& x) { return scatter_add(x[0], 1, gidx, x[1]); }, {t, transposed_leaf(4, 2)}));
}

TEST_CASE("in-place ops on tracked tensors match finite differences") {
  manual_seed(28);
  Tensor a = leaf({3, 4}), b = transposed_leaf(3, 4), r = leaf({4}), p = positive_leaf({3, 4});
  REQUIRE(gradcheck([](const Args& x) {
    Tensor h = x[0] * 1.0;  // a non-leaf copy that the in-place ops may rewrite
    h.mul_(x[1]).add_(x[2], 2.0).sub_(x[1], 0.5).div_(x[3]);
    h.add_(1.5).mul_(-2.0).sub_(0.25).div_(3.0);
    return h;
  }, {a, b, r, p}));
  Tensor k = kinked_values({3, 4}).requires_grad_();
  REQUIRE(gradcheck([](const Args& x) { return (x[0] * 1.0).clamp_(-0.5, 1.0); }, {k}));
  REQUIRE(gradcheck([](const Args& x) { return (x[0] * 2.0).copy_(x[1]) * x[0]; }, {a, r}));
}

TEST_CASE("the pooling backward ops match finite differences in their incoming gradient") {
  manual_seed(29);
  Tensor x = randn({2, 2, 6, 5}, kFloat64);
  auto [values, indices] = max_pool2d_with_indices(x, {3}, {2}, {1});
  Tensor g = leaf(values.sizes());
  REQUIRE(gradcheck([&](const Args& a) { return max_pool2d_backward(a[0], indices, {2, 2, 6, 5}); }, {g}));
  Tensor pooled = leaf(avg_pool2d(x, {3, 2}, {2, 1}, {1, 0}).sizes());
  REQUIRE(gradcheck([&](const Args& a) { return avg_pool2d_backward(a[0], {2, 2, 6, 5}, {3, 2}, {2, 1}, {1, 0}); }, {pooled}));
  REQUIRE(gradcheck([&](const Args& a) { return avg_pool2d_backward(a[0], {2, 2, 6, 5}, {3, 2}, {2, 1}, {1, 0}, false); },
                    {pooled}));
  REQUIRE(gradcheck([](const Args& a) { return std::get<0>(max_pool2d_with_indices(a[0], {2}, {2})); },
                    {transposed_copy(x)}));
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
