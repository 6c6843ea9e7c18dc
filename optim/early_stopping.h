#pragma once
// EarlyStopping: ends training when a watched metric (usually the validation loss) has not
// improved for `patience` epochs, and can hand back the weights of the best epoch:
//
//   optim::EarlyStopping stopper(/*patience=*/5, /*min_delta=*/1e-4, "min", /*restore_best_weights=*/true);
//   for (int epoch = 0; epoch < epochs; ++epoch) {
//     train_one_epoch();
//     if (stopper.step(validation_loss(), *model)) break;  // the model now holds its best weights
//   }
//
// "Improved" means better than the best so far by more than min_delta (below best − min_delta
// in mode "min", above best + min_delta in "max"), as Keras' EarlyStopping. With
// restore_best_weights, every improvement copies the model's parameters and buffers (by name:
// named_parameters(), named_buffers()) or the given tensors, and the copy is written back when
// step() decides to stop, or whenever restore_best() is called.
// Not a schedule: ReduceLROnPlateau (schedulers/plateau.h) lowers the lr on a plateau instead.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensor/serialize.h"
#include "tensor/tensor.h"

namespace descent::optim {

// Anything with named_parameters() and named_buffers() (nn::Module and its subclasses).
template <class M>
concept NamedState = requires(const M& m) {
  m.named_parameters();
  m.named_buffers();
};

class EarlyStopping {
 public:
  explicit EarlyStopping(int64_t patience = 10, double min_delta = 0.0, const std::string& mode = "min",
                         bool restore_best_weights = false);

  // Records one epoch's metric; returns true when training should stop (and, with
  // restore_best_weights, after writing the best snapshot back). The state is a model or a list
  // of tensors to snapshot; without one, nothing is copied.
  bool step(double metric);
  bool step(double metric, const std::vector<Tensor>& state);
  template <NamedState M> bool step(double metric, const M& model) { return step_named(metric, named_state(model)); }
  template <NamedState M> bool step(double metric, const std::shared_ptr<M>& model) { return step(metric, *model); }

  // Copies the best snapshot back (the same tensors, or a model with the same names and shapes).
  void restore_best(const std::vector<Tensor>& state) const;
  template <NamedState M> void restore_best(const M& model) const { restore_named(named_state(model)); }
  template <NamedState M> void restore_best(const std::shared_ptr<M>& model) const { restore_best(*model); }

  bool should_stop() const { return stopped_; }
  double best() const { return best_; }
  int64_t best_epoch() const { return best_epoch_; }  // 0-based; -1 before the first step
  int64_t num_bad_epochs() const { return wait_; }
  int64_t epoch() const { return epoch_; }            // steps taken
  bool has_snapshot() const { return !snapshot_.empty(); }

  // Counters, best value and the snapshot, so that a resumed run stops at the same epoch.
  void save(serialize::OutputArchive& archive, const std::string& prefix = "") const;
  void load(const serialize::InputArchive& archive, const std::string& prefix = "");

 private:
  using Named = std::vector<std::pair<std::string, Tensor>>;
  template <NamedState M> static Named named_state(const M& model) {
    Named out;
    for (const auto& [name, t] : model.named_parameters()) out.emplace_back("parameter " + name, t);
    for (const auto& [name, t] : model.named_buffers()) out.emplace_back("buffer " + name, t);
    return out;
  }
  bool step_named(double metric, const Named& state);
  void restore_named(const Named& state) const;
  bool improved(double metric) const;

  int64_t patience_;
  double min_delta_;
  bool max_mode_, restore_best_weights_;
  double best_;
  int64_t best_epoch_ = -1, wait_ = 0, epoch_ = 0;
  bool stopped_ = false;
  Named snapshot_;  // copies of the state at the best epoch (names empty for plain tensor lists)
};

}  // namespace descent::optim
