#pragma once
// Reducer: the part of DistributedDataParallel that averages gradients during backward().
//
// Parameters are laid out, last registered first (roughly the order backward produces their
// gradients), in flat buckets of one dtype and at most bucket_cap bytes each (PyTorch: 25 MB).
// A post-accumulate-grad hook on each parameter copies its finished grad() into its bucket's
// slot; when a bucket is full it is launched, always in bucket order, so that every rank issues
// the same all_reduce calls in the same order whatever its timing. At the end of the backward
// pass (an autograd callback) every bucket is summed over the ranks and each grad() becomes its
// slot divided by the number of ranks.
//
// With overlap, launched buckets go to a communication thread that all-reduces them while the
// backward pass goes on computing the earlier layers' gradients; without, the end-of-pass
// callback all-reduces every bucket itself. Both give the same numbers (docs/distributed.md
// says which is faster here and why). A parameter that got no gradient on this rank in a pass
// contributes zeros. Under no_sync the hooks do nothing: gradients accumulate locally, and the
// next synchronized pass averages the accumulated sums.
// Read next: distributed/ddp.h (construction, forward, no_sync).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "distributed/process_group.h"
#include "tensor/tensor.h"

namespace descent::distributed {

// Where the time of the synchronized backward passes went, summed over the passes.
struct ReducerStats {
  int64_t passes = 0;                // synchronized backward passes
  int64_t buckets = 0;               // buckets per pass
  int64_t bytes = 0;                 // all-reduced per pass
  double communication_seconds = 0;  // inside all_reduce, on whichever thread
  double waiting_seconds = 0;        // the end-of-pass callback: what backward() waited for communication
};

class Reducer {
 public:
  Reducer(ProcessGroup& group, std::vector<Tensor> parameters, int64_t bucket_cap_bytes, bool overlap);
  ~Reducer();
  Reducer(const Reducer&) = delete;
  Reducer& operator=(const Reducer&) = delete;

  // Installs the hooks; they hold `self` weakly, so a destroyed Reducer leaves inert hooks.
  static void register_hooks(const std::shared_ptr<Reducer>& self);

  void set_sync(bool sync) { sync_ = sync; }
  bool sync() const { return sync_; }
  const ReducerStats& stats() const { return stats_; }
  // Bucket b's parameters, by their index in the list given to the constructor.
  std::vector<std::vector<size_t>> bucket_layout() const;

 private:
  struct Slot {
    Tensor param;
    size_t bucket = 0;
    int64_t offset = 0;  // in elements, in the bucket
    int64_t numel = 0;
  };
  struct Bucket {
    Tensor flat;                // the gradients of its parameters, end to end
    std::vector<size_t> slots;  // its parameters
    int64_t pending = 0;        // slots not yet filled in this pass
  };

  void on_grad_ready(size_t slot, const Tensor& grad);  // a parameter's hook
  void begin_pass();
  void launch_ready();   // launches full buckets, in bucket order
  void launch(size_t bucket);
  void finish_pass();    // the end-of-pass callback
  void all_reduce(size_t bucket);
  void communicate();    // the communication thread's loop

  ProcessGroup& group_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  bool overlap_;
  bool sync_ = true;

  // One pass: which slots were filled, and the next bucket to launch.
  bool in_pass_ = false;
  std::vector<char> ready_;
  size_t next_bucket_ = 0;
  ReducerStats stats_;

  // The communication thread (overlap only): a queue of bucket indices, at most one per bucket
  // and pass, in a ring that never reallocates.
  std::mutex mutex_;
  std::condition_variable work_, done_;
  std::vector<size_t> queue_;
  size_t queued_ = 0, reduced_ = 0;  // buckets handed over and finished in this pass
  bool stopping_ = false;
  std::exception_ptr error_;
  double thread_seconds_ = 0;  // communication time spent on the thread in this pass
  std::thread thread_;
};

}  // namespace descent::distributed
