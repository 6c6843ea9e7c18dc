// An undefined tensor (default-constructed: a Linear's missing bias, a grad() before any
// backward) given to any public op or method: answered as libtorch answers shape and autograd
// queries, and otherwise refused with "<call>: got an undefined tensor", never a null
// dereference. Each call runs in a child process, since the failure this guards against is a crash.
#include <functional>
#include <sstream>
#include <utility>
#include <vector>

#include "child.h"
#include "helpers.h"

using namespace descent;

namespace {

struct Case {
  std::string op;  // the name the error must start with
  std::function<void()> call;
};

void require_refused(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    INFO("calling " << c.op);
    CHECK(test::in_child(c.call) == "threw: " + c.op + ": got an undefined tensor");
  }
}

}  // namespace

TEST_CASE("every elementwise op and activation names itself when given an undefined tensor") {
  const Tensor u, a = ones({2, 2}), cond = ones({2, 2}, kBool);
  require_refused({
      {"add", [&] { add(u, a); }}, {"add", [&] { add(a, u); }}, {"sub", [&] { sub(u, a); }},
      {"mul", [&] { mul(a, u); }}, {"div", [&] { div(u, a); }}, {"add", [&] { add(u, 1.0); }},
      {"mul", [&] { mul(u, 2.0); }}, {"div", [&] { div(u, 2.0); }}, {"rsub", [&] { rsub(u, 1.0); }},
      {"rdiv", [&] { rdiv(u, 1.0); }}, {"neg", [&] { neg(u); }}, {"pow", [&] { pow(u, 2.0); }},
      {"pow", [&] { pow(a, u); }}, {"maximum", [&] { maximum(u, a); }}, {"minimum", [&] { minimum(a, u); }},
      {"exp", [&] { exp(u); }}, {"log", [&] { log(u); }}, {"log1p", [&] { log1p(u); }},
      {"expm1", [&] { expm1(u); }}, {"sqrt", [&] { sqrt(u); }}, {"rsqrt", [&] { rsqrt(u); }},
      {"abs", [&] { abs(u); }}, {"sign", [&] { sign(u); }}, {"sin", [&] { sin(u); }}, {"cos", [&] { cos(u); }},
      {"square", [&] { square(u); }}, {"erf", [&] { erf(u); }}, {"clamp", [&] { clamp(u, 0.0, 1.0); }},
      {"clamp_min", [&] { clamp_min(u, 0.0); }}, {"clamp_max", [&] { clamp_max(u, 1.0); }},
      {"where", [&] { where(u, a, a); }}, {"where", [&] { where(cond, u, a); }}, {"where", [&] { where(cond, a, u); }},
      {"where", [&] { where(cond, u, 1.0); }}, {"where", [&] { where(cond, 1.0, u); }},
      {"masked_fill", [&] { masked_fill(u, cond, 1.0); }}, {"masked_fill", [&] { masked_fill(a, u, 1.0); }},
      {"to", [&] { to(u, kFloat64); }}, {"clone", [&] { clone(u); }},
      {"eq", [&] { eq(u, a); }}, {"ne", [&] { ne(a, u); }}, {"lt", [&] { lt(u, a); }}, {"le", [&] { le(u, 1.0); }},
      {"gt", [&] { gt(u, 1.0); }}, {"ge", [&] { ge(u, a); }}, {"logical_not", [&] { logical_not(u); }},
      {"relu", [&] { relu(u); }}, {"sigmoid", [&] { sigmoid(u); }}, {"tanh", [&] { tanh(u); }},
      {"leaky_relu", [&] { leaky_relu(u); }}, {"gelu", [&] { gelu(u); }}, {"softplus", [&] { softplus(u); }},
      {"add", [&] { (void)(u + a); }}, {"rsub", [&] { (void)(1.0 - u); }}, {"mul", [&] { (void)(u * 2); }},
      {"div", [&] { (void)(a / u); }}, {"neg", [&] { (void)(-u); }}, {"eq", [&] { (void)(u == 1); }},
      {"logical_not", [&] { (void)(!u); }},
  });
}

TEST_CASE("every reduction, shape op and indexing op names itself when given an undefined tensor") {
  const Tensor u, a = ones({2, 2}), index = zeros({1}, kInt64);
  require_refused({
      {"sum", [&] { sum(u); }}, {"sum", [&] { sum(u, {0}); }}, {"mean", [&] { mean(u); }},
      {"mean", [&] { mean(u, {0}); }}, {"var", [&] { var(u, {0}); }}, {"logsumexp", [&] { logsumexp(u, {0}); }},
      {"max", [&] { max(u); }}, {"min", [&] { min(u); }}, {"max", [&] { max(u, 0); }}, {"min", [&] { min(u, 0); }},
      {"argmax", [&] { argmax(u); }}, {"argmax", [&] { argmax(u, 0); }}, {"argmin", [&] { argmin(u, 0); }},
      {"sum_to", [&] { sum_to(u, Dims{1}); }}, {"softmax", [&] { softmax(u, 0); }},
      {"log_softmax", [&] { log_softmax(u, 0); }}, {"matmul", [&] { matmul(u, a); }}, {"mm", [&] { mm(a, u); }},
      {"linear", [&] { linear(u, a); }}, {"linear", [&] { linear(a, u); }},
      {"view", [&] { view(u, {1}); }}, {"reshape", [&] { reshape(u, {1}); }}, {"flatten", [&] { flatten(u); }},
      {"transpose", [&] { transpose(u, 0, 1); }}, {"t", [&] { t(u); }}, {"permute", [&] { permute(u, {0}); }},
      {"unsqueeze", [&] { unsqueeze(u, 0); }}, {"squeeze", [&] { squeeze(u); }}, {"squeeze", [&] { squeeze(u, 0); }},
      {"expand", [&] { expand(u, {2}); }}, {"expand", [&] { u.expand_as(a); }}, {"expand", [&] { a.expand_as(u); }},
      {"slice", [&] { slice(u, 0, 0, 1); }}, {"narrow", [&] { narrow(u, 0, 0, 1); }},
      {"select", [&] { select(u, 0, 0); }}, {"contiguous", [&] { contiguous(u); }}, {"cat", [&] { cat({a, u}); }},
      {"stack", [&] { stack({u, a}); }}, {"split", [&] { split(u, 1); }}, {"chunk", [&] { chunk(u, 2); }},
      {"index_select", [&] { index_select(u, 0, index); }}, {"index_select", [&] { index_select(a, 0, u); }},
      {"index_add", [&] { index_add(u, 0, index, a); }}, {"index_add", [&] { index_add(a, 0, index, u); }},
      {"gather", [&] { gather(u, 0, index); }}, {"gather", [&] { gather(a, 0, u); }},
      {"scatter_add", [&] { scatter_add(u, 0, index, a); }}, {"scatter_add", [&] { scatter_add(a, 0, index, u); }},
      {"one_hot", [&] { one_hot(u, 3); }},
  });
}

TEST_CASE("every neural-network op, loss and module names the call when given an undefined tensor") {
  const Tensor u, x = ones({1, 1, 4, 4}), w = ones({1, 1, 3, 3}), logits = ones({2, 3}), target = zeros({2}, kInt64);
  require_refused({
      {"im2col", [&] { im2col(u, {2}, {1}, {0}, {1}); }}, {"col2im", [&] { col2im(u, {4, 4}, {2}, {1}, {0}, {1}); }},
      {"conv2d", [&] { conv2d(u, w); }}, {"conv2d", [&] { conv2d(x, u); }},
      {"max_pool2d", [&] { max_pool2d(u, {2}); }}, {"max_pool2d", [&] { max_pool2d_with_indices(u, {2}); }},
      {"max_pool2d_backward", [&] { max_pool2d_backward(u, u, {1, 1, 4, 4}); }},
      {"avg_pool2d", [&] { avg_pool2d(u, {2}); }},
      {"avg_pool2d_backward", [&] { avg_pool2d_backward(u, {1, 1, 4, 4}, {2}, {2}, {0}); }},
      {"batch_norm", [&] { batch_norm(u, {}, {}, {}, {}, true, 0.1, 1e-5); }},
      {"dropout", [&] { dropout(u, 0.5, true); }}, {"cross_entropy", [&] { cross_entropy(u, target); }},
      {"cross_entropy", [&] { cross_entropy(logits, u); }},
      {"binary_cross_entropy_with_logits", [&] { binary_cross_entropy_with_logits(u, logits); }},
      {"mse_loss", [&] { nn::functional::mse_loss(u, logits); }},
      {"l1_loss", [&] { nn::functional::l1_loss(logits, u); }},
      {"huber_loss", [&] { nn::functional::huber_loss(u, logits); }},
      {"nll_loss", [&] { nn::functional::nll_loss(u, target); }},
      {"multi_margin_loss", [&] { nn::functional::multi_margin_loss(u, target); }},
      {"linear", [&] { nn::Linear(3, 2).forward(u); }}, {"conv2d", [&] { nn::Conv2d(nn::Conv2dOptions(1, 1, 3)).forward(u); }},
      {"max_pool2d", [&] { nn::MaxPool2d(2).forward(u); }}, {"relu", [&] { nn::ReLU().forward(u); }},
      {"BatchNorm1d", [&] { nn::BatchNorm1d(nn::BatchNormOptions(3)).forward(u); }}, {"flatten", [&] { nn::Flatten().forward(u); }},
      {"uniform_", [&] { nn::init::uniform_(u); }}, {"normal_", [&] { nn::init::normal_(u); }},
      {"fill_", [&] { nn::init::zeros_(u); }}, {"l2_penalty", [&] { nn::utils::l2_penalty({u}); }}, {"l1_penalty", [&] { nn::utils::l1_penalty({logits, u}); }},
  });
  REQUIRE(test::in_child([&] { nn::init::kaiming_uniform_(u); }) ==
          "threw: init: fan in and fan out need a tensor with at least 2 dims, got shape (undefined)");
}

TEST_CASE("an undefined tensor's methods answer the queries and name the calls that need data") {
  Tensor u;
  // libtorch's answers: not requiring grad, a leaf, no gradient, no history.
  REQUIRE(test::in_child([&] {
            if (u.requires_grad() || !u.is_leaf() || u.grad().defined() || u.grad_fn()) throw std::runtime_error("wrong");
          }) == "returned");
  std::ostringstream printed;
  printed << u;
  REQUIRE(printed.str() == "tensor(undefined)");
  const Tensor a = ones({2});
  require_refused({
      {"requires_grad_", [&] { u.requires_grad_(); }}, {"backward", [&] { u.backward(); }},
      {"detach", [&] { u.detach(); }}, {"mutable_grad", [&] { u.mutable_grad(); }},
      {"register_hook", [&] { u.register_hook([](const Tensor& g) { return g; }); }},
      {"retain_grad", [&] { u.retain_grad(); }}, {"add_", [&] { u.add_(a); }}, {"add_", [&] { u.add_(1.0); }},
      {"sub_", [&] { u.sub_(a); }}, {"mul_", [&] { u.mul_(2.0); }}, {"div_", [&] { u.div_(a); }},
      {"div_", [&] { u.div_(2.0); }}, {"clamp_", [&] { u.clamp_(0.0, 1.0); }}, {"fill_", [&] { u.zero_(); }},
      {"fill_", [&] { u.fill_(1.0); }}, {"copy_", [&] { u.copy_(a); }}, {"uniform_", [&] { u.uniform_(); }},
      {"normal_", [&] { u.normal_(); }}, {"contiguous", [&] { u.contiguous(); }}, {"clone", [&] { u.clone(); }},
      {"to", [&] { u.to(kFloat64); }}, {"empty_like", [&] { empty_like(u); }}, {"zeros_like", [&] { zeros_like(u); }},
      {"ones_like", [&] { ones_like(u); }}, {"full_like", [&] { full_like(u, 1.0); }},
      {"rand_like", [&] { rand_like(u); }}, {"randn_like", [&] { randn_like(u); }},
      {"backward", [&] { autograd::backward({u}); }},
  });
  // The argument of an in-place op, and the inputs of autograd::grad.
  Tensor x = ones({2});
  REQUIRE(test::in_child([&] { x.add_(u); }) == "threw: add_: got an undefined tensor as its argument");
  Tensor w = ones({2}).requires_grad_();
  REQUIRE(test::in_child([&] { autograd::grad({w.sum()}, {u}); }) ==
          "threw: autograd::grad: input 0 is an undefined tensor");
  REQUIRE_THROWS_WITH(autograd::grad({w.sum()}, {}), "autograd::grad: grad requires non-empty inputs");
  REQUIRE_THROWS_WITH(autograd::grad({}, {w}), "autograd::grad: grad requires non-empty outputs");
  serialize::OutputArchive archive;
  REQUIRE_THROWS_WITH(archive.write("bias", u), "checkpoint: cannot save the undefined tensor 'bias'");
}
