#pragma once
// TrainingState: everything a run needs to continue exactly, in one checkpoint file. A training
// loop registers its pieces by name (the model, the optimizer, the schedule, early stopping, the
// data loader, a metrics log: anything Serializable), and the state saves them all into one
// archive, each under "<name>.", together with the default generator's (seed, offset) and the
// number of epochs completed:
//
//   optim::TrainingState state;
//   state.add("model", model).add("optimizer", opt).add("scheduler", sched).add("loader", loader);
//   for (int64_t epoch = 0; epoch < epochs; ++epoch) {
//     train_one_epoch();
//     state.set_epoch(epoch + 1);
//     descent::save(state, "run.ckpt");       // after every epoch
//   }
//   // later, in a fresh process that built the same objects the same way:
//   descent::load(state, "run.ckpt");          // every piece, the generator, the epoch
//   for (int64_t epoch = state.epoch(); epoch < epochs; ++epoch) ...
//
// Resuming is exact when every source of change is a piece: parameters and buffers (model),
// per-parameter state and lr (optimizer), step counts (schedules, early stopping), the loader's
// (seed, epoch) (its shuffles and augmentations are pure functions of them, data/dataset.h) and
// the default generator, which dropout and initializers draw from.
// The state only refers to its pieces: they must outlive it. It is not a model checkpoint (a
// module saves alone with descent::save(model, path); docs/checkpoints.md).
// Read next: tensor/serialize.h (the archive), optim/early_stopping.h.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensor/serialize.h"

namespace descent::optim {

class TrainingState {
 public:
  // Registers `object` under `name` (non-empty, no '.', unique, not "epoch", "generator" or
  // "pieces"); returns *this so that calls chain. Throws std::invalid_argument otherwise.
  template <Serializable T> TrainingState& add(const std::string& name, T& object) {
    return add_piece(name, [&object](serialize::OutputArchive& a, const std::string& p) { object.save(a, p); },
                     [&object](const serialize::InputArchive& a, const std::string& p) { object.load(a, p); });
  }
  template <Serializable T> TrainingState& add(const std::string& name, const std::shared_ptr<T>& object) {
    return add(name, *object);
  }

  std::vector<std::string> names() const;  // the pieces, in the order they were added
  int64_t epoch() const { return epoch_; }  // epochs completed
  void set_epoch(int64_t epoch);

  // Writes "pieces" (the names, comma-separated), "epoch", "generator.seed", "generator.offset"
  // and each piece under "<name>.". load first checks that the file is a training state with
  // exactly these pieces, naming both lists when they differ; then loads the pieces in order
  // (each checks its own entries before changing anything) and last the epoch and the
  // generator. A piece that refuses its entries stops the load with the pieces before it
  // already loaded, so treat a failed load as the end of the run, not as a state to go on from.
  void save(serialize::OutputArchive& archive, const std::string& prefix = "") const;
  void load(const serialize::InputArchive& archive, const std::string& prefix = "");

 private:
  using SaveFn = std::function<void(serialize::OutputArchive&, const std::string&)>;
  using LoadFn = std::function<void(const serialize::InputArchive&, const std::string&)>;
  struct Piece {
    std::string name;
    SaveFn save;
    LoadFn load;
  };
  TrainingState& add_piece(const std::string& name, SaveFn save, LoadFn load);

  std::vector<Piece> pieces_;
  int64_t epoch_ = 0;
};

}  // namespace descent::optim
