// Saving and resuming: N steps straight must give bitwise the same parameters as N/2 steps,
// save (parameters, optimizer, schedule), load into freshly built objects, N/2 more steps —
// for every optimizer, each with a schedule attached. Also: load refuses files that do not fit
// and then leaves the optimizer as it was. Two parameter groups of float32 parameters resume
// exactly as well.
#include <cstdio>

#include "problem.h"

using namespace descent;
using namespace descent::optim;
using Params = std::vector<Tensor>;

namespace {

struct Run {
  std::string name;
  std::function<std::unique_ptr<Optimizer>(const Params&)> make;
  std::function<std::unique_ptr<LRScheduler>(Optimizer&)> schedule;
  bool closure_backward = true;  // Newton's closure returns the loss without calling backward
};

std::vector<Run> runs() {
  return {
      {"SGD + StepLR", [](const Params& p) { return std::make_unique<SGD>(p, SGDOptions(0.05).momentum(0.9).nesterov(true)); },
       [](Optimizer& o) { return std::make_unique<StepLR>(o, 3, 0.7); }},
      {"SGD + ReduceLROnPlateau", [](const Params& p) { return std::make_unique<SGD>(p, SGDOptions(0.3).momentum(0.5)); },
       [](Optimizer& o) { return std::make_unique<ReduceLROnPlateau>(o, "min", 0.5, 1, 0.05); }},
      {"Adagrad + ExponentialLR",
       [](const Params& p) { return std::make_unique<Adagrad>(p, AdagradOptions(0.1).lr_decay(0.01).initial_accumulator_value(0.1)); },
       [](Optimizer& o) { return std::make_unique<ExponentialLR>(o, 0.95); }},
      {"RMSprop + CyclicLR",
       [](const Params& p) { return std::make_unique<RMSprop>(p, RMSpropOptions(0.01).momentum(0.5).centered(true)); },
       [](Optimizer& o) { return std::make_unique<CyclicLR>(o, 0.001, 0.01, 4); }},
      {"RMSprop + LinearLR", [](const Params& p) { return std::make_unique<RMSprop>(p, RMSpropOptions(0.01)); },
       [](Optimizer& o) { return std::make_unique<LinearLR>(o, 0.2, 1.0, 15); }},
      {"Adadelta + CosineAnnealingLR",
       [](const Params& p) { return std::make_unique<Adadelta>(p, AdadeltaOptions(1.0).weight_decay(0.01)); },
       [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 8, 0.1); }},
      {"Adam + OneCycleLR", [](const Params& p) { return std::make_unique<Adam>(p, AdamOptions(0.01).amsgrad(true)); },
       [](Optimizer& o) { return std::make_unique<OneCycleLR>(o, 0.05, 20); }},
      {"AdamW + CosineAnnealingWarmRestarts", [](const Params& p) { return std::make_unique<AdamW>(p, AdamWOptions(0.02)); },
       [](Optimizer& o) { return std::make_unique<CosineAnnealingWarmRestarts>(o, 3, 2); }},
      {"NAdam + SequentialLR", [](const Params& p) { return std::make_unique<NAdam>(p, NAdamOptions(0.02)); },
       [](Optimizer& o) {
         auto warmup = std::make_shared<LinearLR>(o, 0.1, 1.0, 4);
         auto decay = std::make_shared<ExponentialLR>(o, 0.9);
         return std::make_unique<SequentialLR>(o, std::vector<std::shared_ptr<LRScheduler>>{warmup, decay},
                                               std::vector<int64_t>{4});
       }},
      {"Adamax + MultiStepLR", [](const Params& p) { return std::make_unique<Adamax>(p, AdamaxOptions(0.05)); },
       [](Optimizer& o) { return std::make_unique<MultiStepLR>(o, std::vector<int64_t>{6, 12}, 0.5); }},
      {"LBFGS + InverseTimeLR",
       [](const Params& p) {
         return std::make_unique<LBFGS>(p, LBFGSOptions(1).max_iter(3).history_size(4).line_search_fn("strong_wolfe"));
       },
       [](Optimizer& o) { return std::make_unique<InverseTimeLR>(o, 0.1); }},
      {"Newton + LambdaLR", [](const Params& p) { return std::make_unique<Newton>(p, NewtonOptions(0.5).damping(0.1)); },
       [](Optimizer& o) { return std::make_unique<LambdaLR>(o, [](int64_t t) { return 1.0 / (1 + t); }); }, false},
  };
}

// Steps `steps` times: each step is a closure step followed by a schedule step.
void train(const test::TanhNet& net, const Run& run, const Params& params, Optimizer& opt, LRScheduler& sched,
           int steps) {
  for (int i = 0; i < steps; ++i) {
    auto closure = [&] {
      opt.zero_grad();
      Tensor loss = net.loss(params);
      if (run.closure_backward) loss.backward();
      return loss;
    };
    Tensor loss = opt.step(closure);
    if (auto* plateau = dynamic_cast<ReduceLROnPlateau*>(&sched)) plateau->step(loss.item<double>());
    else sched.step();
  }
}

// One file holding the parameters, the optimizer and the schedule, as a training loop would
// checkpoint them; and reading it back into freshly built objects.
void save_state(const std::string& path, const Params& params, const Optimizer& opt, const LRScheduler& sched) {
  serialize::OutputArchive out;
  for (size_t k = 0; k < params.size(); ++k) out.write("param." + std::to_string(k), params[k]);
  opt.save(out, "optimizer.");
  sched.save(out, "scheduler.");
  out.save_to(path);
}
void load_state(const std::string& path, Params& params, Optimizer& opt, LRScheduler& sched) {
  serialize::InputArchive in;
  in.load_from(path);
  NoGradGuard no_grad;
  for (size_t k = 0; k < params.size(); ++k) params[k].copy_(in.read_tensor("param." + std::to_string(k)));
  opt.load(in, "optimizer.");
  sched.load(in, "scheduler.");
}

}  // namespace

TEST_CASE("training N steps equals N/2 steps, save, load into fresh objects, N/2 steps, bitwise") {
  const test::TanhNet net(test::load_golden("optim.txt").at("problem"));
  constexpr int N = 20;
  for (const Run& run : runs()) {
    INFO(run.name);
    // Straight through.
    Params straight = net.fresh_params();
    auto opt1 = run.make(straight);
    auto sched1 = run.schedule(*opt1);
    train(net, run, straight, *opt1, *sched1, N);

    // Half, then save parameters, optimizer and schedule into one file.
    Params first = net.fresh_params();
    auto opt2 = run.make(first);
    auto sched2 = run.schedule(*opt2);
    train(net, run, first, *opt2, *sched2, N / 2);
    const std::string path = test::temp_path("resume");
    save_state(path, first, *opt2, *sched2);
    REQUIRE_FALSE(test::bitwise_equal(first, straight));  // halfway is not the end

    // Fresh objects, built exactly as before, then loaded.
    Params resumed = net.fresh_params();
    auto opt3 = run.make(resumed);
    auto sched3 = run.schedule(*opt3);
    load_state(path, resumed, *opt3, *sched3);
    std::remove(path.c_str());
    CHECK(sched3->last_epoch() == sched2->last_epoch());
    CHECK(sched3->get_last_lr() == sched2->get_last_lr());
    CHECK(opt3->param_groups()[0].lr() == opt2->param_groups()[0].lr());
    train(net, run, resumed, *opt3, *sched3, N - N / 2);
    CHECK(test::bitwise_equal(resumed, straight));
    CHECK(sched3->get_last_lr() == sched1->get_last_lr());
  }
}

TEST_CASE("descent::save and descent::load work on optimizers and schedules") {
  const test::TanhNet net(test::load_golden("optim.txt").at("problem"));
  Params params = net.fresh_params();
  Adam adam(params, AdamOptions(0.01));
  StepLR sched(adam, 2, 0.5);
  for (int i = 0; i < 3; ++i) {
    adam.zero_grad();
    net.loss(params).backward();
    adam.step();
    sched.step();
  }
  const std::string opt_path = test::temp_path("adam"), sched_path = test::temp_path("steplr");
  descent::save(adam, opt_path);
  descent::save(sched, sched_path);

  Params other = net.fresh_params();
  Adam adam2(other, AdamOptions(0.01));
  StepLR sched2(adam2, 2, 0.5);
  descent::load(adam2, opt_path);
  descent::load(sched2, sched_path);
  CHECK(adam2.param_groups()[0].lr() == 0.005);
  CHECK(sched2.last_epoch() == 3);
  CHECK(sched2.get_last_lr() == std::vector<double>{0.005});
  std::remove(opt_path.c_str());
  std::remove(sched_path.c_str());
}

TEST_CASE("loading a checkpoint that does not fit throws and leaves the optimizer unchanged") {
  const test::TanhNet net(test::load_golden("optim.txt").at("problem"));
  Params params = net.fresh_params();
  Adam adam(params, AdamOptions(0.01));
  adam.zero_grad();
  net.loss(params).backward();
  adam.step();
  const std::string path = test::temp_path("mismatch");
  descent::save(adam, path);

  // Another optimizer type.
  SGD sgd(net.fresh_params(), SGDOptions(0.1));
  REQUIRE_THROWS_WITH(descent::load(sgd, path), Catch::Contains("holds the state of an Adam optimizer, not of SGD"));

  // Same type, but a parameter of another shape: nothing may change, not even the lr.
  Params wrong = net.fresh_params();
  wrong[2] = zeros({5, 3}, kFloat64).requires_grad_();
  Adam other(wrong, AdamOptions(0.02));
  REQUIRE_THROWS_WITH(descent::load(other, path), Catch::Contains("has shape [5, 2] in the file but [5, 3]"));
  CHECK(other.param_groups()[0].lr() == 0.02);

  // A file from an optimizer with another number of groups.
  Adam grouped({wrong[0]}, AdamOptions(0.02));
  grouped.add_param_group({wrong[1]}, AdamOptions(0.03));
  REQUIRE_THROWS_WITH(descent::load(grouped, path), Catch::Contains("has 2 parameter groups, the file 1"));
  CHECK(grouped.param_groups()[1].lr() == 0.03);
  std::remove(path.c_str());
}

TEST_CASE("resuming with two parameter groups of float32 parameters is bitwise exact too") {
  // Each group has its own options (and so its own lr under the schedule), and the state
  // tensors are float32 like their parameters: the file must keep both exactly.
  const test::TanhNet net(test::load_golden("optim.txt").at("problem"));
  auto fresh = [&] {
    Params p = net.fresh_params();
    for (Tensor& t : p) t = t.detach().to(kFloat32).requires_grad_();
    return p;
  };
  test::TanhNet net32 = net;
  net32.X = net.X.to(kFloat32), net32.Y = net.Y.to(kFloat32);
  using Make = std::function<std::unique_ptr<Optimizer>(const Params&)>;
  const std::vector<std::pair<std::string, Make>> makes = {
      {"SGD", [](const Params& p) {
         auto o = std::make_unique<SGD>(Params{p[0], p[1]}, SGDOptions(0.1).momentum(0.9));
         o->add_param_group({p[2], p[3]}, SGDOptions(0.03).momentum(0.5).dampening(0.2).weight_decay(0.01));
         return o;
       }},
      {"Adam", [](const Params& p) {
         auto o = std::make_unique<Adam>(Params{p[0], p[1]}, AdamOptions(0.02));
         o->add_param_group({p[2], p[3]}, AdamOptions(0.005).betas({0.7, 0.9}).weight_decay(0.1).amsgrad(true));
         return o;
       }},
      {"RMSprop", [](const Params& p) {
         auto o = std::make_unique<RMSprop>(Params{p[0], p[2]}, RMSpropOptions(0.01).centered(true));
         o->add_param_group({p[1], p[3]}, RMSpropOptions(0.003).momentum(0.5));
         return o;
       }},
  };
  constexpr int N = 16;
  for (const auto& [name, make] : makes) {
    INFO(name);
    auto train = [&](const Params& params, Optimizer& opt, LRScheduler& sched, int steps) {
      for (int i = 0; i < steps; ++i) {
        opt.zero_grad();
        net32.loss(params).backward();
        opt.step();
        sched.step();
      }
    };
    auto schedule = [](Optimizer& o) { return std::make_unique<StepLR>(o, 5, 0.5); };
    Params straight = fresh();
    auto opt1 = make(straight);
    auto sched1 = schedule(*opt1);
    train(straight, *opt1, *sched1, N);

    Params first = fresh();
    auto opt2 = make(first);
    auto sched2 = schedule(*opt2);
    train(first, *opt2, *sched2, N / 2);
    const std::string path = test::temp_path("resume_groups");
    save_state(path, first, *opt2, *sched2);
    Params resumed = fresh();
    auto opt3 = make(resumed);
    auto sched3 = schedule(*opt3);
    load_state(path, resumed, *opt3, *sched3);
    std::remove(path.c_str());
    REQUIRE(opt3->param_groups().size() == 2);
    CHECK(opt3->param_groups()[1].lr() == opt2->param_groups()[1].lr());
    CHECK(opt3->param_groups()[1].lr() != opt3->param_groups()[0].lr());
    train(resumed, *opt3, *sched3, N - N / 2);
    for (const Tensor& p : resumed) REQUIRE(p.dtype() == kFloat32);
    CHECK(test::bitwise_equal(resumed, straight));
    CHECK_FALSE(test::bitwise_equal(resumed, fresh()));
  }
}
