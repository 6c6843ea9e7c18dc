// The Optimizer base and its options: validation messages, zero_grad, step(closure), param
// groups, lazily created state, and the fused update loops on large tensors and on float32.
#include <cmath>

#include "problem.h"

using namespace descent;
using namespace descent::optim;
using Params = std::vector<Tensor>;

namespace {

Tensor param(const Shape& shape) { return randn(shape, kFloat64).requires_grad_(); }

#define REQUIRE_INVALID(expr, message) \
  REQUIRE_THROWS_MATCHES(expr, std::invalid_argument, Catch::Message(message))

}  // namespace

TEST_CASE("invalid options raise std::invalid_argument naming the option and the value") {
  Params p = {param({3})};
  SECTION("SGD") {
    REQUIRE_INVALID(SGD(p, SGDOptions(-0.1)), "SGD: lr must be >= 0, got -0.1");
    REQUIRE_INVALID(SGD(p, SGDOptions(NAN)), "SGD: lr must be >= 0, got nan");
    REQUIRE_INVALID(SGD(p, SGDOptions(0.1).momentum(-0.9)), "SGD: momentum must be >= 0, got -0.9");
    REQUIRE_INVALID(SGD(p, SGDOptions(0.1).weight_decay(-1)), "SGD: weight_decay must be >= 0, got -1");
    REQUIRE_INVALID(SGD(p, SGDOptions(0.1).nesterov(true)), "SGD: nesterov needs momentum > 0, got momentum 0");
    REQUIRE_INVALID(SGD(p, SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)),
                    "SGD: nesterov needs dampening = 0, got dampening 0.1");
  }
  SECTION("Adagrad") {
    REQUIRE_INVALID(Adagrad(p, AdagradOptions(-0.1)), "Adagrad: lr must be >= 0, got -0.1");
    REQUIRE_INVALID(Adagrad(p, AdagradOptions(0.1).lr_decay(-1)), "Adagrad: lr_decay must be >= 0, got -1");
    REQUIRE_INVALID(Adagrad(p, AdagradOptions(0.1).weight_decay(-0.5)), "Adagrad: weight_decay must be >= 0, got -0.5");
    REQUIRE_INVALID(Adagrad(p, AdagradOptions(0.1).initial_accumulator_value(-0.5)),
                    "Adagrad: initial_accumulator_value must be >= 0, got -0.5");
    REQUIRE_INVALID(Adagrad(p, AdagradOptions(0.1).eps(-1e-10)), "Adagrad: eps must be >= 0, got -1e-10");
  }
  SECTION("RMSprop") {
    REQUIRE_INVALID(RMSprop(p, RMSpropOptions(-1)), "RMSprop: lr must be >= 0, got -1");
    REQUIRE_INVALID(RMSprop(p, RMSpropOptions(0.1).alpha(-0.5)), "RMSprop: alpha must be in [0, 1], got -0.5");
    // α > 1 would give the mean square a negative weight (1 − α) on g², and √ of a negative.
    REQUIRE_INVALID(RMSprop(p, RMSpropOptions(0.1).alpha(1.5)), "RMSprop: alpha must be in [0, 1], got 1.5");
    REQUIRE_INVALID(RMSprop(p, RMSpropOptions(0.1).eps(-1)), "RMSprop: eps must be >= 0, got -1");
    REQUIRE_INVALID(RMSprop(p, RMSpropOptions(0.1).momentum(-0.5)), "RMSprop: momentum must be >= 0, got -0.5");
    REQUIRE_INVALID(RMSprop(p, RMSpropOptions(0.1).weight_decay(-0.1)), "RMSprop: weight_decay must be >= 0, got -0.1");
  }
  SECTION("Adadelta") {
    REQUIRE_INVALID(Adadelta(p, AdadeltaOptions(-1)), "Adadelta: lr must be >= 0, got -1");
    REQUIRE_INVALID(Adadelta(p, AdadeltaOptions().rho(1.5)), "Adadelta: rho must be in [0, 1], got 1.5");
    REQUIRE_INVALID(Adadelta(p, AdadeltaOptions().rho(-0.1)), "Adadelta: rho must be in [0, 1], got -0.1");
    REQUIRE_INVALID(Adadelta(p, AdadeltaOptions().eps(-1e-6)), "Adadelta: eps must be >= 0, got -1e-06");
    REQUIRE_INVALID(Adadelta(p, AdadeltaOptions().weight_decay(-1)), "Adadelta: weight_decay must be >= 0, got -1");
  }
  SECTION("Adam") {
    REQUIRE_INVALID(Adam(p, AdamOptions(-0.01)), "Adam: lr must be >= 0, got -0.01");
    REQUIRE_INVALID(Adam(p, AdamOptions(0.1).betas({1.0, 0.999})), "Adam: betas[0] must be in [0, 1), got 1");
    REQUIRE_INVALID(Adam(p, AdamOptions(0.1).betas({0.9, -0.1})), "Adam: betas[1] must be in [0, 1), got -0.1");
    REQUIRE_INVALID(Adam(p, AdamOptions(0.1).eps(-1e-8)), "Adam: eps must be >= 0, got -1e-08");
    REQUIRE_INVALID(Adam(p, AdamOptions(0.1).weight_decay(-0.01)), "Adam: weight_decay must be >= 0, got -0.01");
  }
  SECTION("AdamW") {
    REQUIRE_INVALID(AdamW(p, AdamWOptions(-0.001)), "AdamW: lr must be >= 0, got -0.001");
    REQUIRE_INVALID(AdamW(p, AdamWOptions().betas({-0.9, 0.999})), "AdamW: betas[0] must be in [0, 1), got -0.9");
    REQUIRE_INVALID(AdamW(p, AdamWOptions().betas({0.9, 1.0})), "AdamW: betas[1] must be in [0, 1), got 1");
    REQUIRE_INVALID(AdamW(p, AdamWOptions().eps(-1)), "AdamW: eps must be >= 0, got -1");
    REQUIRE_INVALID(AdamW(p, AdamWOptions().weight_decay(-0.01)), "AdamW: weight_decay must be >= 0, got -0.01");
  }
  SECTION("NAdam") {
    REQUIRE_INVALID(NAdam(p, NAdamOptions(-0.002)), "NAdam: lr must be >= 0, got -0.002");
    REQUIRE_INVALID(NAdam(p, NAdamOptions().betas({-0.5, 0.9})), "NAdam: betas[0] must be in [0, 1), got -0.5");
    REQUIRE_INVALID(NAdam(p, NAdamOptions().betas({0.9, 1.5})), "NAdam: betas[1] must be in [0, 1), got 1.5");
    REQUIRE_INVALID(NAdam(p, NAdamOptions().eps(-1)), "NAdam: eps must be >= 0, got -1");
    REQUIRE_INVALID(NAdam(p, NAdamOptions().weight_decay(-1)), "NAdam: weight_decay must be >= 0, got -1");
    REQUIRE_INVALID(NAdam(p, NAdamOptions().momentum_decay(-1)), "NAdam: momentum_decay must be >= 0, got -1");
  }
  SECTION("Adamax") {
    REQUIRE_INVALID(Adamax(p, AdamaxOptions(-0.002)), "Adamax: lr must be >= 0, got -0.002");
    REQUIRE_INVALID(Adamax(p, AdamaxOptions().betas({1.0, 0.9})), "Adamax: betas[0] must be in [0, 1), got 1");
    REQUIRE_INVALID(Adamax(p, AdamaxOptions().betas({0.9, 2.0})), "Adamax: betas[1] must be in [0, 1), got 2");
    REQUIRE_INVALID(Adamax(p, AdamaxOptions().eps(-1)), "Adamax: eps must be >= 0, got -1");
    REQUIRE_INVALID(Adamax(p, AdamaxOptions().weight_decay(-0.5)), "Adamax: weight_decay must be >= 0, got -0.5");
  }
  SECTION("LBFGS") {
    REQUIRE_INVALID(LBFGS(p, LBFGSOptions(-1)), "LBFGS: lr must be >= 0, got -1");
    REQUIRE_INVALID(LBFGS(p, LBFGSOptions().max_iter(0)), "LBFGS: max_iter must be >= 1, got 0");
    REQUIRE_INVALID(LBFGS(p, LBFGSOptions().max_eval(0)), "LBFGS: max_eval must be >= 1, got 0");
    REQUIRE_INVALID(LBFGS(p, LBFGSOptions().history_size(0)), "LBFGS: history_size must be >= 1, got 0");
    REQUIRE_INVALID(LBFGS(p, LBFGSOptions().tolerance_grad(-1)), "LBFGS: tolerance_grad must be >= 0, got -1");
    REQUIRE_INVALID(LBFGS(p, LBFGSOptions().tolerance_change(-1)), "LBFGS: tolerance_change must be >= 0, got -1");
    REQUIRE_INVALID(LBFGS(p, LBFGSOptions().line_search_fn("armijo")),
                    "LBFGS: line_search_fn must be \"strong_wolfe\" or unset, got \"armijo\"");
  }
  SECTION("Newton") {
    REQUIRE_INVALID(Newton(p, NewtonOptions(-0.5)), "Newton: lr must be >= 0, got -0.5");
    REQUIRE_INVALID(Newton(p, NewtonOptions(1).damping(-1)), "Newton: damping must be >= 0, got -1");
  }
}

TEST_CASE("parameter groups are checked like the constructor's options, and must hold usable tensors") {
  Params p = {param({3})};
  SGD sgd(p, SGDOptions(0.1));
  REQUIRE_INVALID(sgd.add_param_group({param({2})}, SGDOptions(0.1).momentum(-1)), "SGD: momentum must be >= 0, got -1");
  REQUIRE_INVALID(sgd.add_param_group({param({2})}, AdamOptions(0.1)), "SGD: a parameter group needs SGDOptions");
  REQUIRE_INVALID(sgd.add_param_group({p[0]}), "SGD: parameter 0 appears in more than one parameter group");
  REQUIRE_INVALID(SGD({}, SGDOptions(0.1)), "SGD: got an empty parameter list");
  REQUIRE_THROWS_WITH(SGD({p[0] * 2.0}, SGDOptions(0.1)), Catch::Contains("can't optimize a non-leaf tensor"));
  REQUIRE_THROWS_WITH(SGD({arange(3)}, SGDOptions(0.1)), Catch::Contains("must be float32 or float64"));
}

TEST_CASE("L-BFGS and Newton refuse a step without a closure, and a second parameter group") {
  Params p = {param({3})};
  LBFGS lbfgs(p);
  REQUIRE_THROWS_AS(lbfgs.step(), std::invalid_argument);
  REQUIRE_THROWS_WITH(lbfgs.step(), Catch::Contains("LBFGS: step needs a closure"));
  Newton newton(p);
  REQUIRE_THROWS_AS(newton.step(), std::invalid_argument);
  REQUIRE_THROWS_WITH(newton.step(), Catch::Contains("Newton: step needs a closure"));
  REQUIRE_THROWS_WITH(lbfgs.add_param_group({param({2})}), Catch::Contains("LBFGS: supports one parameter group only"));
  REQUIRE_THROWS_WITH(newton.add_param_group({param({2})}), Catch::Contains("Newton: supports one parameter group only"));
}

TEST_CASE("zero_grad drops gradients by default and zeroes them on request") {
  Tensor w = param({3});
  SGD sgd({w}, SGDOptions(0.1));
  sum(w * w).backward();
  REQUIRE(w.grad().defined());
  sgd.zero_grad();
  CHECK_FALSE(w.grad().defined());
  sum(w * w).backward();
  Tensor old_grad = w.grad();
  sgd.zero_grad(/*set_to_none=*/false);
  REQUIRE(w.grad().defined());
  CHECK(w.grad().to_vector<double>() == std::vector<double>{0, 0, 0});
  CHECK(old_grad.to_vector<double>() == std::vector<double>{0, 0, 0});  // zeroed in place, as torch
}

TEST_CASE("step(closure) runs the closure with grad mode on and returns its loss, step() returns none") {
  Tensor w = tensor({1.0, -2.0}, {2}, kFloat64).requires_grad_();
  SGD sgd({w}, SGDOptions(0.25));
  NoGradGuard outside;  // step must turn grad mode back on for the closure
  Tensor loss = sgd.step([&] {
    sgd.zero_grad();
    Tensor l = sum(w * w);
    l.backward();
    return l;
  });
  CHECK(loss.item<double>() == 5.0);
  CHECK(w.to_vector<double>() == std::vector<double>{0.5, -1.0});  // w − 0.25·2w
  CHECK_FALSE(sgd.step().defined());
}

TEST_CASE("parameters without a gradient are skipped and get no state") {
  Tensor a = tensor({1.0}, {1}, kFloat64).requires_grad_(), b = tensor({1.0}, {1}, kFloat64).requires_grad_();
  Adam adam({a, b}, AdamOptions(0.1));
  sum(a * 3.0).backward();
  adam.step();
  CHECK(a.item<double>() == Approx(0.9));
  CHECK(b.item<double>() == 1.0);
  serialize::OutputArchive out;
  adam.save(out);  // only a has state: its entries exist, b's do not (checked through a reload)
  const std::string path = test::temp_path("skip");
  out.save_to(path);
  serialize::InputArchive in;
  in.load_from(path);
  CHECK(in.contains("state.0.0.exp_avg"));
  CHECK_FALSE(in.contains("state.0.1.step"));
  std::remove(path.c_str());
}

TEST_CASE("param groups carry their own options, and lr can be read and set") {
  Tensor a = tensor({1.0}, {1}, kFloat64).requires_grad_(), b = tensor({1.0}, {1}, kFloat64).requires_grad_();
  SGD sgd({a}, SGDOptions(0.1));
  sgd.add_param_group({b}, SGDOptions(0.01).momentum(0.5));
  REQUIRE(sgd.param_groups().size() == 2);
  CHECK(sgd.param_groups()[1].lr() == 0.01);
  CHECK(sgd.param_groups()[1].momentum() == 0.5);
  sgd.param_groups()[0].set_lr(0.5);
  sum(a + b).backward();  // both gradients are 1
  sgd.step();
  CHECK(a.item<double>() == 0.5);
  CHECK(b.item<double>() == Approx(0.99));
  const auto& options = static_cast<const SGDOptions&>(sgd.param_groups()[0].options());
  CHECK(options.lr() == 0.5);
  CHECK(static_cast<const SGDOptions&>(sgd.defaults()).lr() == 0.1);  // the defaults stay as built
}

TEST_CASE("SGD's first momentum step is undampened, later ones are") {
  Tensor w = tensor({0.0}, {1}, kFloat64).requires_grad_();
  SGD sgd({w}, SGDOptions(1.0).momentum(0.5).dampening(0.5));
  for (int i = 0; i < 2; ++i) {
    sgd.zero_grad();
    sum(w * 1.0).backward();  // gradient 1
    sgd.step();
  }
  // b1 = 1 (no dampening), b2 = 0.5·1 + 0.5·1 = 1: w = −1 − 1.
  CHECK(w.item<double>() == -2.0);
}

TEST_CASE("updates of large parameters are the same on 1 and 2 threads and match the formula") {
  // 100k elements: parallel_for splits the fused pass into several chunks.
  manual_seed(11);
  const Tensor init = randn({100000}, kFloat64), grad = randn({100000}, kFloat64);
  auto run = [&](int threads) {
    set_num_threads(threads);
    Tensor w = init.clone().requires_grad_();
    Adam adam({w}, AdamOptions(0.01).weight_decay(0.1).amsgrad(true));
    for (int i = 0; i < 3; ++i) {
      w.mutable_grad() = grad * double(i + 1);
      adam.step();
    }
    return w;
  };
  const int threads = get_num_threads();
  Tensor one = run(1), two = run(2);
  set_num_threads(threads);
  CHECK(one.to_vector<double>() == two.to_vector<double>());
  // The same three steps written with tensor ops, as in torch's single-tensor Adam.
  Tensor w = init.clone(), m = zeros_like(w), v = zeros_like(w), v_max = zeros_like(w);
  for (int t = 1; t <= 3; ++t) {
    Tensor g = grad * double(t) + 0.1 * w;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    v_max = maximum(v_max, v);
    Tensor denom = sqrt(v_max) / std::sqrt(1 - std::pow(0.999, t)) + 1e-8;
    w = w - (0.01 / (1 - std::pow(0.9, t))) * (m / denom);
  }
  CHECK(test::relative_error(one, w) < 1e-12);
}

TEST_CASE("float32 parameters are updated in float32 and follow the float64 trajectory") {
  manual_seed(12);
  const Tensor init = randn({64}, kFloat64), target = randn({64}, kFloat64);
  Tensor w64 = init.clone().requires_grad_(), w32 = init.to(kFloat32).requires_grad_();
  NAdam a64({w64}, NAdamOptions(0.01)), a32({w32}, NAdamOptions(0.01));
  for (int i = 0; i < 20; ++i) {
    for (auto [w, opt, t] : {std::tuple{w64, &a64, target}, std::tuple{w32, &a32, target.to(kFloat32)}}) {
      opt->zero_grad();
      sum(pow(w - t, 2.0)).backward();
      opt->step();
    }
  }
  REQUIRE(w32.dtype() == kFloat32);
  CHECK(test::relative_error(w32, w64) < 1e-5);
}

TEST_CASE("a scheduler attached to a fresh optimizer sets the lr of step 0 and keeps initial_lr") {
  Tensor w = param({2});
  SGD sgd({w}, SGDOptions(1.0));
  LinearLR warmup(sgd, 0.25, 1.0, 4);
  CHECK(sgd.param_groups()[0].lr() == 0.25);
  CHECK(sgd.param_groups()[0].initial_lr() == 1.0);
  // A second schedule built on the same optimizer starts from initial_lr, not from 0.25.
  ExponentialLR decay(sgd, 0.5);
  CHECK(decay.base_lrs() == std::vector<double>{1.0});
  REQUIRE_THROWS_MATCHES(ReduceLROnPlateau(sgd).step(), std::invalid_argument,
                         Catch::Message("ReduceLROnPlateau: step() needs the watched metric; call step(metric)"));
}
