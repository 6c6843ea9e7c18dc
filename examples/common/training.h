#pragma once
// What every training example does around its loop, written once: the optimizer and the
// learning-rate schedule the flags ask for, loss and accuracy meters, evaluation on the test set,
// and Run, which owns everything between two epochs: the metrics CSV and plot, early stopping,
// the checkpoint after every epoch and --resume. The loop itself (zero_grad, forward, loss,
// backward, clipping, step) stays in each example, where it can be read top to bottom.
// Read next: examples/mnist_mlp.cpp, the shortest program that uses all of this.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <descent/descent.h>

#include "common/flags.h"
#include "common/metrics.h"

namespace examples {

// Threads (--threads; the library's default is every core) and the seed of every random draw;
// then the program's first line of output, "cpu: avx2 (<model>, 2 threads)" (common/cpu_line.h).
void setup(const Flags& flags);

// The optimizer named by --optimizer with --lr, --momentum and --weight-decay where given, and
// the optimizer's own defaults (torch.optim's; SGD: lr 0.01) where not. "momentum" and
// "nesterov" are SGD with momentum 0.9 unless --momentum says otherwise; for the Adam family
// --momentum sets β1 (the momentum schedules cycle it as such); Adagrad and Adadelta have no
// momentum and refuse the flag.
std::unique_ptr<descent::optim::Optimizer> make_optimizer(const Flags& flags,
                                                          const std::vector<descent::Tensor>& params);

// The schedule named by --scheduler, with --warmup epochs of linear warm-up (from lr/10) in front
// through SequentialLR. Its parameters follow the run's length E (the epochs after warm-up):
//   step: ×0.1 every E/3 epochs     multistep: ×0.1 at E/2 and 3E/4     exponential: down to lr/100 at E
//   inverse_time: lr/(1 + 9t/E), lr/10 at E     cosine: to 0 at E     warm_restarts: cosine cycles of E/3
//   cyclic: triangular between lr/10 and lr, one epoch up and one down (stepped per batch)
//   onecycle: up to lr and down over the whole run (per batch)
//   plateau: ×0.5 after an epoch whose test loss did not improve (no warm-up)
// Schedules set only the lr: the momentum stays what the flags chose.
class Schedule {
 public:
  Schedule(const Flags& flags, descent::optim::Optimizer& optimizer, int64_t batches_per_epoch);
  void after_batch();                    // steps the per-batch schedules
  void after_epoch(double test_loss);    // steps the per-epoch ones; plateau watches the test loss
  // Null for a constant lr (nothing to save).
  const std::shared_ptr<descent::optim::LRScheduler>& scheduler() const { return scheduler_; }

 private:
  std::shared_ptr<descent::optim::LRScheduler> scheduler_;
  bool per_batch_ = false;
};

struct Stats {
  double loss = 0;
  std::optional<double> accuracy;  // a fraction; empty for regression
};

// Sums of the loss (weighted by batch size) and of the correct predictions over an epoch.
class Meter {
 public:
  // `loss` is the batch's mean loss; with logits [B, C] and class targets [B], counts the
  // argmax hits too.
  void add(const descent::Tensor& loss, const descent::Tensor& logits, const descent::Tensor& target);
  void add(const descent::Tensor& loss, int64_t batch_size);  // regression: loss only
  double loss() const { return count_ ? loss_sum_ / double(count_) : 0.0; }
  Stats stats() const;
  // The sums (loss × examples, examples, correct), to add up the meters of several processes
  // (Cluster::reduce); add_sums adds another meter's.
  std::vector<double> sums() const { return {loss_sum_, double(count_), double(correct_)}; }
  void add_sums(const std::vector<double>& sums, bool classification);
  bool classification() const { return classification_; }

 private:
  double loss_sum_ = 0;
  int64_t count_ = 0, correct_ = 0;
  bool classification_ = false;
};

// Loss and accuracy sums of `model` over `loader` in eval mode, without gradients; evaluate()
// gives their means. The model is left in eval mode: the training loop switches it back with
// train().
template <class Model, class Loss>
Meter evaluate_meter(Model& model, descent::data::DataLoader& loader, const Loss& criterion) {
  descent::NoGradGuard no_grad;
  model.eval();
  Meter meter;
  for (auto& batch : loader) {
    descent::Tensor logits = model.forward(batch.data);
    meter.add(criterion.forward(logits, batch.target), logits, batch.target);
  }
  return meter;
}
template <class Model, class Loss>
Stats evaluate(Model& model, descent::data::DataLoader& loader, const Loss& criterion) {
  return evaluate_meter(model, loader, criterion).stats();
}

// Which process of a run writes its files, and how the others wait for it. One process
// writes, nobody waits; with --distributed (common/cluster.h) rank 0 writes the metrics, plot
// and checkpoint, then every rank meets at the barrier, and each rank draws its own random
// numbers (dropout) from a generator seeded per (seed, rank, epoch).
struct ProcessRole {
  int rank = 0;
  int world_size = 1;
  std::function<void()> barrier;  // empty for one process
};

// Stops training when a step's loss, or the gradient norm that clipping computed (0 when not
// clipping), is NaN or infinite: throws a std::runtime_error whose one line names the epoch, the
// step, the learning rate and where the first non-finite value came from. That is a parameter
// already holding NaN or Inf (the previous update overflowed), or else the first op that produces
// one when `rerun` repeats the step's forward and backward under anomaly mode (an op's forward
// output or its backward's gradient; autograd/anomaly.h; an empty `rerun` skips this, as a
// distributed run must). Called between backward() and step(),
// before anything is saved, so the last checkpoint stays the last good one.
void check_finite(const descent::Tensor& loss, double grad_norm, int epoch, int64_t step, double lr,
                  const descent::nn::Module& model, const std::function<void()>& rerun);

// A training run between its epochs. It builds the training state (model, optimizer, schedule,
// early stopping, the train loader, the metrics so far; optim/training_state.h), resumes it from
// --resume or starts from the weights of --load-weights, and after each epoch logs the epoch
// (stdout, --metrics, --plot), steps the schedule, asks early stopping and writes --checkpoint;
// at the end --save-weights writes the model's weights. Use:
//   Run run(flags, "mnist_mlp", model, *optimizer, schedule, train_loader);
//   while (run.next_epoch()) { ...train..., run.end_epoch(train_stats, evaluate(...)); }
//   run.finish();
class Run {
 public:
  Run(const Flags& flags, std::string program, std::shared_ptr<descent::nn::Module> model,
      descent::optim::Optimizer& optimizer, Schedule& schedule, descent::data::DataLoader& train_loader,
      ProcessRole role = {});
  Run(const Run&) = delete;  // the training state refers to members
  Run& operator=(const Run&) = delete;

  bool next_epoch();            // false when every epoch is done or early stopping said stop
  int epoch() const { return epoch_; }  // the epoch in progress, from 1
  std::string label() const;    // "epoch 3/5", for the progress bar
  // check_finite (above) for the epoch's next step, between backward() and the optimizer's step;
  // the message also says which checkpoint is the last good one.
  void check_finite(const descent::Tensor& loss, double grad_norm, const std::function<void()>& rerun);
  void end_epoch(const Stats& train, const Stats& test);
  // Leaves the model with the best epoch's weights when early stopping is on, draws the final
  // --plot, writes --save-weights (with the program, epoch and test loss as metadata), and
  // prints the contract's final line for that epoch (the last one otherwise).
  void finish();

 private:
  void write_files();  // metrics CSV, plot, checkpoint (rank 0's job)

  Flags flags_;
  ProcessRole role_;
  std::string program_;
  std::shared_ptr<descent::nn::Module> model_;
  descent::optim::Optimizer& optimizer_;
  Schedule& schedule_;
  std::optional<descent::optim::EarlyStopping> stopper_;
  MetricsLog log_;
  descent::optim::TrainingState state_;
  int epoch_ = 0;
  int64_t step_ = 0;  // steps of the epoch in progress
  double epoch_lr_ = 0;
  std::chrono::steady_clock::time_point epoch_start_;
  std::optional<std::chrono::steady_clock::time_point> last_plot_;
};

}  // namespace examples
