// The cyclical schedules of cyclic.h, following torch.optim.lr_scheduler's formulas.
#include "optim/schedulers/cyclic.h"

#include <cmath>
#include <numbers>

#include "tensor/check.h"

namespace descent::optim {

// ---- CyclicLR ----------------------------------------------------------------------------

CyclicLR::CyclicLR(Optimizer& optimizer, double base_lr, double max_lr, double step_size_up,
                   std::optional<double> step_size_down, const std::string& mode, double gamma, bool cycle_momentum,
                   double base_momentum, double max_momentum)
    : LRScheduler("CyclicLR", optimizer),
      max_lr_(max_lr),
      gamma_(gamma),
      mode_(mode),
      cycle_momentum_(cycle_momentum),
      base_momentum_(base_momentum),
      max_momentum_(max_momentum) {
  CHECK(mode == "triangular" || mode == "triangular2" || mode == "exp_range",
        "CyclicLR: mode must be \"triangular\", \"triangular2\" or \"exp_range\", got \"", mode, "\"");
  const double down = step_size_down.value_or(step_size_up);
  CHECK(step_size_up > 0, "CyclicLR: step_size_up must be > 0, got ", step_size_up);
  CHECK(down >= 0, "CyclicLR: step_size_down must be >= 0, got ", down);
  total_size_ = step_size_up + down;
  step_ratio_ = step_size_up / total_size_;  // the rising fraction of a cycle
  for (const ParamGroup& group : optimizer.param_groups())
    CHECK(!cycle_momentum || group.has_momentum(), "CyclicLR: cycle_momentum needs an optimizer with a momentum (",
          optimizer.name(), " has none); pass cycle_momentum = false");
  base_lrs_.assign(base_lrs_.size(), base_lr);  // the cycle's floor, not the optimizer's lr
  initial_step();
}

double CyclicLR::scale_factor(int64_t step) const {
  const double t = double(step);
  const double cycle = std::floor(1 + t / total_size_);
  const double x = 1 + t / total_size_ - cycle;  // position within the cycle, 0 → 1
  return x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
}

double CyclicLR::scale(int64_t step) const {
  const double cycle = std::floor(1 + double(step) / total_size_);
  if (mode_ == "triangular2") return 1 / std::pow(2.0, cycle - 1);  // halve per cycle
  if (mode_ == "exp_range") return std::pow(gamma_, double(step));  // shrink per step
  return 1.0;
}

double CyclicLR::group_lr_at(int64_t step, size_t group) const {
  const double base_lr = base_lrs_[group];
  const double base_height = (max_lr_ - base_lr) * scale_factor(step);
  return base_lr + base_height * scale(step);
}

void CyclicLR::apply(int64_t step) {
  LRScheduler::apply(step);
  if (!cycle_momentum_) return;
  // Momentum moves against the lr: max_momentum at the cycle's ends, base_momentum at its peak.
  const double momentum = max_momentum_ - (max_momentum_ - base_momentum_) * scale_factor(step) * scale(step);
  for (ParamGroup& group : optimizer_.param_groups()) group.set_momentum(momentum);
}

// ---- OneCycleLR --------------------------------------------------------------------------

OneCycleLR::OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, double pct_start,
                       const std::string& anneal_strategy, bool cycle_momentum, double base_momentum,
                       double max_momentum, double div_factor, double final_div_factor, bool three_phase)
    : LRScheduler("OneCycleLR", optimizer),
      total_steps_(total_steps),
      cosine_(anneal_strategy == "cos"),
      cycle_momentum_(cycle_momentum),
      initial_lr_(max_lr / div_factor),
      max_lr_(max_lr),
      min_lr_(max_lr / div_factor / final_div_factor),
      base_momentum_(base_momentum),
      max_momentum_(max_momentum) {
  CHECK(total_steps >= 1, "OneCycleLR: total_steps must be >= 1, got ", total_steps);
  CHECK(pct_start >= 0 && pct_start <= 1, "OneCycleLR: pct_start must be in [0, 1], got ", pct_start);
  CHECK(anneal_strategy == "cos" || anneal_strategy == "linear",
        "OneCycleLR: anneal_strategy must be \"cos\" or \"linear\", got \"", anneal_strategy, "\"");
  for (const ParamGroup& group : optimizer.param_groups())
    CHECK(!cycle_momentum || group.has_momentum(), "OneCycleLR: cycle_momentum needs an optimizer with a momentum (",
          optimizer.name(), " has none); pass cycle_momentum = false");
  const double total = double(total_steps);
  if (three_phase) {
    phases_ = {{pct_start * total - 1, kInitialLr, kMaxLr, kMaxMomentum, kBaseMomentum},
               {2 * pct_start * total - 2, kMaxLr, kInitialLr, kBaseMomentum, kMaxMomentum},
               {total - 1, kInitialLr, kMinLr, kMaxMomentum, kMaxMomentum}};
  } else {
    phases_ = {{pct_start * total - 1, kInitialLr, kMaxLr, kMaxMomentum, kBaseMomentum},
               {total - 1, kMaxLr, kMinLr, kBaseMomentum, kMaxMomentum}};
  }
  // The cycle starts at max_lr/div_factor, which becomes every group's initial lr (as torch).
  for (ParamGroup& group : optimizer.param_groups()) group.set_initial_lr(initial_lr_);
  base_lrs_.assign(base_lrs_.size(), initial_lr_);
  initial_step();
}

double OneCycleLR::level(Level l) const {
  switch (l) {
    case kInitialLr: return initial_lr_;
    case kMaxLr: return max_lr_;
    case kMinLr: return min_lr_;
    case kBaseMomentum: return base_momentum_;
    default: return max_momentum_;
  }
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (cosine_) return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1);
  return (end - start) * pct + start;
}

std::pair<const OneCycleLR::Phase*, double> OneCycleLR::locate(int64_t step) const {
  CHECK(step <= total_steps_, "OneCycleLR: tried to step ", step + 1, " times; total_steps is ", total_steps_);
  double start_step = 0;
  for (size_t i = 0; i < phases_.size(); ++i) {
    const Phase& phase = phases_[i];
    if (double(step) <= phase.end_step || i + 1 == phases_.size())
      return {&phase, (double(step) - start_step) / (phase.end_step - start_step)};
    start_step = phase.end_step;
  }
  return {&phases_.back(), 1.0};  // not reached: the last phase takes every remaining step
}

double OneCycleLR::group_lr_at(int64_t step, size_t) const {
  const auto [phase, pct] = locate(step);
  return anneal(level(phase->start_lr), level(phase->end_lr), pct);
}

void OneCycleLR::apply(int64_t step) {
  LRScheduler::apply(step);
  if (!cycle_momentum_) return;
  const auto [phase, pct] = locate(step);
  const double momentum = anneal(level(phase->start_momentum), level(phase->end_momentum), pct);
  for (ParamGroup& group : optimizer_.param_groups()) group.set_momentum(momentum);
}

}  // namespace descent::optim
