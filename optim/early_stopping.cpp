// EarlyStopping's bookkeeping and snapshots. Read early_stopping.h first.
#include "optim/early_stopping.h"

#include <cmath>
#include <stdexcept>

#include "autograd/grad_mode.h"
#include "tensor/check.h"

namespace descent::optim {

EarlyStopping::EarlyStopping(int64_t patience, double min_delta, const std::string& mode, bool restore_best_weights)
    : patience_(patience), min_delta_(min_delta), max_mode_(mode == "max"), restore_best_weights_(restore_best_weights) {
  CHECK(patience >= 1, "EarlyStopping: patience must be >= 1, got ", patience);
  CHECK(min_delta >= 0, "EarlyStopping: min_delta must be >= 0, got ", min_delta);
  CHECK(mode == "min" || mode == "max", "EarlyStopping: mode must be \"min\" or \"max\", got \"", mode, "\"");
  best_ = max_mode_ ? -INFINITY : INFINITY;  // the first finite metric is an improvement
}

bool EarlyStopping::improved(double metric) const {
  return max_mode_ ? metric > best_ + min_delta_ : metric < best_ - min_delta_;
}

bool EarlyStopping::step(double metric) { return step_named(metric, {}); }

bool EarlyStopping::step(double metric, const std::vector<Tensor>& state) {
  Named named;
  for (const Tensor& t : state) named.emplace_back("", t);
  return step_named(metric, named);
}

bool EarlyStopping::step_named(double metric, const Named& state) {
  if (improved(metric)) {
    best_ = metric;
    best_epoch_ = epoch_;
    wait_ = 0;
    if (restore_best_weights_ && !state.empty()) {
      NoGradGuard no_grad;
      snapshot_.clear();
      for (const auto& [name, t] : state) snapshot_.emplace_back(name, t.detach().clone());  // our own copy
    }
  } else {
    wait_ += 1;  // a NaN metric never improves, so it counts as a bad epoch
  }
  epoch_ += 1;
  stopped_ = wait_ >= patience_;
  if (stopped_ && restore_best_weights_ && !state.empty() && has_snapshot()) restore_named(state);
  return stopped_;
}

void EarlyStopping::restore_best(const std::vector<Tensor>& state) const {
  Named named;
  for (const Tensor& t : state) named.emplace_back("", t);
  restore_named(named);
}

void EarlyStopping::restore_named(const Named& state) const {
  CHECK(has_snapshot(), "EarlyStopping: no snapshot to restore (pass the model or tensors to step(), with "
                        "restore_best_weights = true)");
  CHECK(state.size() == snapshot_.size(), "EarlyStopping: the snapshot holds ", snapshot_.size(),
        " tensors, the target has ", state.size());
  // Check everything first, then copy: a mismatch leaves the target as it was.
  for (size_t i = 0; i < state.size(); ++i) {
    const auto& [name, target] = state[i];
    const auto& [saved_name, saved] = snapshot_[i];
    CHECK(saved_name == name, "EarlyStopping: tensor ", i, " is '", name, "' in the target but '", saved_name,
          "' in the snapshot");
    CHECK(target.sizes() == saved.sizes() && target.dtype() == saved.dtype(), "EarlyStopping: ",
          name.empty() ? "tensor " + std::to_string(i) : name, " is ", dtype_name(target.dtype()), " ",
          target.sizes(), " but the snapshot's is ", dtype_name(saved.dtype()), " ", saved.sizes());
  }
  NoGradGuard no_grad;  // writing parameters in place is allowed outside the graph
  for (size_t i = 0; i < state.size(); ++i) Tensor(state[i].second).copy_(snapshot_[i].second);
}

void EarlyStopping::save(serialize::OutputArchive& archive, const std::string& prefix) const {
  archive.write(prefix + "best", best_);
  archive.write(prefix + "best_epoch", best_epoch_);
  archive.write(prefix + "wait", wait_);
  archive.write(prefix + "epoch", epoch_);
  archive.write(prefix + "stopped", int64_t(stopped_));
  archive.write(prefix + "snapshot", int64_t(snapshot_.size()));
  for (size_t i = 0; i < snapshot_.size(); ++i) {
    archive.write(prefix + "snapshot." + std::to_string(i) + ".name", snapshot_[i].first);
    archive.write(prefix + "snapshot." + std::to_string(i), snapshot_[i].second);
  }
}

void EarlyStopping::load(const serialize::InputArchive& archive, const std::string& prefix) {
  const double best = archive.read_double(prefix + "best");
  const int64_t best_epoch = archive.read_int(prefix + "best_epoch"), wait = archive.read_int(prefix + "wait");
  const int64_t epoch = archive.read_int(prefix + "epoch"), stopped = archive.read_int(prefix + "stopped");
  const int64_t count = archive.read_int(prefix + "snapshot");
  Named snapshot;
  for (int64_t i = 0; i < count; ++i)
    snapshot.emplace_back(archive.read_string(prefix + "snapshot." + std::to_string(i) + ".name"),
                          archive.read_tensor(prefix + "snapshot." + std::to_string(i)).clone());
  best_ = best, best_epoch_ = best_epoch, wait_ = wait, epoch_ = epoch, stopped_ = stopped != 0;
  snapshot_ = std::move(snapshot);
}

}  // namespace descent::optim
