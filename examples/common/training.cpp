// Optimizer and schedule from the flags, meters, and the run between epochs (see training.h).
#include "common/training.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "common/cpu_line.h"

namespace examples {

using namespace descent;

void setup(const Flags& flags) {
  if (flags.threads > 0) set_num_threads(flags.threads);
  manual_seed(flags.seed);
  print_cpu_line();
}

// ---- The optimizer --------------------------------------------------------------------------

namespace {

// Weight decay where given (each optimizer keeps its own default otherwise: 0, AdamW's 1e-2).
template <class Options> Options with_decay(Options options, const Flags& f) {
  if (f.weight_decay) options.weight_decay(*f.weight_decay);
  return options;
}

// The Adam family's β1 plays momentum's part (torch's cyclic schedules treat it so too).
template <class Options> Options adam_like(Options options, const Flags& f) {
  if (f.lr) options.lr(*f.lr);
  if (f.momentum) options.betas({*f.momentum, std::get<1>(options.betas())});
  return with_decay(options, f);
}

}  // namespace

std::unique_ptr<optim::Optimizer> make_optimizer(const Flags& f, const std::vector<Tensor>& params) {
  using namespace descent::optim;
  const std::string& name = f.optimizer;
  if (name == "sgd" || name == "momentum" || name == "nesterov") {
    const double momentum = f.momentum.value_or(name == "sgd" ? 0.0 : 0.9);
    return std::make_unique<SGD>(params, with_decay(SGDOptions(f.lr.value_or(0.01)).momentum(momentum)
                                                        .nesterov(name == "nesterov"), f));
  }
  if ((name == "adagrad" || name == "adadelta") && f.momentum)
    throw UsageError("--momentum does not apply to --optimizer " + name);
  if (name == "adagrad") return std::make_unique<Adagrad>(params, with_decay(AdagradOptions(f.lr.value_or(1e-2)), f));
  if (name == "adadelta") return std::make_unique<Adadelta>(params, with_decay(AdadeltaOptions(f.lr.value_or(1.0)), f));
  if (name == "rmsprop")
    return std::make_unique<RMSprop>(params, with_decay(RMSpropOptions(f.lr.value_or(1e-2)).momentum(f.momentum.value_or(0)), f));
  if (name == "adam") return std::make_unique<Adam>(params, adam_like(AdamOptions(), f));
  if (name == "adamw") return std::make_unique<AdamW>(params, adam_like(AdamWOptions(), f));
  if (name == "nadam") return std::make_unique<NAdam>(params, adam_like(NAdamOptions(), f));
  if (name == "adamax") return std::make_unique<Adamax>(params, adam_like(AdamaxOptions(), f));
  throw UsageError("unknown optimizer '" + name + "'");  // parse_flags let through a name not handled here
}

// ---- The schedule ---------------------------------------------------------------------------

Schedule::Schedule(const Flags& f, optim::Optimizer& opt, int64_t batches_per_epoch) {
  using namespace descent::optim;
  const std::string& name = f.scheduler;
  per_batch_ = name == "cyclic" || name == "onecycle";
  if (name == "plateau") {
    if (f.warmup > 0) throw UsageError("--warmup cannot be combined with --scheduler plateau (it has no step count)");
    scheduler_ = std::make_shared<ReduceLROnPlateau>(opt, "min", 0.5, /*patience=*/0);
    return;
  }
  // E: the run's length after warm-up, in the unit the schedule is stepped in.
  const int64_t unit = per_batch_ ? batches_per_epoch : 1;
  const int64_t E = std::max<int64_t>(1, f.epochs - f.warmup) * unit;
  const double lr = opt.param_groups()[0].lr();
  std::shared_ptr<LRScheduler> main;
  if (name == "step") main = std::make_shared<StepLR>(opt, std::max<int64_t>(1, E / 3), 0.1);
  else if (name == "multistep") main = std::make_shared<MultiStepLR>(opt, std::vector<int64_t>{E / 2, 3 * E / 4}, 0.1);
  else if (name == "exponential") main = std::make_shared<ExponentialLR>(opt, std::pow(0.01, 1.0 / double(E)));
  else if (name == "inverse_time") main = std::make_shared<InverseTimeLR>(opt, 9.0 / double(E));
  else if (name == "cosine") main = std::make_shared<CosineAnnealingLR>(opt, E);
  else if (name == "warm_restarts") main = std::make_shared<CosineAnnealingWarmRestarts>(opt, std::max<int64_t>(1, E / 3));
  else if (name == "cyclic")
    main = std::make_shared<CyclicLR>(opt, lr / 10, lr, double(batches_per_epoch), std::nullopt, "triangular", 1.0,
                                      /*cycle_momentum=*/false);
  else if (name == "onecycle")
    main = std::make_shared<OneCycleLR>(opt, lr, E, 0.3, "cos", /*cycle_momentum=*/false);
  else if (name != "none") throw UsageError("unknown scheduler '" + name + "'");

  if (f.warmup == 0) {
    scheduler_ = main;
    return;
  }
  // Warm-up: lr/10 → lr over the first --warmup epochs, then the main schedule from its step 0
  // (a constant lr when there is none: LinearLR stays at lr after its last step).
  auto warmup = std::make_shared<LinearLR>(opt, 0.1, 1.0, int64_t(f.warmup) * unit);
  if (!main) scheduler_ = warmup;
  else scheduler_ = std::make_shared<SequentialLR>(opt, std::vector<std::shared_ptr<LRScheduler>>{warmup, main},
                                                   std::vector<int64_t>{int64_t(f.warmup) * unit});
}

void Schedule::after_batch() {
  if (scheduler_ && per_batch_) scheduler_->step();
}

void Schedule::after_epoch(double test_loss) {
  if (!scheduler_ || per_batch_) return;
  if (auto* plateau = dynamic_cast<optim::ReduceLROnPlateau*>(scheduler_.get())) plateau->step(test_loss);
  else scheduler_->step();
}

// ---- Meters ---------------------------------------------------------------------------------

void Meter::add(const Tensor& loss, const Tensor& logits, const Tensor& target) {
  add(loss, target.size(0));
  classification_ = true;
  correct_ += (argmax(logits, 1) == target).to(kInt64).sum().item<int64_t>();
}

void Meter::add(const Tensor& loss, int64_t batch_size) {
  loss_sum_ += loss.item<double>() * double(batch_size);
  count_ += batch_size;
}

void Meter::add_sums(const std::vector<double>& sums, bool classification) {
  loss_sum_ += sums.at(0);
  count_ += int64_t(sums.at(1));
  correct_ += int64_t(sums.at(2));
  classification_ = classification_ || classification;
}

Stats Meter::stats() const {
  Stats s{loss(), std::nullopt};
  if (classification_ && count_ > 0) s.accuracy = double(correct_) / double(count_);
  return s;
}

// ---- Non-finite losses ----------------------------------------------------------------------

void check_finite(const Tensor& loss, double grad_norm, int epoch, int64_t step, double lr, const nn::Module& model,
                  const std::function<void()>& rerun) {
  const double value = loss.item<double>();
  if (std::isfinite(value) && std::isfinite(grad_norm)) return;
  char head[160];
  std::snprintf(head, sizeof head, "the %s is %g at epoch %d, step %lld (lr %g): ",
                std::isfinite(value) ? "gradient norm" : "loss", std::isfinite(value) ? grad_norm : value, epoch,
                (long long)step, lr);
  std::string origin;
  // A parameter that is already NaN or Inf was made so by the previous update: no op of this step
  // is to blame, the step size is.
  for (const auto& [name, p] : model.named_parameters())
    if (!autograd::all_finite(p)) {
      origin = "parameter '" + name + "' already holds NaN or Inf (the previous update overflowed; try a smaller --lr)";
      break;
    }
  if (origin.empty() && !rerun) origin = "not re-run under anomaly mode (one rank cannot repeat a distributed step alone)";
  if (origin.empty()) {
    try {
      autograd::DetectAnomalyGuard anomaly;
      rerun();
      origin = "re-running the step under anomaly mode found no op producing it";
    } catch (const std::exception& e) {
      origin = e.what();  // "anomaly: 'linear' produced inf in its output [64, 10] float32 (inputs: ...)"
      if (origin.rfind("anomaly: ", 0) == 0) origin = "under anomaly mode " + origin.substr(9);
    }
  }
  throw std::runtime_error(head + origin);
}

// ---- The run --------------------------------------------------------------------------------

Run::Run(const Flags& flags, std::string program, std::shared_ptr<nn::Module> model, optim::Optimizer& optimizer,
         Schedule& schedule, data::DataLoader& train_loader, ProcessRole role)
    : flags_(flags), role_(std::move(role)), program_(std::move(program)), model_(std::move(model)),
      optimizer_(optimizer), schedule_(schedule) {
  // Early stopping watches the test loss and keeps a copy of the best epoch's weights.
  if (flags_.early_stopping > 0) stopper_.emplace(flags_.early_stopping, 0.0, "min", /*restore_best_weights=*/true);

  // The training state: everything that changes while training, so --resume continues exactly.
  state_.add("model", *model_).add("optimizer", optimizer_).add("loader", train_loader);
  if (schedule_.scheduler()) state_.add("scheduler", *schedule_.scheduler());
  if (stopper_) state_.add("early_stopping", *stopper_);
  state_.add("metrics", log_);
  // Fine-tuning: weights from a safetensors file (PyTorch's or descent's), a fresh optimizer.
  if (!flags_.load_weights.empty()) {
    descent::load_safetensors(model_, flags_.load_weights);
    std::printf("loaded weights from %s\n", flags_.load_weights.c_str());
  }
  if (!flags_.resume.empty()) {
    descent::load(state_, flags_.resume);
    std::printf("resumed from %s after epoch %lld\n", flags_.resume.c_str(), (long long)state_.epoch());
  }
  epoch_ = int(state_.epoch());
}

bool Run::next_epoch() {
  if (epoch_ >= flags_.epochs || (stopper_ && stopper_->should_stop())) return false;
  ++epoch_;
  step_ = 0;
  epoch_lr_ = optimizer_.param_groups()[0].lr();  // the lr the epoch starts with (per-batch schedules move it)
  epoch_start_ = std::chrono::steady_clock::now();
  // Ranks draw their own dropout masks, from a stream that depends only on (seed, rank, epoch),
  // so that a run resumed at any number of ranks draws what a fresh one would.
  if (role_.world_size > 1)
    manual_seed(flags_.seed * 0x9E3779B97F4A7C15ull + uint64_t(role_.rank) * 0xBF58476D1CE4E5B9ull + uint64_t(epoch_));
  return true;
}

std::string Run::label() const { return "epoch " + std::to_string(epoch_) + "/" + std::to_string(flags_.epochs); }

void Run::check_finite(const Tensor& loss, double grad_norm, const std::function<void()>& rerun) {
  ++step_;
  try {
    // Under DistributedDataParallel a backward all-reduces with the other ranks, which are not
    // re-running anything: the re-run would wait for them forever.
    examples::check_finite(loss, grad_norm, epoch_, step_, optimizer_.param_groups()[0].lr(), *model_,
                           role_.world_size > 1 ? std::function<void()>() : rerun);
  } catch (const std::runtime_error& e) {
    if (flags_.checkpoint.empty() || state_.epoch() == 0) throw;
    throw std::runtime_error(std::string(e.what()) + "; " + flags_.checkpoint + " still holds epoch " +
                             std::to_string(state_.epoch()));
  }
}

void Run::end_epoch(const Stats& train, const Stats& test) {
  EpochMetrics m;
  m.epoch = epoch_;
  m.train_loss = train.loss;
  m.train_accuracy = train.accuracy;
  m.test_loss = test.loss;
  m.test_accuracy = test.accuracy;
  m.lr = epoch_lr_;
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start_).count();
  log_.add(m);
  print_epoch_line(m, flags_.epochs);

  schedule_.after_epoch(test.loss);
  if (stopper_ && stopper_->step(test.loss, *model_))
    std::printf("early stopping: no test-loss improvement for %d epochs; keeping epoch %lld's weights\n",
                flags_.early_stopping, (long long)stopper_->best_epoch() + 1);
  state_.set_epoch(epoch_);

  if (role_.rank == 0) write_files();
  if (role_.barrier) role_.barrier();  // nobody goes on before rank 0's checkpoint is complete
}

void Run::write_files() {
  if (!flags_.metrics.empty()) log_.write_csv(flags_.metrics);
  // The picture is redrawn while training so that it can be watched, but at most every 10 s:
  // drawing takes a few tens of milliseconds, as long as a whole epoch of iris_hinge.
  const auto now = std::chrono::steady_clock::now();
  if (!flags_.plot.empty() && (!last_plot_ || now - *last_plot_ > std::chrono::seconds(10))) {
    plot_metrics(log_, flags_.plot, program_);
    last_plot_ = now;
  }
  if (!flags_.checkpoint.empty()) {
    // Both files are written whole or not at all (a kill mid-save leaves the previous ones).
    serialize::OutputArchive archive;
    state_.save(archive);
    archive.save_to(flags_.checkpoint);
    archive.save_to(flags_.checkpoint + ".epoch" + std::to_string(epoch_));
  }
}

void Run::finish() {
  const auto& rows = log_.rows();
  if (rows.empty()) throw std::runtime_error("no epoch was run");
  size_t final_row = rows.size() - 1;
  if (stopper_ && stopper_->has_snapshot()) {
    stopper_->restore_best(*model_);  // already done when it stopped; needed when the epochs ran out
    final_row = size_t(stopper_->best_epoch());
  }
  if (!flags_.plot.empty() && role_.rank == 0) plot_metrics(log_, flags_.plot, program_);
  if (!flags_.save_weights.empty() && role_.rank == 0) {
    const EpochMetrics& row = rows[final_row];
    descent::save_safetensors(model_, flags_.save_weights,
                              {{"program", program_}, {"epoch", std::to_string(row.epoch)},
                               {"test_loss", std::to_string(row.test_loss)}});
    std::printf("saved weights to %s\n", flags_.save_weights.c_str());
  }
  print_final_line(rows[final_row].test_loss, rows[final_row].test_accuracy);
}

}  // namespace examples
