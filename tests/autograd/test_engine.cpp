// The backward engine: ordering, accumulation, graph release, hooks, higher order, memory.
#include "helpers.h"

using namespace descent;

TEST_CASE("a diamond graph sums the gradients of both paths") {
  Tensor x = scalar_tensor(3.0, kFloat64).requires_grad_();
  Tensor a = x * 2.0, b = x * x;
  Tensor y = a * b;  // 2x·x² = 2x³  ->  dy/dx = 6x² = 54
  y.backward();
  REQUIRE(x.grad().item<double>() == 54.0);
}

TEST_CASE("two backward calls accumulate into grad until it is reset") {
  Tensor w = tensor({1, 2}, {2}, kFloat64).requires_grad_();
  (w * w).sum().backward();
  (w * 3.0).sum().backward();
  REQUIRE(w.grad().to_vector<double>() == std::vector<double>{5, 7});
  w.mutable_grad() = Tensor();
  (w * 3.0).sum().backward();
  REQUIRE(w.grad().to_vector<double>() == std::vector<double>{3, 3});
}

TEST_CASE("a tensor used twice by one op gets both contributions") {
  Tensor x = tensor({2, -1}, {2}, kFloat64).requires_grad_();
  (x + x).sum().backward();
  REQUIRE(x.grad().to_vector<double>() == std::vector<double>{2, 2});
  Tensor y = tensor({3}, {1}, kFloat64).requires_grad_();
  matmul(y, y).backward();
  REQUIRE(y.grad().item<double>() == 6.0);
}

TEST_CASE("the graph is freed after backward unless retain_graph is set") {
  Tensor x = scalar_tensor(2.0, kFloat64).requires_grad_();
  Tensor y = exp(x) * x;
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  REQUIRE(x.grad().item<double>() == Approx(2 * (std::exp(2.0) * 3)).epsilon(1e-12));
  REQUIRE_THROWS_WITH(y.backward(), Catch::Contains("was already freed by an earlier backward()") &&
                                        Catch::Contains("retain_graph=true"));
}

TEST_CASE("NoGradGuard and detach record nothing") {
  Tensor x = ones({2}).requires_grad_();
  {
    NoGradGuard guard;
    Tensor y = x * 2.0;
    REQUIRE(!y.requires_grad());
    REQUIRE(!GradMode::is_enabled());
  }
  REQUIRE(GradMode::is_enabled());
  Tensor z = x.detach() * 2.0;
  REQUIRE(!z.requires_grad());
  REQUIRE(x.detach().impl()->storage == x.impl()->storage);
  REQUIRE_THROWS_WITH(z.sum().backward(), Catch::StartsWith("backward: output 0 does not require grad"));
}

TEST_CASE("backward of a non-scalar needs a gradient of the output's shape") {
  Tensor x = ones({2, 3}).requires_grad_();
  Tensor y = x * 2.0;
  REQUIRE_THROWS_WITH(y.backward(), "backward: a gradient can be created implicitly only for a one-element output, "
                                    "got shape [2, 3]; pass a gradient of that shape");
  REQUIRE_THROWS_WITH(y.backward(ones({3})), "backward: gradient has shape [3] but output 0 has shape [2, 3]");
  y.backward(full({2, 3}, 0.5));
  REQUIRE(x.grad().to_vector<float>() == std::vector<float>(6, 1.0f));
}

TEST_CASE("hooks see and may replace gradients, retain_grad keeps a non-leaf's") {
  Tensor x = tensor({1, 2}, {2}, kFloat64).requires_grad_();
  std::vector<double> seen;
  Tensor h = x * 3.0;
  h.register_hook([&](const Tensor& g) { seen = g.to_vector<double>(); return g * 10.0; });
  h.retain_grad();
  x.register_hook([](const Tensor& g) { return g + 1.0; });
  (h * h).sum().backward();
  REQUIRE(seen == std::vector<double>{6, 12});  // d(h²)/dh = 2h
  REQUIRE(h.grad().to_vector<double>() == std::vector<double>{60, 120});  // after the hook's change
  REQUIRE(x.grad().to_vector<double>() == std::vector<double>{181, 361});  // 3·(60, 120) + 1
}

TEST_CASE("a leaf's hook runs once per backward, on its summed gradient") {
  Tensor x = tensor({1, 2}, {2}, kFloat64).requires_grad_();
  std::vector<std::vector<double>> calls;
  x.register_hook([&](const Tensor& g) { calls.push_back(g.to_vector<double>()); return Tensor(); });
  (x * 3.0 + x * x).sum().backward();  // contributions [3, 3] and 2x = [2, 4]
  REQUIRE(calls == std::vector<std::vector<double>>{{5, 7}});
  REQUIRE(x.grad().to_vector<double>() == std::vector<double>{5, 7});
}

TEST_CASE("autograd::grad returns gradients without touching grad()") {
  Tensor x = tensor({1, 2, 3}, {3}, kFloat64).requires_grad_();
  Tensor y = (x * x).sum();
  auto g = autograd::grad({y}, {x});
  REQUIRE(g[0].to_vector<double>() == std::vector<double>{2, 4, 6});
  REQUIRE(!x.grad().defined());
  Tensor unused = ones({1}, kFloat64).requires_grad_();
  Tensor z = (x * 2.0).sum();
  REQUIRE_THROWS_WITH(autograd::grad({z}, {unused}, {}, true), Catch::StartsWith("autograd::grad: input 0 was not used"));
  REQUIRE(!autograd::grad({z}, {unused}, {}, true, false, /*allow_unused=*/true)[0].defined());
}

TEST_CASE("create_graph gives Hessian-vector products and gradient penalties") {
  // f(x) = Σ x_i³ + x0·x1: H = diag(6x) + [[0,1],[1,0]]
  Tensor x = tensor({1, 2}, {2}, kFloat64).requires_grad_();
  Tensor f = pow(x, 3.0).sum() + x.select(0, 0) * x.select(0, 1);
  Tensor g = autograd::grad({f}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  REQUIRE(g.requires_grad());
  Tensor v = tensor({1, -1}, {2}, kFloat64);
  Tensor hv = autograd::grad({(g * v).sum()}, {x})[0];
  REQUIRE(hv.to_vector<double>() == std::vector<double>{6 * 1 - 1, 1 - 6 * 2});
  // penalty ||∇f||² differentiated into the leaf: 2·H·∇f
  Tensor y = tensor({1, 2}, {2}, kFloat64).requires_grad_();
  Tensor fy = pow(y, 3.0).sum();
  Tensor gy = autograd::grad({fy}, {y}, {}, std::nullopt, true)[0];
  (gy * gy).sum().backward();
  // ∇f = 3y², H = diag(6y): 2·6y·3y² = 36y³
  REQUIRE(y.grad().to_vector<double>() == std::vector<double>{36, 288});
}

TEST_CASE("backward through a 100,000-op chain does not overflow the stack") {
  Tensor x = scalar_tensor(1.0, kFloat64).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0000001 + 0.0;
  y.backward();
  REQUIRE(x.grad().item<double>() == Approx(std::pow(1.0000001, 100000)).epsilon(1e-9));
  // dropping a long unreleased chain must not recurse either
  Tensor z = x;
  const int64_t nodes = autograd::Node::live_count(), storages = Storage::live_count();
  for (int i = 0; i < 100000; ++i) z = z + 1.0;
  REQUIRE(autograd::Node::live_count() == nodes + 100000);
  z = Tensor();
  REQUIRE(autograd::Node::live_count() == nodes);
  REQUIRE(Storage::live_count() == storages);
}

TEST_CASE("graph nodes and storages return to their baseline after many iterations") {
  Tensor w = randn({8, 4}).requires_grad_();
  Tensor b = zeros({4}).requires_grad_();
  Tensor x = randn({16, 8});
  auto step = [&] {
    Tensor h = tanh(matmul(x, w) + b);
    Tensor loss = (softmax(h, 1) * h).mean() + h.pow(2.0).sum() * 0.01;
    loss.backward();
    w.mutable_grad() = Tensor();
    b.mutable_grad() = Tensor();
  };
  step();
  const int64_t nodes = autograd::Node::live_count(), storages = Storage::live_count();
  for (int i = 0; i < 10000; ++i) step();
  REQUIRE(autograd::Node::live_count() == nodes);
  REQUIRE(Storage::live_count() == storages);
  REQUIRE(nodes == 0);
}

TEST_CASE("a saved tensor modified in place makes backward throw, naming the op") {
  Tensor x = tensor({1, 2}, {2}, kFloat64).requires_grad_();
  Tensor y = x * 2.0;
  Tensor z = y * y;  // saves y
  y.add_(1.0);
  REQUIRE_THROWS_WITH(z.sum().backward(), Catch::StartsWith("backward of 'mul': a tensor it saved for backward was "
                                                           "modified by an in-place operation (saved at version 0, now 1)"));
}

TEST_CASE("in-place ops on tracked tensors rewrite history or refuse clearly") {
  Tensor w = tensor({1, 2}, {2}, kFloat64).requires_grad_();
  REQUIRE_THROWS_WITH(w.add_(1.0), Catch::StartsWith("add_: a leaf tensor that requires grad cannot be modified in place"));
  {
    NoGradGuard guard;
    w.add_(1.0);  // how optimizers update parameters
  }
  REQUIRE(w.to_vector<double>() == std::vector<double>{2, 3});
  Tensor h = w * 1.0;
  h.mul_(w);  // h = w², through a recorded op on a copy
  h.add_(tensor({10, 10}, {2}, kFloat64));
  h.sum().backward();
  REQUIRE(w.grad().to_vector<double>() == std::vector<double>{4, 6});
  REQUIRE(h.to_vector<double>() == std::vector<double>{14, 19});
}

TEST_CASE("op errors name the op and the shapes or dtypes") {
  REQUIRE_THROWS_WITH(ones({3, 4}) + ones({5}), "add: shapes [3, 4] and [5] cannot be broadcast");
  REQUIRE_THROWS_WITH(matmul(ones({64, 784}), ones({100, 10})), "matmul: inner dims differ: a is [64, 784], b is [100, 10]");
  REQUIRE_THROWS_WITH(matmul(ones({2, 2}), ones({2, 2}, kFloat64)), "matmul: dtype mismatch: a is float32, b is float64");
  REQUIRE_THROWS_WITH(ones({2}, kInt64).requires_grad_(), "requires_grad_: only floating-point tensors can require gradients, got int64");
  REQUIRE_THROWS_WITH(where(ones({2}), ones({2}), ones({2})), "where: condition must be bool, got float32");
  REQUIRE_THROWS_WITH(index_select(ones({3}), 0, ones({1})), "index_select: index must be int64, got float32");
  REQUIRE_THROWS_WITH(ones({2, 3}).add_(ones({4})), "add_: shapes [2, 3] and [4] cannot be broadcast");
  REQUIRE_THROWS_WITH(ones({3}, kInt64).add_(ones({3})), "add_: the result would be float32, which cannot be stored in a int64 tensor");
  REQUIRE_THROWS_WITH(ones({2, 3}).expand({4, 3}), "expand: the expanded size 4 must match the existing size 2 at dim 0 (shape [2, 3] to [4, 3])");
}

TEST_CASE("mixed dtypes promote like PyTorch and gradients come back in each input's dtype") {
  Tensor a = ones({2}).requires_grad_();
  Tensor b = full({2}, 2.0, kFloat64).requires_grad_();
  Tensor c = a * b;
  REQUIRE(c.dtype() == kFloat64);
  c.sum().backward();
  REQUIRE(a.grad().dtype() == kFloat32);
  REQUIRE(a.grad().to_vector<float>() == std::vector<float>{2, 2});
}

// A double scalar acts as a Python float in PyTorch: `torch.arange(3) * 2.0` is float32 (the
// default dtype) although 2.0 is whole, and a float tensor keeps its dtype.
TEST_CASE("a double scalar makes integer and bool tensors float32, as a Python float does in PyTorch") {
  Tensor i = arange(3), b = tensor({1, 0, 1}, {3}, kBool);
  auto check = [](const Tensor& got, Dtype dtype, const std::vector<double>& want) {
    INFO("got " << got);
    REQUIRE(got.dtype() == dtype);
    REQUIRE(got.to_vector<double>() == want);
  };
  check(i * 2.0, kFloat32, {0, 2, 4});
  check(2.0 * i, kFloat32, {0, 2, 4});
  check(i * 0.5, kFloat32, {0, 0.5, 1});
  check(i + 2.0, kFloat32, {2, 3, 4});
  check(2.5 + i, kFloat32, {2.5, 3.5, 4.5});
  check(i - 2.0, kFloat32, {-2, -1, 0});
  check(2.0 - i, kFloat32, {2, 1, 0});
  check(i / 2.0, kFloat32, {0, 0.5, 1});
  check(3.0 / (i + 1.0), kFloat32, {3, 1.5, 1});
  check(pow(i, 2.0), kFloat32, {0, 1, 4});
  check(b * 2.0, kFloat32, {2, 0, 2});
  check(b + 2.5, kFloat32, {3.5, 2.5, 3.5});
  check(b / 2.0, kFloat32, {0.5, 0, 0.5});
  check(arange(0.0, 3.0, 1.0, kFloat64) * 2.0, kFloat64, {0, 2, 4});
  check(ones({2}) + 1.0, kFloat32, {2, 2});
  // integer arithmetic stays integral against an int64 tensor (a 0-d one stands in for an int scalar)
  check(i + scalar_tensor(20, kInt64), kInt64, {20, 21, 22});
  check(i * full({3}, 2.0, kInt64), kInt64, {0, 2, 4});
  // masked_fill writes the value into the tensor's own dtype, as torch's does
  check(masked_fill(i, tensor({1, 0, 1}, {3}, kBool), 2.5), kInt64, {2, 1, 2});
  // Comparisons give bool, computed in the same promoted dtype: like torch, 16777217 == 16777216.0
  // holds because both round to the same float32.
  check(i == 1.0, kBool, {0, 1, 0});
  check(i < 0.5, kBool, {1, 0, 0});
  check(i >= 1.5, kBool, {0, 0, 1});
  check(b != 1.0, kBool, {0, 1, 0});
  check(tensor({16777217, 3}, {2}, kInt64) == 16777216.0, kBool, {1, 0});
  // The scalar path still gives gradients in the tensor's dtype.
  Tensor x = tensor({1, 2}, {2}, kFloat64).requires_grad_();
  (x * 2.0 + 1.0).sum().backward();
  check(x.grad(), kFloat64, {2, 2});
}

TEST_CASE("where with a double scalar promotes an integer tensor to float32, as in PyTorch") {
  Tensor cond = tensor({1, 0, 1}, {3}, kBool);
  Tensor a = where(cond, arange(3), 2.5), b = where(cond, 2.5, arange(3));
  INFO("got " << a << " and " << b);
  REQUIRE(a.dtype() == kFloat32);
  REQUIRE(a.to_vector<double>() == std::vector<double>{0, 2.5, 2});
  REQUIRE(b.dtype() == kFloat32);
  REQUIRE(b.to_vector<double>() == std::vector<double>{2.5, 1, 2.5});
}

TEST_CASE("clamp with double bounds promotes an integer tensor to float32, as in PyTorch") {
  Tensor a = clamp(arange(3), 0.5, 1.5);
  INFO("got " << a);
  REQUIRE(a.dtype() == kFloat32);
  REQUIRE(a.to_vector<double>() == std::vector<double>{0.5, 1, 1.5});
  REQUIRE(clamp_min(arange(3), 0.5).to_vector<double>() == std::vector<double>{0.5, 1, 2});
}

TEST_CASE("an integer scalar keeps integer and bool tensors integral, as a Python int does in PyTorch") {
  Tensor i = arange(3), b = tensor({1, 0, 1}, {3}, kBool), f = tensor({0.5, 1.5, 2.5}, {3}, kFloat64);
  auto check = [](const Tensor& got, Dtype dtype, const std::vector<double>& want) {
    INFO("got " << got);
    REQUIRE(got.dtype() == dtype);
    REQUIRE(got.to_vector<double>() == want);
  };
  check(i + 1, kInt64, {1, 2, 3});
  check(1 + i, kInt64, {1, 2, 3});
  check(i - 1, kInt64, {-1, 0, 1});
  check(5 - i, kInt64, {5, 4, 3});
  check(i * 3, kInt64, {0, 3, 6});
  check(3 * i, kInt64, {0, 3, 6});
  check(i * int64_t(2), kInt64, {0, 2, 4});
  check(b + 1, kInt64, {2, 1, 2});
  check(i / 2, kFloat32, {0, 0.5, 1});  // true division, as torch's /
  check(i == 1, kBool, {0, 1, 0});
  check(i != 1, kBool, {1, 0, 1});
  check(i < 1, kBool, {1, 0, 0});
  check(i <= 1, kBool, {1, 1, 0});
  check(i > 1, kBool, {0, 0, 1});
  check(i >= 1, kBool, {0, 1, 1});
  // exact in int64, where float32 would round both sides to the same value
  check(tensor({16777217, 3}, {2}, kInt64) == 16777216, kBool, {0, 0});
  check(where(b, i, 7), kInt64, {0, 7, 2});
  check(where(b, 7, i), kInt64, {7, 1, 7});
  check(clamp(i, 1, 1), kInt64, {1, 1, 1});
  check(clamp_min(i, 1), kInt64, {1, 1, 2});
  check(clamp_max(i, 1), kInt64, {0, 1, 1});
  // beside a float tensor an integer scalar is the same as the double
  check(f + 1, kFloat64, {1.5, 2.5, 3.5});
  check(2 * f, kFloat64, {1, 3, 5});
  check(1 - f, kFloat64, {0.5, -0.5, -1.5});
  check(f > 1, kBool, {0, 1, 1});
  check(clamp(f, 1, 2), kFloat64, {1, 1.5, 2});
  // a missing bound is infinite: nothing passes it, and an infinite value stays infinite
  check(clamp_min(tensor({INFINITY, -1}, {2}), 0), kFloat32, {INFINITY, 0});
  check(clamp_max(tensor({-INFINITY, 3}, {2}, kFloat64), 1), kFloat64, {-INFINITY, 1});
  // and gradients flow through it as through the double
  Tensor x = tensor({1, 2}, {2}, kFloat64).requires_grad_();
  (3 * x + 1).sum().backward();
  check(x.grad(), kFloat64, {3, 3});
}

TEST_CASE("a leaf's gradient is delivered as soon as its last edge has run, before the rest of the pass") {
  Tensor x = tensor({1, 2}, {2}, kFloat64).requires_grad_();
  Tensor w = tensor({3, 4}, {2}, kFloat64).requires_grad_();
  Tensor a = x * 2.0;  // runs last in backward
  Tensor b = a * 3.0;
  Tensor L = (b * w).sum();  // w's only edge: the first Node to run
  bool w_ready_when_a_ran = false, x_ready_when_w_delivered = true;
  a.register_hook([&](const Tensor&) {
    w_ready_when_a_ran = w.grad().defined();
    return Tensor();
  });
  w.register_post_accumulate_grad_hook([&](const Tensor&) { x_ready_when_w_delivered = x.grad().defined(); });
  L.backward();
  REQUIRE(w_ready_when_a_ran);
  REQUIRE_FALSE(x_ready_when_w_delivered);
  REQUIRE(w.grad().to_vector<double>() == std::vector<double>{6, 12});
  REQUIRE(x.grad().to_vector<double>() == std::vector<double>{18, 24});
}

TEST_CASE("post-accumulate-grad hooks see grad() after the pass added to it") {
  Tensor w = tensor({1, 2}, {2}, kFloat64).requires_grad_();
  std::vector<std::vector<double>> seen;
  w.register_post_accumulate_grad_hook([&](const Tensor& grad) { seen.push_back(grad.to_vector<double>()); });
  (w * w).sum().backward();  // 2w
  (w * 3.0).sum().backward();  // + 3
  REQUIRE(seen == std::vector<std::vector<double>>{{2, 4}, {5, 7}});
  auto g = autograd::grad({(w * w).sum()}, {w});  // grad() untouched: no call
  REQUIRE(seen.size() == 2);
  Tensor h = w * 2.0;
  REQUIRE_THROWS_WITH(h.register_post_accumulate_grad_hook([](const Tensor&) {}),
                      Catch::StartsWith("register_post_accumulate_grad_hook: expected a leaf that requires grad"));
}

TEST_CASE("queue_callback runs once the pass has delivered every gradient, outside a pass it throws") {
  Tensor x = tensor({1, 2}, {2}, kFloat64).requires_grad_();
  Tensor w = tensor({3, 4}, {2}, kFloat64).requires_grad_();
  std::vector<std::string> events;
  w.register_post_accumulate_grad_hook([&](const Tensor&) {
    events.push_back("w");
    autograd::queue_callback([&] { events.push_back(x.grad().defined() ? "callback after x" : "callback before x"); });
  });
  x.register_post_accumulate_grad_hook([&](const Tensor&) { events.push_back("x"); });
  ((x * 2.0) * w).sum().backward();
  REQUIRE(events == std::vector<std::string>{"w", "x", "callback after x"});
  REQUIRE_THROWS_WITH(autograd::queue_callback([] {}),
                      "queue_callback: no backward pass is running on this thread (call it from a hook)");
}
