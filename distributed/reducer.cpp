// Reducer: buckets, hooks, the end-of-pass callback and the communication thread (see
// reducer.h).
#include "distributed/reducer.h"

#include <cstring>

#include "autograd/engine.h"
#include "tensor/check.h"
#include "tensor/factory.h"

namespace descent::distributed {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

Reducer::Reducer(ProcessGroup& group, std::vector<Tensor> parameters, int64_t bucket_cap_bytes, bool overlap)
    : group_(group), overlap_(overlap) {
  CHECK(bucket_cap_bytes > 0, "DistributedDataParallel: bucket_cap_mb must be > 0");
  // Buckets, last parameter first: backward produces the gradients of the last layers first, so
  // the first bucket fills first. A new bucket starts at the cap or at a change of dtype.
  slots_.resize(parameters.size());
  int64_t bucket_bytes = 0;
  for (size_t k = parameters.size(); k-- > 0;) {
    const Tensor& p = parameters[k];
    Slot& s = slots_[k];
    s.param = p;
    s.numel = p.numel();
    const int64_t bytes = s.numel * int64_t(p.element_size());
    const bool fits = !buckets_.empty() && bucket_bytes + bytes <= bucket_cap_bytes &&
                      slots_[buckets_.back().slots.front()].param.dtype() == p.dtype();
    if (!fits) {
      buckets_.emplace_back();
      bucket_bytes = 0;
    }
    Bucket& b = buckets_.back();
    s.bucket = buckets_.size() - 1;
    s.offset = bucket_bytes / int64_t(p.element_size());
    b.slots.push_back(k);
    bucket_bytes += bytes;
  }
  for (Bucket& b : buckets_) {
    const Tensor& first = slots_[b.slots.front()].param;
    int64_t n = 0;
    for (size_t k : b.slots) n += slots_[k].numel;
    b.flat = zeros({n}, first.dtype());
    stats_.bytes += n * int64_t(first.element_size());
  }
  stats_.buckets = int64_t(buckets_.size());
  ready_.assign(slots_.size(), 0);
  queue_.assign(buckets_.size(), 0);
  if (overlap_) thread_ = std::thread([this] { communicate(); });
}

Reducer::~Reducer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Reducer::register_hooks(const std::shared_ptr<Reducer>& self) {
  std::weak_ptr<Reducer> weak = self;
  for (size_t k = 0; k < self->slots_.size(); ++k)
    self->slots_[k].param.register_post_accumulate_grad_hook([weak, k](const Tensor& grad) {
      if (auto reducer = weak.lock()) reducer->on_grad_ready(k, grad);
    });
}

std::vector<std::vector<size_t>> Reducer::bucket_layout() const {
  std::vector<std::vector<size_t>> layout;
  for (const Bucket& b : buckets_) layout.push_back(b.slots);
  return layout;
}

void Reducer::begin_pass() {
  in_pass_ = true;
  std::fill(ready_.begin(), ready_.end(), 0);
  for (Bucket& b : buckets_) b.pending = int64_t(b.slots.size());
  next_bucket_ = 0;
  {
    std::lock_guard lock(mutex_);
    queued_ = reduced_ = 0;
    thread_seconds_ = 0;
  }
  autograd::queue_callback([this] { finish_pass(); });
}

// The hook: grad() of parameter `k` is final for this pass.
void Reducer::on_grad_ready(size_t k, const Tensor& grad) {
  if (!sync_) return;
  if (!in_pass_) begin_pass();
  Slot& s = slots_[k];
  CHECK(!ready_[k], "DistributedDataParallel: parameter ", k, "'s gradient arrived twice in one backward pass");
  CHECK(grad.dtype() == s.param.dtype() && grad.numel() == s.numel,
        "DistributedDataParallel: parameter ", k, "'s gradient has dtype ", dtype_name(grad.dtype()), " and ",
        grad.numel(), " elements, expected ", dtype_name(s.param.dtype()), " and ", s.numel,
        " (convert the model before wrapping it)");
  Bucket& b = buckets_[s.bucket];
  char* dst = static_cast<char*>(b.flat.raw_data()) + s.offset * int64_t(b.flat.element_size());
  if (grad.is_contiguous()) std::memcpy(dst, grad.raw_data(), size_t(s.numel) * b.flat.element_size());
  else b.flat.slice(0, s.offset, s.offset + s.numel).view(grad.sizes()).copy_(grad);
  ready_[k] = 1;
  --b.pending;
  launch_ready();
}

void Reducer::launch_ready() {
  while (next_bucket_ < buckets_.size() && buckets_[next_bucket_].pending == 0) launch(next_bucket_++);
}

void Reducer::launch(size_t bucket) {
  if (!overlap_) return;  // finish_pass reduces every bucket
  {
    std::lock_guard lock(mutex_);
    queue_[queued_++] = bucket;
  }
  work_.notify_one();
}

void Reducer::all_reduce(size_t bucket) {
  Tensor& flat = buckets_[bucket].flat;
  group_.all_reduce(flat.raw_data(), flat.numel(), flat.dtype(), ReduceOp::SUM);
}

void Reducer::communicate() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || reduced_ < queued_; });
    if (stopping_) return;
    const size_t bucket = queue_[reduced_];
    lock.unlock();
    const auto t0 = Clock::now();
    std::exception_ptr error;
    try {
      all_reduce(bucket);
    } catch (...) {
      error = std::current_exception();
    }
    const double seconds = seconds_since(t0);
    lock.lock();
    thread_seconds_ += seconds;
    if (error && !error_) error_ = error;
    ++reduced_;
    done_.notify_all();
  }
}

// The end of a synchronized backward pass: every bucket summed over the ranks, then each
// parameter's grad() = its slot / W.
void Reducer::finish_pass() {
  const auto t0 = Clock::now();
  in_pass_ = false;
  // A parameter this rank's graph did not reach contributes zeros (the other ranks may have
  // gradients for it, and every rank must send every bucket).
  for (size_t k = 0; k < slots_.size(); ++k) {
    if (ready_[k]) continue;
    Slot& s = slots_[k];
    Bucket& b = buckets_[s.bucket];
    std::memset(static_cast<char*>(b.flat.raw_data()) + s.offset * int64_t(b.flat.element_size()), 0,
                size_t(s.numel) * b.flat.element_size());
    --b.pending;
  }
  launch_ready();
  double communication = 0;
  if (overlap_) {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return reduced_ == buckets_.size(); });
    communication = thread_seconds_;
    if (error_) {
      std::exception_ptr error = error_;
      error_ = nullptr;
      std::rethrow_exception(error);
    }
  } else {
    for (size_t b = 0; b < buckets_.size(); ++b) all_reduce(b);
    communication = seconds_since(t0);
  }
  const int world = group_.size();
  for (size_t k = 0; k < slots_.size(); ++k) {
    Slot& s = slots_[k];
    const Tensor& flat = buckets_[s.bucket].flat;
    Tensor& grad = s.param.mutable_grad();
    if (!grad.defined() || !grad.is_contiguous()) grad = zeros(s.param.sizes(), s.param.dtype());
    dispatch_floating(flat.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const T* src = flat.data_ptr<T>() + s.offset;
      T* dst = grad.data_ptr<T>();
      const T w = T(world);
      for (int64_t i = 0; i < s.numel; ++i) dst[i] = src[i] / w;
    });
    grad.bump_version();
  }
  stats_.passes += 1;
  stats_.communication_seconds += communication;
  stats_.waiting_seconds += seconds_since(t0);
}

}  // namespace descent::distributed
