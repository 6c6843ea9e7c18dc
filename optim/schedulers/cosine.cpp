// The cosine schedules of cosine.h.
#include "optim/schedulers/cosine.h"

#include <cmath>
#include <numbers>

#include "tensor/check.h"

namespace descent::optim {
namespace {

// η_min + (η_max − η_min)·(1 + cos(π·t/T)) / 2: from η_max at t = 0 down to η_min at t = T.
double cosine(double eta_max, double eta_min, double t, double T) {
  return eta_min + (eta_max - eta_min) * (1 + std::cos(std::numbers::pi * t / T)) / 2;
}

}  // namespace

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler("CosineAnnealingLR", optimizer), T_max_(T_max), eta_min_(eta_min) {
  CHECK(T_max >= 1, "CosineAnnealingLR: T_max must be >= 1, got ", T_max);
  initial_step();
}

double CosineAnnealingLR::group_lr_at(int64_t step, size_t group) const {
  return cosine(base_lrs_[group], eta_min_, double(step), double(T_max_));
}

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult,
                                                         double eta_min)
    : LRScheduler("CosineAnnealingWarmRestarts", optimizer), T_0_(T_0), T_mult_(T_mult), eta_min_(eta_min) {
  CHECK(T_0 >= 1, "CosineAnnealingWarmRestarts: T_0 must be >= 1, got ", T_0);
  CHECK(T_mult >= 1, "CosineAnnealingWarmRestarts: T_mult must be >= 1, got ", T_mult);
  initial_step();
}

double CosineAnnealingWarmRestarts::group_lr_at(int64_t step, size_t group) const {
  // Walk the cycles: T_cur is the step within the current cycle, T_i that cycle's length.
  int64_t T_cur = step, T_i = T_0_;
  if (T_mult_ == 1) {
    T_cur = step % T_0_;
  } else {
    while (T_cur >= T_i) T_cur -= T_i, T_i *= T_mult_;
  }
  return cosine(base_lrs_[group], eta_min_, double(T_cur), double(T_i));
}

}  // namespace descent::optim
