// Values and gradients of the core ops against PyTorch (tools/golden_core.py wrote the file):
// for each case, out = op(x0, x1, ...) and grad_i = d Σ(out·g) / d x_i, all float64, must agree
// to max|got − want| / max(max|want|, 1e-12) < 1e-10.
#include "helpers.h"

using namespace descent;
using Args = std::vector<Tensor>;
using Op = std::function<Tensor(const Args& x, const test::GoldenCase& c)>;

TEST_CASE("core ops match PyTorch's values and gradients") {
  const std::map<std::string, Op> ops = {
      {"add_broadcast", [](const Args& x, auto&) { return x[0] + x[1]; }},
      {"sub_broadcast", [](const Args& x, auto&) { return x[0] - x[1]; }},
      {"mul_broadcast", [](const Args& x, auto&) { return x[0] * x[1]; }},
      {"div", [](const Args& x, auto&) { return x[0] / x[1]; }},
      {"pow_tensor", [](const Args& x, auto&) { return pow(x[0], x[1]); }},
      {"pow_scalar", [](const Args& x, auto&) { return pow(x[0], 2.5); }},
      {"maximum", [](const Args& x, auto&) { return maximum(x[0], x[1]); }},
      {"exp", [](const Args& x, auto&) { return exp(x[0]); }},
      {"log", [](const Args& x, auto&) { return log(x[0]); }},
      {"sqrt", [](const Args& x, auto&) { return sqrt(x[0]); }},
      {"tanh", [](const Args& x, auto&) { return tanh(x[0]); }},
      {"sigmoid", [](const Args& x, auto&) { return sigmoid(x[0]); }},
      {"relu", [](const Args& x, auto&) { return relu(x[0]); }},
      {"leaky_relu", [](const Args& x, auto&) { return leaky_relu(x[0], 0.1); }},
      {"gelu", [](const Args& x, auto&) { return gelu(x[0]); }},
      {"gelu_tanh", [](const Args& x, auto&) { return gelu(x[0], "tanh"); }},
      {"softplus", [](const Args& x, auto&) { return softplus(x[0], 2.0, 3.0); }},
      {"erf", [](const Args& x, auto&) { return erf(x[0]); }},
      {"clamp", [](const Args& x, auto&) { return clamp(x[0], -0.5, 0.7); }},
      {"sum_dims", [](const Args& x, auto&) { return sum(x[0], {0, 2}); }},
      {"sum_keepdim", [](const Args& x, auto&) { return sum(x[0], {1}, true); }},
      {"mean", [](const Args& x, auto&) { return mean(x[0], {-1}); }},
      {"var", [](const Args& x, auto&) { return var(x[0], {1}); }},
      {"logsumexp", [](const Args& x, auto&) { return logsumexp(x[0], {1}); }},
      {"max_dim", [](const Args& x, auto&) { return std::get<0>(max(x[0], 1)); }},
      {"min_dim_keepdim", [](const Args& x, auto&) { return std::get<0>(min(x[0], 0, true)); }},
      {"softmax", [](const Args& x, auto&) { return softmax(x[0], 1); }},
      {"log_softmax", [](const Args& x, auto&) { return log_softmax(x[0], 0); }},
      {"matmul", [](const Args& x, auto&) { return matmul(x[0], x[1]); }},
      {"matmul_batched_broadcast", [](const Args& x, auto&) { return matmul(x[0], x[1]); }},
      {"matmul_vector", [](const Args& x, auto&) { return matmul(x[0], x[1]); }},
      {"linear", [](const Args& x, auto&) { return linear(x[0], x[1], x[2]); }},
      {"transpose_reshape", [](const Args& x, auto&) { return x[0].transpose(0, 2).reshape({4, 6}) * 2.0; }},
      {"cat", [](const Args& x, auto&) { return cat({x[0], x[1]}, 1); }},
      {"slice_step", [](const Args& x, auto&) { return x[0].slice(1, 1, 6, 2); }},
      {"index_select", [](const Args& x, auto& c) { return index_select(x[0], 0, c["i0"]); }},
      {"gather", [](const Args& x, auto& c) { return gather(x[0], 1, c["i0"]); }},
      {"where", [](const Args& x, auto& c) { return where(c["i0"], x[0], x[1]); }},
  };
  auto cases = test::load_golden("core.txt");
  REQUIRE(cases.size() == ops.size());
  for (const auto& [name, c] : cases) {
    INFO("case " << name);
    auto op = ops.find(name);
    REQUIRE(op != ops.end());
    Args inputs = test::golden_inputs(c);
    Tensor out = op->second(inputs, c);
    REQUIRE(out.sizes() == c["out"].sizes());
    CHECK(test::relative_error(out, c["out"]) < 1e-10);
    auto grads = autograd::grad({(out * c["g"]).sum()}, inputs, {}, std::nullopt, false, true);
    for (size_t i = 0; i < inputs.size(); ++i) {
      INFO("grad" << i);
      Tensor want = c["grad" + std::to_string(i)];
      Tensor got = grads[i].defined() ? grads[i] : zeros_like(want);
      CHECK(test::relative_error(got, want) < 1e-10);
    }
  }
}
