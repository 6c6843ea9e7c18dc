#pragma once
// Schedules that scale the base lr η0 by a factor of the step t:
//   LambdaLR(opt, factor)      η0·factor(t), with any std::function<double(int64_t)>
//   LinearLR(opt, start_factor = 1/3, end_factor = 1, total_iters = 5)
//       η0·(s + (e − s)·min(t, T)/T): a linear warm-up from s·η0 to e·η0 over T steps, then flat
//       (put it in front of another schedule with SequentialLR).
// Values match torch.optim.lr_scheduler. Read lr_scheduler.h first.
#include <functional>

#include "optim/schedulers/lr_scheduler.h"

namespace descent::optim {

class LambdaLR : public LRScheduler {
 public:
  LambdaLR(Optimizer& optimizer, std::function<double(int64_t)> lr_lambda);

 protected:
  double group_lr_at(int64_t step, size_t group) const override;

 private:
  std::function<double(int64_t)> lr_lambda_;  // not saved: the constructor's function is used
};

class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);

 protected:
  double group_lr_at(int64_t step, size_t group) const override;

 private:
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

}  // namespace descent::optim
