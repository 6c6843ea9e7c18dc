// ReduceLROnPlateau, following torch.optim.lr_scheduler.ReduceLROnPlateau step by step.
#include "optim/schedulers/plateau.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "tensor/check.h"

namespace descent::optim {

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const std::string& mode, double factor, int64_t patience,
                                     double threshold, const std::string& threshold_mode, int64_t cooldown,
                                     double min_lr, double eps)
    : LRScheduler("ReduceLROnPlateau", optimizer),
      max_mode_(mode == "max"),
      relative_(threshold_mode == "rel"),
      factor_(factor),
      patience_(patience),
      threshold_(threshold),
      cooldown_(cooldown),
      min_lr_(min_lr),
      eps_(eps) {
  CHECK(mode == "min" || mode == "max", "ReduceLROnPlateau: mode must be \"min\" or \"max\", got \"", mode, "\"");
  CHECK(threshold_mode == "rel" || threshold_mode == "abs",
        "ReduceLROnPlateau: threshold_mode must be \"rel\" or \"abs\", got \"", threshold_mode, "\"");
  CHECK(factor < 1.0, "ReduceLROnPlateau: factor must be < 1, got ", factor);
  CHECK(patience >= 0, "ReduceLROnPlateau: patience must be >= 0, got ", patience);
  CHECK(cooldown >= 0, "ReduceLROnPlateau: cooldown must be >= 0, got ", cooldown);
  best_ = max_mode_ ? -INFINITY : INFINITY;  // the worst value, so the first metric improves on it
  last_epoch_ = 0;  // as torch: no lr is set at construction
}

void ReduceLROnPlateau::step() {
  throw std::invalid_argument("ReduceLROnPlateau: step() needs the watched metric; call step(metric)");
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  if (!max_mode_) return relative_ ? a < best * (1 - threshold_) : a < best - threshold_;
  return relative_ ? a > best * (threshold_ + 1) : a > best + threshold_;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (cooldown_counter_ > 0) {  // just reduced: ignore bad epochs for a while
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;
  }
  if (num_bad_epochs_ > patience_) {  // a plateau: reduce
    for (ParamGroup& group : optimizer_.param_groups()) {
      const double old_lr = group.lr();
      const double new_lr = std::max(old_lr * factor_, min_lr_);
      if (old_lr - new_lr > eps_) group.set_lr(new_lr);  // changes below eps are not worth making
    }
    cooldown_counter_ = cooldown_;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const ParamGroup& group : optimizer_.param_groups()) last_lr_.push_back(group.lr());
}

double ReduceLROnPlateau::group_lr_at(int64_t, size_t group) const { return optimizer_.param_groups()[group].lr(); }

void ReduceLROnPlateau::save(serialize::OutputArchive& archive, const std::string& prefix) const {
  LRScheduler::save(archive, prefix);
  archive.write(prefix + "best", best_);
  archive.write(prefix + "num_bad_epochs", num_bad_epochs_);
  archive.write(prefix + "cooldown_counter", cooldown_counter_);
}

void ReduceLROnPlateau::load(const serialize::InputArchive& archive, const std::string& prefix) {
  const double best = archive.read_double(prefix + "best");
  const int64_t num_bad_epochs = archive.read_int(prefix + "num_bad_epochs");
  const int64_t cooldown_counter = archive.read_int(prefix + "cooldown_counter");
  LRScheduler::load(archive, prefix);
  best_ = best, num_bad_epochs_ = num_bad_epochs, cooldown_counter_ = cooldown_counter;
}

}  // namespace descent::optim
