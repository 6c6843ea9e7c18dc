#pragma once
// Decaying schedules, each a closed formula of the step t and the base lr η0:
//   StepLR(opt, step_size, gamma = 0.1)          η0·γ^⌊t / step_size⌋
//   MultiStepLR(opt, milestones, gamma = 0.1)    η0·γ^(number of milestones ≤ t)
//   ExponentialLR(opt, gamma)                    η0·γ^t
//   InverseTimeLR(opt, decay_rate)               η0 / (1 + k·t)   (not in torch; Keras' InverseTimeDecay)
// Values match torch.optim.lr_scheduler. Read lr_scheduler.h first.
#include <vector>

#include "optim/schedulers/lr_scheduler.h"

namespace descent::optim {

class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 protected:
  double group_lr_at(int64_t step, size_t group) const override;

 private:
  int64_t step_size_;
  double gamma_;
};

class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

 protected:
  double group_lr_at(int64_t step, size_t group) const override;

 private:
  std::vector<int64_t> milestones_;  // sorted; a repeated milestone decays twice, as in torch
  double gamma_;
};

class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  double group_lr_at(int64_t step, size_t group) const override;

 private:
  double gamma_;
};

// The classic Robbins–Monro style decay η_t = η0 / (1 + k·t): slow enough that the steps still
// sum to infinity, fast enough that SGD's noise averages out.
class InverseTimeLR : public LRScheduler {
 public:
  InverseTimeLR(Optimizer& optimizer, double decay_rate);

 protected:
  double group_lr_at(int64_t step, size_t group) const override;

 private:
  double decay_rate_;
};

}  // namespace descent::optim
