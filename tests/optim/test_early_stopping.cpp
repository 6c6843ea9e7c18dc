// EarlyStopping: when it stops, what it counts as an improvement, and the best weights it keeps
// for a module (by parameter and buffer names) or for a list of tensors.
#include <cstdio>

#include "problem.h"

using namespace descent;
using namespace descent::optim;

TEST_CASE("EarlyStopping stops after `patience` epochs without an improvement larger than min_delta") {
  EarlyStopping stopper(3, 0.01);
  // 1.0 improves; 0.995 is within min_delta (bad 1); 0.5 improves; then three bad epochs.
  const std::vector<double> losses = {1.0, 0.995, 0.5, 0.6, 0.495, 0.7};
  std::vector<bool> stops;
  for (double loss : losses) stops.push_back(stopper.step(loss));
  CHECK(stops == std::vector<bool>{false, false, false, false, false, true});
  CHECK(stopper.should_stop());
  CHECK(stopper.best() == 0.5);
  CHECK(stopper.best_epoch() == 2);
  CHECK(stopper.num_bad_epochs() == 3);
  CHECK(stopper.epoch() == 6);
}

TEST_CASE("EarlyStopping in mode max watches for increases") {
  EarlyStopping stopper(2, 0.0, "max");
  CHECK_FALSE(stopper.step(0.80));
  CHECK_FALSE(stopper.step(0.85));
  CHECK_FALSE(stopper.step(0.85));  // equal is not better
  CHECK(stopper.step(0.84));
  CHECK(stopper.best() == 0.85);
  REQUIRE_THROWS_WITH(EarlyStopping(0), "EarlyStopping: patience must be >= 1, got 0");
  REQUIRE_THROWS_WITH(EarlyStopping(3, 0.0, "up"), "EarlyStopping: mode must be \"min\" or \"max\", got \"up\"");
}

TEST_CASE("EarlyStopping restores a module's best parameters when it stops") {
  manual_seed(21);
  auto model = std::make_shared<nn::Linear>(3, 2);
  EarlyStopping stopper(2, 0.0, "min", /*restore_best_weights=*/true);
  std::vector<double> best_weight;
  const std::vector<double> losses = {0.9, 0.4, 0.6, 0.7};
  bool stopped = false;
  for (size_t epoch = 0; epoch < losses.size(); ++epoch) {
    {
      NoGradGuard no_grad;
      model->weight.add_(1.0);  // "training" changes the weights every epoch
    }
    if (epoch == 1) best_weight = model->weight.to_vector<double>();
    stopped = stopper.step(losses[epoch], model);
  }
  REQUIRE(stopped);
  CHECK(stopper.best_epoch() == 1);
  CHECK(model->weight.to_vector<double>() == best_weight);  // written back in place
  CHECK(model->weight.requires_grad());
  // A model with other names cannot take the snapshot.
  auto other = std::make_shared<nn::Linear>(3, 2, /*bias=*/false);
  REQUIRE_THROWS_WITH(stopper.restore_best(other), Catch::Contains("the snapshot holds 2 tensors, the target has 1"));
}

TEST_CASE("EarlyStopping keeps tensors too, and resumes from a checkpoint") {
  Tensor w = tensor({1.0, 2.0}, {2}, kFloat64).requires_grad_();
  EarlyStopping stopper(3, 0.0, "min", true);
  stopper.step(1.0, {w});
  {
    NoGradGuard no_grad;
    w.fill_(5.0);
  }
  stopper.step(2.0, {w});
  const std::string path = test::temp_path("early_stopping");
  descent::save(stopper, path);
  EarlyStopping resumed(3, 0.0, "min", true);
  descent::load(resumed, path);
  std::remove(path.c_str());
  CHECK(resumed.epoch() == 2);
  CHECK(resumed.num_bad_epochs() == 1);
  CHECK_FALSE(resumed.step(3.0, {w}));
  CHECK(resumed.step(4.0, {w}));  // the third bad epoch after the best, as without the checkpoint
  CHECK(w.to_vector<double>() == std::vector<double>{1.0, 2.0});
  EarlyStopping empty;
  REQUIRE_THROWS_WITH(empty.restore_best(std::vector<Tensor>{w}), Catch::Contains("no snapshot to restore"));
}
