#pragma once
// ReduceLROnPlateau(opt, mode = "min", factor = 0.1, patience = 10, threshold = 1e-4, ...):
// multiplies every group's lr by `factor` when a watched metric (a validation loss, say) has not
// improved for more than `patience` calls of step(metric), then waits `cooldown` calls before
// counting again, never going below min_lr. The one schedule with history, so it has no
// formula: it reads and writes the optimizer's lr directly, exactly as torch's.
// "Improved" means better than the best so far by more than threshold: relatively
// (best·(1 ∓ threshold), threshold_mode "rel") or absolutely (best ∓ threshold, "abs").
// Read lr_scheduler.h first.
#include <string>

#include "optim/schedulers/lr_scheduler.h"

namespace descent::optim {

class ReduceLROnPlateau : public LRScheduler {
 public:
  ReduceLROnPlateau(Optimizer& optimizer, const std::string& mode = "min", double factor = 0.1, int64_t patience = 10,
                    double threshold = 1e-4, const std::string& threshold_mode = "rel", int64_t cooldown = 0,
                    double min_lr = 0, double eps = 1e-8);

  void step() override;           // throws: this schedule needs the metric
  void step(double metric);       // one epoch's metric (lower is better in mode "min")
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }

  void save(serialize::OutputArchive& archive, const std::string& prefix = "") const override;
  void load(const serialize::InputArchive& archive, const std::string& prefix = "") override;

 protected:
  double group_lr_at(int64_t step, size_t group) const override;  // the current lr: no formula

 private:
  bool is_better(double a, double best) const;
  bool max_mode_, relative_;
  double factor_;
  int64_t patience_;
  double threshold_;
  int64_t cooldown_;
  double min_lr_, eps_;
  double best_;
  int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0;
};

}  // namespace descent::optim
