// Every learning-rate schedule against torch.optim.lr_scheduler's values (tests/golden/sched.txt,
// written by tools/golden_optim.py): the lr of both parameter groups of an SGD after
// construction and after each of 60 steps, and the momentum where a schedule cycles it.
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "helpers.h"

using namespace descent;
using namespace descent::optim;

namespace {

using Make = std::function<std::shared_ptr<LRScheduler>(Optimizer&)>;

const std::map<std::string, Make>& schedules() {
  static const std::map<std::string, Make> table = {
      {"step", [](Optimizer& o) { return std::make_shared<StepLR>(o, 7, 0.5); }},
      {"multistep", [](Optimizer& o) { return std::make_shared<MultiStepLR>(o, std::vector<int64_t>{5, 12, 12, 30}, 0.3); }},
      {"exponential", [](Optimizer& o) { return std::make_shared<ExponentialLR>(o, 0.93); }},
      {"inverse_time", [](Optimizer& o) { return std::make_shared<InverseTimeLR>(o, 0.25); }},
      {"cosine", [](Optimizer& o) { return std::make_shared<CosineAnnealingLR>(o, 20, 0.001); }},
      {"warm_restarts", [](Optimizer& o) { return std::make_shared<CosineAnnealingWarmRestarts>(o, 5, 2, 0.0005); }},
      {"warm_restarts_mult1", [](Optimizer& o) { return std::make_shared<CosineAnnealingWarmRestarts>(o, 7); }},
      {"cyclic_triangular", [](Optimizer& o) { return std::make_shared<CyclicLR>(o, 0.01, 0.1, 5, 8); }},
      {"cyclic_triangular2",
       [](Optimizer& o) {
         return std::make_shared<CyclicLR>(o, 0.02, 0.2, 4, std::nullopt, "triangular2", 1.0, true, 0.7, 0.95);
       }},
      {"cyclic_exp_range",
       [](Optimizer& o) { return std::make_shared<CyclicLR>(o, 0.01, 0.1, 6, std::nullopt, "exp_range", 0.97); }},
      {"cyclic_no_momentum",
       [](Optimizer& o) { return std::make_shared<CyclicLR>(o, 0.005, 0.05, 3, 5, "triangular", 1.0, false); }},
      {"onecycle", [](Optimizer& o) { return std::make_shared<OneCycleLR>(o, 0.5, 60); }},
      {"onecycle_linear_three_phase",
       [](Optimizer& o) {
         return std::make_shared<OneCycleLR>(o, 0.3, 60, 0.25, "linear", true, 0.8, 0.9, 10.0, 100.0, true);
       }},
      {"linear_warmup", [](Optimizer& o) { return std::make_shared<LinearLR>(o, 0.2, 1.0, 8); }},
      {"linear_decay", [](Optimizer& o) { return std::make_shared<LinearLR>(o, 1.0, 0.1, 25); }},
      {"lambda",
       [](Optimizer& o) { return std::make_shared<LambdaLR>(o, [](int64_t t) { return double(t % 10 + 1) / 10; }); }},
      {"sequential",
       [](Optimizer& o) {
         auto warmup = std::make_shared<LinearLR>(o, 0.1, 1.0, 5);
         auto cosine = std::make_shared<CosineAnnealingLR>(o, 30, 0.001);
         return std::make_shared<SequentialLR>(o, std::vector<std::shared_ptr<LRScheduler>>{warmup, cosine},
                                               std::vector<int64_t>{5});
       }},
      {"sequential3",
       [](Optimizer& o) {
         auto warmup = std::make_shared<LinearLR>(o, 0.25, 1.0, 4);
         auto step = std::make_shared<StepLR>(o, 5, 0.5);
         auto exponential = std::make_shared<ExponentialLR>(o, 0.9);
         return std::make_shared<SequentialLR>(
             o, std::vector<std::shared_ptr<LRScheduler>>{warmup, step, exponential}, std::vector<int64_t>{4, 20});
       }},
      {"plateau_min",
       [](Optimizer& o) { return std::make_shared<ReduceLROnPlateau>(o, "min", 0.5, 3, 0.01, "rel", 2, 0.003); }},
      {"plateau_max_abs",
       [](Optimizer& o) { return std::make_shared<ReduceLROnPlateau>(o, "max", 0.3, 2, 1e-3, "abs", 0, 0.004); }},
  };
  return table;
}

}  // namespace

TEST_CASE("every schedule gives PyTorch's learning rates and momenta for 60 steps") {
  auto cases = test::load_golden("sched.txt");
  const auto& setup = cases.at("setup");
  const int64_t steps = int64_t(setup.scalars.at("steps"));
  REQUIRE(cases.size() == schedules().size() + 1);
  for (const auto& [name, golden] : cases) {
    if (name == "setup") continue;
    INFO("schedule " << name);
    REQUIRE(schedules().count(name) == 1);
    // Two groups with different base lrs, as the golden run: [p0] at lr0, [p1] at lr1.
    Tensor p0 = zeros({2}, kFloat64).requires_grad_(), p1 = zeros({3}, kFloat64).requires_grad_();
    const double momentum = setup.scalars.at("momentum");
    SGD sgd({p0}, SGDOptions(setup.scalars.at("lr0")).momentum(momentum));
    sgd.add_param_group({p1}, SGDOptions(setup.scalars.at("lr1")).momentum(momentum));
    std::shared_ptr<LRScheduler> sched = schedules().at(name)(sgd);
    auto* plateau = dynamic_cast<ReduceLROnPlateau*>(sched.get());
    const std::vector<double> metrics = plateau ? golden["metrics"].to_vector<double>() : std::vector<double>();

    const Tensor want_lr = golden["lr"], want_momentum = golden["momentum"];  // [steps + 1, 2]
    REQUIRE(want_lr.size(0) == steps + 1);
    std::vector<double> lrs, momenta;
    for (int64_t t = 0; t <= steps; ++t) {
      if (t > 0) {
        if (plateau) plateau->step(metrics[size_t(t - 1)]);
        else sched->step();
        CHECK(sched->get_last_lr() == std::vector<double>{sgd.param_groups()[0].lr(), sgd.param_groups()[1].lr()});
      }
      for (const ParamGroup& group : sgd.param_groups()) lrs.push_back(group.lr()), momenta.push_back(group.momentum());
    }
    const Tensor got_lr = tensor(lrs, {steps + 1, 2}, kFloat64), got_momentum = tensor(momenta, {steps + 1, 2}, kFloat64);
    INFO("lr\n" << test::mismatch_report(got_lr, want_lr, 0, 1e-10));
    CHECK(test::relative_error(got_lr, want_lr) < 1e-10);
    INFO("momentum\n" << test::mismatch_report(got_momentum, want_momentum, 0, 1e-10));
    CHECK(test::relative_error(got_momentum, want_momentum) < 1e-10);
    if (std::getenv("DESCENT_GOLDEN_REPORT"))
      std::cout << "golden schedule " << name << ": lr " << test::relative_error(got_lr, want_lr) << " momentum "
                << test::relative_error(got_momentum, want_momentum) << "\n";
  }
}

TEST_CASE("a schedule's lr_at is its closed formula, independent of how it got there") {
  Tensor p = zeros({2}, kFloat64).requires_grad_();
  SGD sgd({p}, SGDOptions(0.1));
  CosineAnnealingLR cosine(sgd, 10, 0.01);
  for (int i = 0; i < 7; ++i) cosine.step();
  CHECK(cosine.last_epoch() == 7);
  CHECK(sgd.param_groups()[0].lr() == cosine.lr_at(7)[0]);
  CHECK(cosine.lr_at(0)[0] == 0.1);
  CHECK(cosine.lr_at(10)[0] == Approx(0.01).epsilon(1e-15));
  CHECK(cosine.lr_at(5)[0] == Approx(0.055).epsilon(1e-14));  // halfway: the mean of η_max and η_min
}

TEST_CASE("OneCycleLR refuses to step past total_steps") {
  Tensor p = zeros({2}, kFloat64).requires_grad_();
  Adam adam({p}, AdamOptions(0.01));
  OneCycleLR sched(adam, 0.1, 3);
  for (int i = 0; i < 3; ++i) sched.step();
  REQUIRE_THROWS_MATCHES(sched.step(), std::invalid_argument,
                         Catch::Message("OneCycleLR: tried to step 5 times; total_steps is 3"));
}

TEST_CASE("cyclic schedules need a momentum to cycle, or cycle_momentum = false") {
  Tensor p = zeros({2}, kFloat64).requires_grad_();
  Adagrad adagrad({p}, AdagradOptions(0.01));
  REQUIRE_THROWS_WITH(CyclicLR(adagrad, 0.01, 0.1), Catch::Contains("cycle_momentum needs an optimizer with a momentum"));
  CyclicLR sched(adagrad, 0.01, 0.1, 10, std::nullopt, "triangular", 1.0, false);
  sched.step();
  CHECK(adagrad.param_groups()[0].lr() == Approx(0.019));
}
