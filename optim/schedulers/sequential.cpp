// SequentialLR: a piecewise schedule made of other schedules. Read sequential.h first.
#include "optim/schedulers/sequential.h"

#include <algorithm>

#include "optim/schedulers/plateau.h"
#include "tensor/check.h"

namespace descent::optim {

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler("SequentialLR", optimizer), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  CHECK(!schedulers_.empty(), "SequentialLR: needs at least one scheduler");
  CHECK(milestones_.size() + 1 == schedulers_.size(), "SequentialLR: expects one milestone fewer than schedulers, got ",
        schedulers_.size(), " schedulers and ", milestones_.size(), " milestones");
  for (size_t i = 0; i < schedulers_.size(); ++i) {
    CHECK(schedulers_[i], "SequentialLR: scheduler ", i, " is null");
    CHECK(&schedulers_[i]->optimizer() == &optimizer, "SequentialLR: scheduler ", i,
          " drives a different optimizer than the one passed in");
    CHECK(!dynamic_cast<const ReduceLROnPlateau*>(schedulers_[i].get()),
          "SequentialLR: scheduler ", i, " is a ReduceLROnPlateau, which has no formula to chain");
  }
  for (size_t i = 1; i < milestones_.size(); ++i)
    CHECK(milestones_[i - 1] < milestones_[i], "SequentialLR: milestones must increase, got ", milestones_[i - 1],
          " then ", milestones_[i]);
  // Building the children moved the lr; start again from the first child's step 0.
  initial_step();
}

std::pair<size_t, int64_t> SequentialLR::locate(int64_t step) const {
  // torch's bisect_right: the child whose milestone range holds `step`; it restarts at 0 there.
  const size_t index = size_t(std::upper_bound(milestones_.begin(), milestones_.end(), step) - milestones_.begin());
  return {index, index == 0 ? step : step - milestones_[index - 1]};
}

double SequentialLR::group_lr_at(int64_t step, size_t group) const {
  const auto [index, local] = locate(step);
  return schedulers_[index]->lr_at(local)[group];
}

void SequentialLR::apply(int64_t step) {
  const auto [index, local] = locate(step);
  schedulers_[index]->step_to(local);  // sets lr (and momentum) and the child's own last_epoch
  last_lr_ = schedulers_[index]->get_last_lr();
}

void SequentialLR::save(serialize::OutputArchive& archive, const std::string& prefix) const {
  LRScheduler::save(archive, prefix);
  for (size_t i = 0; i < schedulers_.size(); ++i)
    schedulers_[i]->save(archive, prefix + "schedulers." + std::to_string(i) + ".");
}

void SequentialLR::load(const serialize::InputArchive& archive, const std::string& prefix) {
  // Children first: each checks itself before changing; our own entries are read last.
  // (A failure in a later child can leave earlier ones loaded; their state is only last_epoch
  // and base lrs, which the next step() recomputes from ours anyway.)
  for (size_t i = 0; i < schedulers_.size(); ++i)
    schedulers_[i]->load(archive, prefix + "schedulers." + std::to_string(i) + ".");
  LRScheduler::load(archive, prefix);
}

}  // namespace descent::optim
