// The decaying schedules of decay.h, each one line of formula.
#include "optim/schedulers/decay.h"

#include <algorithm>
#include <cmath>

#include "tensor/check.h"

namespace descent::optim {

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler("StepLR", optimizer), step_size_(step_size), gamma_(gamma) {
  CHECK(step_size >= 1, "StepLR: step_size must be >= 1, got ", step_size);
  initial_step();
}

double StepLR::group_lr_at(int64_t step, size_t group) const {
  return base_lrs_[group] * std::pow(gamma_, double(step / step_size_));  // γ once per step_size steps
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler("MultiStepLR", optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());
  initial_step();
}

double MultiStepLR::group_lr_at(int64_t step, size_t group) const {
  // Milestones passed so far (torch's bisect_right): γ once for each.
  const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), step) - milestones_.begin();
  return base_lrs_[group] * std::pow(gamma_, double(passed));
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler("ExponentialLR", optimizer), gamma_(gamma) {
  CHECK(gamma > 0, "ExponentialLR: gamma must be > 0, got ", gamma);
  initial_step();
}

double ExponentialLR::group_lr_at(int64_t step, size_t group) const {
  return base_lrs_[group] * std::pow(gamma_, double(step));
}

InverseTimeLR::InverseTimeLR(Optimizer& optimizer, double decay_rate)
    : LRScheduler("InverseTimeLR", optimizer), decay_rate_(decay_rate) {
  CHECK(decay_rate >= 0, "InverseTimeLR: decay_rate must be >= 0, got ", decay_rate);
  initial_step();
}

double InverseTimeLR::group_lr_at(int64_t step, size_t group) const {
  return base_lrs_[group] / (1 + decay_rate_ * double(step));
}

}  // namespace descent::optim
