#pragma once
// Cyclical schedules, stepped once per batch rather than per epoch. Both also cycle the
// optimizer's momentum (SGD's and RMSprop's momentum, the Adam family's β1) against the lr:
// high lr with low momentum and the reverse, unless cycle_momentum is false.
//   CyclicLR(opt, base_lr, max_lr, step_size_up = 2000, step_size_down = step_size_up,
//            mode = "triangular" | "triangular2" | "exp_range", gamma = 1, ...)
//       lr climbs linearly from base_lr to max_lr in step_size_up steps and back down in
//       step_size_down; triangular2 halves the amplitude every cycle, exp_range scales it by
//       γ^t (Smith 2017).
//   OneCycleLR(opt, max_lr, total_steps, pct_start = 0.3, anneal_strategy = "cos" | "linear", ...)
//       one cycle over the whole run: from max_lr/div_factor up to max_lr during the first
//       pct_start of the steps, then down to max_lr/(div_factor·final_div_factor) (Smith &
//       Topin 2018); three_phase comes back to the start before the final descent.
// Values (lr and momentum) match torch.optim.lr_scheduler. Read lr_scheduler.h first.
#include <optional>
#include <string>
#include <vector>

#include "optim/schedulers/lr_scheduler.h"

namespace descent::optim {

class CyclicLR : public LRScheduler {
 public:
  CyclicLR(Optimizer& optimizer, double base_lr, double max_lr, double step_size_up = 2000,
           std::optional<double> step_size_down = std::nullopt, const std::string& mode = "triangular",
           double gamma = 1.0, bool cycle_momentum = true, double base_momentum = 0.8, double max_momentum = 0.9);

 protected:
  double group_lr_at(int64_t step, size_t group) const override;
  void apply(int64_t step) override;

 private:
  double scale_factor(int64_t step) const;  // 0 → 1 → 0 over one cycle
  double scale(int64_t step) const;         // the mode's amplitude factor
  double max_lr_, total_size_, step_ratio_, gamma_;
  std::string mode_;
  bool cycle_momentum_;
  double base_momentum_, max_momentum_;
};

class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, double pct_start = 0.3,
             const std::string& anneal_strategy = "cos", bool cycle_momentum = true, double base_momentum = 0.85,
             double max_momentum = 0.95, double div_factor = 25.0, double final_div_factor = 1e4,
             bool three_phase = false);

 protected:
  double group_lr_at(int64_t step, size_t group) const override;
  void apply(int64_t step) override;

 private:
  // Each phase anneals lr and momentum from one named level to another until end_step.
  enum Level { kInitialLr, kMaxLr, kMinLr, kBaseMomentum, kMaxMomentum };
  struct Phase {
    double end_step;
    Level start_lr, end_lr, start_momentum, end_momentum;
  };
  // The phase `step` falls in and how far through it (0 → 1).
  std::pair<const Phase*, double> locate(int64_t step) const;
  double level(Level l) const;
  double anneal(double start, double end, double pct) const;

  int64_t total_steps_;
  bool cosine_, cycle_momentum_;
  double initial_lr_, max_lr_, min_lr_, base_momentum_, max_momentum_;
  std::vector<Phase> phases_;
};

}  // namespace descent::optim
