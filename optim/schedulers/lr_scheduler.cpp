// The schedule machinery shared by every LRScheduler: base lrs, stepping by a closed formula,
// save and load. Read lr_scheduler.h first.
#include "optim/schedulers/lr_scheduler.h"

#include <stdexcept>

#include "tensor/check.h"

namespace descent::optim {

LRScheduler::LRScheduler(std::string name, Optimizer& optimizer) : name_(std::move(name)), optimizer_(optimizer) {
  for (ParamGroup& group : optimizer_.param_groups()) {
    if (!group.initial_lr()) group.set_initial_lr(group.lr());  // torch's setdefault('initial_lr', lr)
    base_lrs_.push_back(*group.initial_lr());
  }
  for (const ParamGroup& group : optimizer_.param_groups()) last_lr_.push_back(group.lr());
}

void LRScheduler::step() { step_to(last_epoch_ + 1); }

void LRScheduler::step_to(int64_t step) {
  apply(step);  // first: a schedule that refuses the step (OneCycleLR past its end) changes nothing
  last_epoch_ = step;
}

void LRScheduler::apply(int64_t step) {
  auto& groups = optimizer_.param_groups();
  CHECK(groups.size() == base_lrs_.size(), name_, ": the optimizer has ", groups.size(),
        " parameter groups, the schedule was made for ", base_lrs_.size());
  last_lr_.clear();
  for (size_t g = 0; g < groups.size(); ++g) {
    groups[g].set_lr(group_lr_at(step, g));
    last_lr_.push_back(groups[g].lr());
  }
}

std::vector<double> LRScheduler::lr_at(int64_t step) const {
  std::vector<double> lrs;
  for (size_t g = 0; g < base_lrs_.size(); ++g) lrs.push_back(group_lr_at(step, g));
  return lrs;
}

void LRScheduler::save(serialize::OutputArchive& archive, const std::string& prefix) const {
  archive.write(prefix + "scheduler", name_);
  archive.write(prefix + "last_epoch", last_epoch_);
  archive.write(prefix + "groups", int64_t(base_lrs_.size()));
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    archive.write(prefix + "base_lrs." + std::to_string(g), base_lrs_[g]);
    archive.write(prefix + "last_lr." + std::to_string(g), last_lr_[g]);
  }
}

void LRScheduler::load(const serialize::InputArchive& archive, const std::string& prefix) {
  const std::string stored = archive.read_string(prefix + "scheduler");
  if (stored != name_)
    throw std::runtime_error("checkpoint " + archive.path() + ": holds a " + stored + " schedule, not a " + name_);
  const int64_t groups = archive.read_int(prefix + "groups");
  if (groups != int64_t(base_lrs_.size()))
    throw std::runtime_error("checkpoint " + archive.path() + ": " + name_ + " has " +
                             std::to_string(base_lrs_.size()) + " parameter groups, the file " + std::to_string(groups));
  const int64_t last_epoch = archive.read_int(prefix + "last_epoch");
  std::vector<double> base_lrs, last_lr;
  for (int64_t g = 0; g < groups; ++g) {
    base_lrs.push_back(archive.read_double(prefix + "base_lrs." + std::to_string(g)));
    last_lr.push_back(archive.read_double(prefix + "last_lr." + std::to_string(g)));
  }
  last_epoch_ = last_epoch, base_lrs_ = std::move(base_lrs), last_lr_ = std::move(last_lr);
}

}  // namespace descent::optim
