#pragma once
// DistributedDataParallel: the same model on every rank, each rank computing gradients on its
// share of the global batch, the gradients averaged before every step (torch's DDP):
//
//   distributed::init_process_group();
//   auto model = std::make_shared<MLP>();
//   distributed::DistributedDataParallel ddp(model, distributed::DDPOptions());  // rank 0's weights everywhere
//   optim::SGD opt(ddp.parameters(), optim::SGDOptions(0.1));
//   for (auto& [x, y] : loader) {          // a loader with a DistributedSampler
//     opt.zero_grad();
//     Tensor loss = criterion.forward(ddp.forward(x), y);
//     loss.backward();                     // returns with every grad() averaged over the ranks
//     opt.step();                          // the same step on every rank: the models stay equal
//   }
//
// Construction checks that every rank has the same parameters (count and sizes), then copies
// rank 0's parameters and buffers to all ranks. The averaging itself is the Reducer's
// (distributed/reducer.h): hooks on the parameters, buckets, one all_reduce per bucket. Since
// the mean of the ranks' mean gradients is the mean gradient of the global batch, a run at W
// ranks with batches of B / W takes the steps of one process with batches of B, to rounding.
//
// Buffers (BatchNorm's running statistics) are rank 0's again before each forward in training
// mode (broadcast_buffers, torch's default); the batch statistics BatchNorm normalizes with are
// each rank's own, computed on its share of the batch (torch's default too; there is no
// SyncBatchNorm). Dropout draws its masks from each rank's own generator.
// Read next: distributed/reducer.h, docs/distributed.md.
#include <concepts>
#include <functional>
#include <memory>
#include <vector>

#include "distributed/reducer.h"
#include "nn/module.h"

namespace descent::distributed {

struct DDPOptions {
  // Gradients are all-reduced in buckets of about this many megabytes (PyTorch's default: 25).
  DDPOptions& bucket_cap_mb(double v) { bucket_cap_mb_ = v; return *this; }
  // Rank 0's buffers on every rank before each forward in training mode (torch's default).
  DDPOptions& broadcast_buffers(bool v) { broadcast_buffers_ = v; return *this; }
  // All-reduce each bucket on a communication thread as soon as backward has filled it, while
  // backward computes the rest; off: all buckets at the end of backward, on the caller's thread.
  // The default is what measured faster on small-core machines (docs/distributed.md).
  DDPOptions& overlap(bool v) { overlap_ = v; return *this; }

  double bucket_cap_mb() const { return bucket_cap_mb_; }
  bool broadcast_buffers() const { return broadcast_buffers_; }
  bool overlap() const { return overlap_; }

 private:
  double bucket_cap_mb_ = 25;
  bool broadcast_buffers_ = true;
  bool overlap_ = false;
};

class DistributedDataParallel {
 public:
  // Any module; forward(x) is the module's forward(const Tensor&) when it has one.
  template <class M>
    requires std::derived_from<M, nn::Module>
  DistributedDataParallel(std::shared_ptr<M> model, DDPOptions options = {})
      : DistributedDataParallel(std::shared_ptr<nn::Module>(model), std::move(options), forward_of(model)) {}

  // A module whose forward is reached through `forward` (a program that holds its model as an
  // nn::Module and calls it through a std::function).
  DistributedDataParallel(std::shared_ptr<nn::Module> module, std::function<Tensor(const Tensor&)> forward,
                          DDPOptions options = {})
      : DistributedDataParallel(std::move(module), std::move(options), std::move(forward)) {}

  Tensor forward(const Tensor& x);
  std::vector<Tensor> parameters() const { return module_->parameters(); }
  const std::shared_ptr<nn::Module>& module() const { return module_; }

  // Under the guard, backward() leaves gradients local (accumulating them); the first backward
  // after it averages what accumulated. So k micro-batches per rank, k - 1 of them under
  // no_sync, each loss divided by k, make one step on the k · W micro-batches together.
  class NoSyncGuard {
   public:
    explicit NoSyncGuard(Reducer& reducer) : reducer_(&reducer), previous_(reducer.sync()) { reducer.set_sync(false); }
    NoSyncGuard(NoSyncGuard&& other) noexcept : reducer_(other.reducer_), previous_(other.previous_) {
      other.reducer_ = nullptr;
    }
    NoSyncGuard(const NoSyncGuard&) = delete;
    NoSyncGuard& operator=(const NoSyncGuard&) = delete;
    NoSyncGuard& operator=(NoSyncGuard&&) = delete;
    ~NoSyncGuard() {
      if (reducer_) reducer_->set_sync(previous_);
    }

   private:
    Reducer* reducer_;
    bool previous_;
  };
  [[nodiscard]] NoSyncGuard no_sync() { return NoSyncGuard(*reducer_); }

  const ReducerStats& stats() const { return reducer_->stats(); }
  const Reducer& reducer() const { return *reducer_; }

 private:
  using Forward = std::function<Tensor(const Tensor&)>;
  DistributedDataParallel(std::shared_ptr<nn::Module> module, DDPOptions options, Forward forward);

  template <class M> static Forward forward_of(const std::shared_ptr<M>& model) {
    if constexpr (requires(M& m, const Tensor& x) { { m.forward(x) } -> std::convertible_to<Tensor>; }) {
      M* m = model.get();  // the module outlives the wrapper's calls: module_ holds it
      return [m](const Tensor& x) { return m->forward(x); };
    } else {
      return nullptr;
    }
  }

  std::shared_ptr<nn::Module> module_;
  DDPOptions options_;
  Forward forward_;
  std::shared_ptr<Reducer> reducer_;
};

}  // namespace descent::distributed
