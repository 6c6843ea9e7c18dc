// Every optimizer against PyTorch 1.13's trajectories (tests/golden/optim.txt, written by
// tools/golden_optim.py): 40 steps on a small tanh network, each option that changes the update
// at a non-default value, in float64. After every step each parameter must agree to
// max|got − want| / max(max|want|, 1e-12) < 1e-10 (L-BFGS: 1e-7). Damped Newton, which torch.optim
// lacks, follows its own rule written out with torch's Hessian (tests/golden/optim_newton.txt).
// Set DESCENT_GOLDEN_REPORT=1 to print the worst error of every case.
#include <cstdlib>
#include <iostream>
#include <set>

#include "problem.h"

using namespace descent;
using namespace descent::optim;
using Params = std::vector<Tensor>;

namespace {

struct Setup {
  std::function<std::unique_ptr<Optimizer>(const Params&)> make;
  double sign = 1;  // -1: the closure returns −loss and the optimizer maximizes
  std::function<std::unique_ptr<LRScheduler>(Optimizer&)> schedule;
  std::function<void(const Params&)> clip;  // applied in the closure after backward
};

template <class O, class Options> Setup opt(Options options, double sign = 1) {
  return {[options](const Params& p) { return std::make_unique<O>(p, options); }, sign, nullptr, nullptr};
}

const std::map<std::string, Setup>& setups() {
  static const std::map<std::string, Setup> table = [] {
    std::map<std::string, Setup> t;
    t["sgd"] = opt<SGD>(SGDOptions(0.1));
    t["sgd_momentum"] = opt<SGD>(SGDOptions(0.05).momentum(0.9));
    t["sgd_dampening_wd"] = opt<SGD>(SGDOptions(0.05).momentum(0.8).dampening(0.3).weight_decay(0.05));
    t["sgd_nesterov"] = opt<SGD>(SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(0.01));
    t["sgd_maximize"] = opt<SGD>(SGDOptions(0.05).momentum(0.5).maximize(true), -1);
    t["adagrad"] = opt<Adagrad>(AdagradOptions(0.1));
    t["adagrad_options"] = opt<Adagrad>(
        AdagradOptions(0.2).lr_decay(0.05).weight_decay(0.02).initial_accumulator_value(0.3).eps(1e-6));
    t["adagrad_maximize"] = opt<Adagrad>(AdagradOptions(0.1).maximize(true), -1);
    t["rmsprop"] = opt<RMSprop>(RMSpropOptions(0.01));
    t["rmsprop_centered_momentum"] = opt<RMSprop>(
        RMSpropOptions(0.005).alpha(0.9).eps(1e-5).weight_decay(0.03).momentum(0.7).centered(true));
    t["rmsprop_momentum_maximize"] = opt<RMSprop>(RMSpropOptions(0.003).momentum(0.5).maximize(true), -1);
    t["adadelta"] = opt<Adadelta>(AdadeltaOptions());
    t["adadelta_options"] = opt<Adadelta>(AdadeltaOptions(0.5).rho(0.8).eps(1e-4).weight_decay(0.1));
    t["adadelta_maximize"] = opt<Adadelta>(AdadeltaOptions(2.0).maximize(true), -1);
    t["adam"] = opt<Adam>(AdamOptions(0.02));
    t["adam_options"] = opt<Adam>(AdamOptions(0.03).betas({0.8, 0.95}).eps(1e-6).weight_decay(0.05));
    t["adam_amsgrad"] = opt<Adam>(AdamOptions(0.05).betas({0.5, 0.9}).amsgrad(true));
    t["adam_maximize"] = opt<Adam>(AdamOptions(0.02).maximize(true), -1);
    t["adamw"] = opt<AdamW>(AdamWOptions(0.02));
    t["adamw_options"] =
        opt<AdamW>(AdamWOptions(0.03).betas({0.85, 0.98}).eps(1e-7).weight_decay(0.3).amsgrad(true));
    t["adamw_maximize"] = opt<AdamW>(AdamWOptions(0.02).weight_decay(0.1).maximize(true), -1);
    t["nadam"] = opt<NAdam>(NAdamOptions(0.02));
    t["nadam_options"] =
        opt<NAdam>(NAdamOptions(0.03).betas({0.8, 0.99}).eps(1e-6).weight_decay(0.05).momentum_decay(0.05));
    t["adamax"] = opt<Adamax>(AdamaxOptions(0.05));
    t["adamax_options"] = opt<Adamax>(AdamaxOptions(0.04).betas({0.7, 0.9}).eps(1e-5).weight_decay(0.1));
    t["adamax_maximize"] = opt<Adamax>(AdamaxOptions(0.05).maximize(true), -1);
    t["lbfgs"] = opt<LBFGS>(LBFGSOptions(0.5).max_iter(2).history_size(4));
    t["lbfgs_strong_wolfe"] =
        opt<LBFGS>(LBFGSOptions(1).max_iter(2).history_size(3).line_search_fn("strong_wolfe"));
    t["lbfgs_tolerances"] = opt<LBFGS>(LBFGSOptions(1).max_iter(3).max_eval(4).tolerance_grad(1e-2)
                                           .tolerance_change(1e-3).history_size(3).line_search_fn("strong_wolfe"));
    t["lbfgs_max_eval"] = opt<LBFGS>(LBFGSOptions(1).max_iter(2).max_eval(3).tolerance_grad(1e-4)
                                         .tolerance_change(1e-6).history_size(3).line_search_fn("strong_wolfe"));
    t["adam_param_groups"].make = [](const Params& p) {
      auto adam = std::make_unique<Adam>(Params{p[0], p[1]}, AdamOptions(0.02));
      adam->add_param_group({p[2], p[3]}, AdamOptions(0.005).betas({0.7, 0.9}).weight_decay(0.1).amsgrad(true));
      return adam;
    };
    t["sgd_momentum_steplr"] = opt<SGD>(SGDOptions(0.1).momentum(0.9));
    t["sgd_momentum_steplr"].schedule = [](Optimizer& o) { return std::make_unique<StepLR>(o, 10, 0.5); };
    t["sgd_cycliclr"] = opt<SGD>(SGDOptions(0.1).momentum(0.9));
    t["sgd_cycliclr"].schedule = [](Optimizer& o) {
      return std::make_unique<CyclicLR>(o, 0.01, 0.1, 6, std::nullopt, "triangular2");
    };
    t["adam_onecycle"] = opt<Adam>(AdamOptions(0.01));
    t["adam_onecycle"].schedule = [](Optimizer& o) { return std::make_unique<OneCycleLR>(o, 0.05, 40); };
    t["rmsprop_onecycle"] = opt<RMSprop>(RMSpropOptions(0.01).momentum(0.5));
    t["rmsprop_onecycle"].schedule = [](Optimizer& o) {
      return std::make_unique<OneCycleLR>(o, 0.02, 40, 0.3, "linear");
    };
    t["sgd_clip_norm"] = opt<SGD>(SGDOptions(0.2).momentum(0.5));
    t["sgd_clip_norm"].clip = [](const Params& p) { nn::utils::clip_grad_norm_(p, 0.05); };
    t["adam_clip_value"] = opt<Adam>(AdamOptions(0.02));
    t["adam_clip_value"].clip = [](const Params& p) { nn::utils::clip_grad_value_(p, 0.02); };
    return t;
  }();
  return table;
}

bool is_lbfgs(const std::string& name) { return name.rfind("lbfgs", 0) == 0; }

std::string grad_name(int i) {  // "g0", "g1", ... (built with += : GCC 12 warns wrongly on "g" + string)
  std::string name = "g";
  name += std::to_string(i);
  return name;
}

}  // namespace

TEST_CASE("every optimizer follows PyTorch's trajectory for 40 steps in float64") {
  auto cases = test::load_golden("optim.txt");
  const test::TanhNet net(cases.at("problem"));
  const int64_t steps = int64_t(cases.at("problem").scalars.at("steps"));
  REQUIRE(steps >= 30);
  REQUIRE(cases.size() == setups().size() + 1);  // every golden case has a setup here, and back
  const bool report = std::getenv("DESCENT_GOLDEN_REPORT") != nullptr;

  for (const auto& [name, golden] : cases) {
    if (name == "problem") continue;
    INFO("case " << name);
    REQUIRE(setups().count(name) == 1);
    const Setup& setup = setups().at(name);
    Params params = net.fresh_params();
    std::unique_ptr<Optimizer> opt = setup.make(params);
    std::unique_ptr<LRScheduler> sched = setup.schedule ? setup.schedule(*opt) : nullptr;
    auto closure = [&] {
      opt->zero_grad();
      Tensor loss = net.loss(params) * setup.sign;
      loss.backward();
      if (setup.clip) setup.clip(params);
      return loss;
    };
    const double tolerance = is_lbfgs(name) ? 1e-7 : 1e-10;
    double worst = 0, worst_lr = 0, worst_loss = 0;
    const std::vector<double> want_loss = golden["loss"].to_vector<double>();
    const std::vector<double> want_lr = golden["lr"].to_vector<double>();
    const std::vector<double> want_momentum = golden["momentum"].to_vector<double>();
    for (int64_t step = 0; step < steps; ++step) {
      INFO("step " << step + 1);
      const ParamGroup& group = opt->param_groups()[0];
      worst_lr = std::max(worst_lr, std::abs(group.lr() - want_lr[size_t(step)]) / want_lr[size_t(step)]);
      if (group.has_momentum()) REQUIRE(group.momentum() == Approx(want_momentum[size_t(step)]).epsilon(1e-12));
      Tensor loss = opt->step(closure);
      worst_loss = std::max(worst_loss, std::abs(loss.item<double>() - want_loss[size_t(step)]) /
                                            std::max(std::abs(want_loss[size_t(step)]), 1e-12));
      if (sched) sched->step();
      for (size_t k = 0; k < params.size(); ++k) {
        const Tensor want = golden[test::TanhNet::names[k]].select(0, step);
        const double err = test::relative_error(params[k], want);
        INFO(test::TanhNet::names[k] << "\n" << test::mismatch_report(params[k], want, 0, tolerance));
        REQUIRE(err < tolerance);
        worst = std::max(worst, err);
      }
    }
    CHECK(worst_lr < 1e-12);
    CHECK(worst_loss < tolerance);
    if (is_lbfgs(name)) {
      const auto& lbfgs = dynamic_cast<const LBFGS&>(*opt);
      CHECK(lbfgs.func_evals() == int64_t(golden.scalars.at("func_evals")));
      CHECK(lbfgs.n_iter() == int64_t(golden.scalars.at("n_iter")));
    }
    if (report) std::cout << "golden optim " << name << ": worst relative error " << worst << "\n";
  }
}

TEST_CASE("clip_grad_norm_ and clip_grad_value_ match PyTorch on fixed gradients") {
  auto cases = test::load_golden("optim_clip.txt");
  const auto& grads = cases.at("grads");
  const std::map<std::string, std::function<double(const Params&)>> clips = {
      {"norm_l2", [](const Params& p) { return nn::utils::clip_grad_norm_(p, 2.0); }},
      {"norm_l1", [](const Params& p) { return nn::utils::clip_grad_norm_(p, 3.0, 1.0); }},
      {"norm_inf", [](const Params& p) { return nn::utils::clip_grad_norm_(p, 1.5, nn::utils::kInfNorm); }},
      {"norm_p3", [](const Params& p) { return nn::utils::clip_grad_norm_(p, 1.0, 3.0); }},
      {"norm_large", [](const Params& p) { return nn::utils::clip_grad_norm_(p, 100.0); }},
      {"value", [](const Params& p) { nn::utils::clip_grad_value_(p, 0.5); return -1.0; }},
  };
  REQUIRE(cases.size() == clips.size() + 1);
  for (const auto& [name, clip] : clips) {
    INFO("case " << name);
    const auto& golden = cases.at(name);
    Params params;
    for (int i = 0; i < 3; ++i) {
      const Tensor& g = grads[grad_name(i)];
      Tensor p = zeros_like(g).requires_grad_();
      p.mutable_grad() = g.clone();
      params.push_back(p);
    }
    const double total = clip(params);
    if (golden.scalars.count("total_norm")) {
      const double want = golden.scalars.at("total_norm");
      CHECK(std::abs(total - want) / want < 1e-12);
    }
    for (int i = 0; i < 3; ++i) {
      const Tensor& want = golden[grad_name(i)];
      INFO(test::mismatch_report(params[size_t(i)].grad(), want, 0, 1e-12));
      CHECK(test::relative_error(params[size_t(i)].grad(), want) < 1e-12);
    }
  }
}

TEST_CASE("batch, stochastic and mini-batch gradient descent are one SGD fed different batches") {
  auto cases = test::load_golden("optim_variants.txt");
  const auto& data = cases.at("data");
  const Tensor& X = data["X"];
  const Tensor& y = data["y"];
  for (const char* name : {"stochastic", "batch", "minibatch"}) {
    INFO("variant " << name);
    const auto& golden = cases.at(name);
    const Tensor order = golden["order"];  // [steps, batch size] sample indices, as torch drew them
    const int64_t steps = order.size(0), batch = order.size(1);
    REQUIRE(steps >= 30);
    REQUIRE(batch == int64_t(golden.scalars.at("batch_size")));
    Tensor w = data["w"].clone().requires_grad_(), b = data["b"].clone().requires_grad_();
    SGD sgd({w, b}, SGDOptions(0.05).momentum(0.5));  // the same optimizer for all three
    double worst = 0;
    for (int64_t step = 0; step < steps; ++step) {
      const Tensor idx = order.select(0, step).to(kInt64);
      sgd.zero_grad();
      Tensor loss = mean(pow(matmul(X.index_select(0, idx), w) + b - y.index_select(0, idx), 2.0));
      loss.backward();
      sgd.step();
      INFO("step " << step + 1);
      CHECK(loss.item<double>() == Approx(golden["loss"].to_vector<double>()[size_t(step)]).epsilon(1e-10));
      worst = std::max({worst, test::relative_error(w, golden["w"].select(0, step)),
                        test::relative_error(b, golden["b"].select(0, step))});
    }
    CHECK(worst < 1e-10);
    if (std::getenv("DESCENT_GOLDEN_REPORT")) std::cout << "golden variants " << name << ": " << worst << "\n";
  }
}

TEST_CASE("damped Newton follows the reference trajectory for 40 steps in float64") {
  // tests/golden/optim_newton.txt: newton.cpp's rule written out with torch's Hessian and
  // Cholesky solve, on the tanh network of optim.txt. lr = 0.5 and damping = 0.1 make every
  // branch count: λ raised because H + λI is indefinite, a step undone because it raised the
  // loss, and steps at the given damping.
  const test::TanhNet net(test::load_golden("optim.txt").at("problem"));
  const auto cases = test::load_golden("optim_newton.txt");
  REQUIRE(cases.size() == 1);
  const test::GoldenCase& golden = cases.at("newton_damped");
  Params params = net.fresh_params();
  Newton newton(params, NewtonOptions(golden.scalars.at("lr")).damping(golden.scalars.at("damping")));
  auto closure = [&] { return net.loss(params); };  // Newton differentiates the loss itself
  const std::vector<double> want_loss = golden["loss"].to_vector<double>();
  const std::vector<double> want_damping = golden["damping"].to_vector<double>();
  const int64_t steps = int64_t(want_loss.size());
  REQUIRE(steps >= 30);
  std::set<double> dampings;
  double worst = 0;
  for (int64_t step = 0; step < steps; ++step) {
    INFO("step " << step + 1);
    const double loss = newton.step(closure).item<double>();
    CHECK(std::abs(loss - want_loss[size_t(step)]) / std::abs(want_loss[size_t(step)]) < 1e-10);
    REQUIRE(newton.last_damping() == want_damping[size_t(step)]);
    dampings.insert(newton.last_damping());
    for (size_t k = 0; k < params.size(); ++k) {
      const Tensor want = golden[test::TanhNet::names[k]].select(0, step);
      INFO(test::TanhNet::names[k] << "\n" << test::mismatch_report(params[k], want, 0, 1e-10));
      REQUIRE(test::relative_error(params[k], want) < 1e-10);
      worst = std::max(worst, test::relative_error(params[k], want));
    }
  }
  CHECK(dampings == std::set<double>{0.1, 1.0, 10.0});  // the trajectory exercises the damping rule
  if (std::getenv("DESCENT_GOLDEN_REPORT")) std::cout << "golden newton: worst relative error " << worst << "\n";
}
