#pragma once
// LRScheduler: the base of every learning-rate schedule. A schedule is a closed formula
// lr_at(step) of the step count and each group's base lr (ggml's per-step callback), not a
// rule that multiplies the current lr as libtorch's StepLR does: the same formula answers for
// step 7 whether we got there by stepping or by loading a checkpoint, and rounding never piles
// up. Only ReduceLROnPlateau depends on history, by its nature.
//
// Like torch.optim.lr_scheduler: constructing a schedule sets the lr of step 0 (the first
// scheduler on an optimizer records each group's lr as its initial_lr, the base every later
// schedule starts from); call step() after each optimizer.step() epoch (or batch, for CyclicLR
// and OneCycleLR); get_last_lr() gives the lr it set, per group.
// Not here: the optimizer's update (optim/optimizer.h), which just reads param_groups()[i].lr().
// Read next: decay.h (StepLR and friends, the simplest), then cyclic.h.
#include <cstdint>
#include <string>
#include <vector>

#include "optim/optimizer.h"
#include "tensor/serialize.h"

namespace descent::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // One more epoch (or batch): every group's lr becomes lr_at(last_epoch() + 1).
  virtual void step();
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }  // steps taken; 0 right after construction
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  const std::string& name() const { return name_; }
  Optimizer& optimizer() const { return optimizer_; }

  // The schedule itself: each group's lr at `step`, from the formula alone.
  std::vector<double> lr_at(int64_t step) const;

  // last_epoch and base lrs (and whatever history a schedule has); load checks before changing.
  virtual void save(serialize::OutputArchive& archive, const std::string& prefix = "") const;
  virtual void load(const serialize::InputArchive& archive, const std::string& prefix = "");

 protected:
  // Records the base lrs (each group's initial_lr, set here if no scheduler set it before).
  // The derived constructor checks its arguments and ends with initial_step().
  LRScheduler(std::string name, Optimizer& optimizer);
  void initial_step() { step_to(0); }  // as torch's constructors: apply the lr of step 0

  virtual double group_lr_at(int64_t step, size_t group) const = 0;
  // Writes the schedule's values at `step` into the optimizer: lr, and momentum for the cyclic
  // schedules, which override this.
  virtual void apply(int64_t step);
  void step_to(int64_t step);  // last_epoch = step, then apply

  std::string name_;
  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
  std::vector<double> last_lr_;

 private:
  friend class SequentialLR;  // drives its children with step_to
};

}  // namespace descent::optim
