#pragma once
// SequentialLR(opt, schedulers, milestones): runs schedulers[0] until milestones[0], then
// schedulers[1] restarted from its own step 0, and so on, as torch's SequentialLR. The usual
// use is a warm-up in front of a decay:
//   auto warmup = std::make_shared<optim::LinearLR>(opt, 0.1, 1.0, 5);
//   auto decay = std::make_shared<optim::CosineAnnealingLR>(opt, 95);
//   optim::SequentialLR sched(opt, {warmup, decay}, {5});
// Every schedule involved must drive the same optimizer. Read lr_scheduler.h first.
#include <memory>
#include <vector>

#include "optim/schedulers/lr_scheduler.h"

namespace descent::optim {

class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones);

  void save(serialize::OutputArchive& archive, const std::string& prefix = "") const override;
  void load(const serialize::InputArchive& archive, const std::string& prefix = "") override;

 protected:
  double group_lr_at(int64_t step, size_t group) const override;
  void apply(int64_t step) override;

 private:
  // The child in charge at `step`, and the step it is at in its own count.
  std::pair<size_t, int64_t> locate(int64_t step) const;
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

}  // namespace descent::optim
