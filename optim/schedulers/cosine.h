#pragma once
// Cosine schedules (SGDR, Loshchilov & Hutter 2017), with η_max the base lr:
//   CosineAnnealingLR(opt, T_max, eta_min = 0)
//       η_t = η_min + (η_max − η_min)·(1 + cos(π·t / T_max)) / 2
//     (half a cosine down to η_min at T_max; past T_max it rises again, as torch's does)
//   CosineAnnealingWarmRestarts(opt, T_0, T_mult = 1, eta_min = 0)
//       the same within each cycle, with t counted from the cycle's start; cycles last
//       T_0, T_0·T_mult, T_0·T_mult², ... steps, and each restarts at η_max.
// Values match torch.optim.lr_scheduler (torch computes the first recursively; the closed form
// here agrees to rounding). Read lr_scheduler.h first.
#include "optim/schedulers/lr_scheduler.h"

namespace descent::optim {

class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0);

 protected:
  double group_lr_at(int64_t step, size_t group) const override;

 private:
  int64_t T_max_;
  double eta_min_;
};

class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult = 1, double eta_min = 0);

 protected:
  double group_lr_at(int64_t step, size_t group) const override;

 private:
  int64_t T_0_, T_mult_;
  double eta_min_;
};

}  // namespace descent::optim
