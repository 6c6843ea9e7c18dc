// ProcessGroup: sequence numbers, the watchdog, the debug check and AVG, over a transport
// (see process_group.h; the MPI transport is process_group_mpi.cpp).
#include "distributed/process_group.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "tensor/check.h"

namespace descent::distributed {

const char* reduce_op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::SUM: return "SUM";
    case ReduceOp::AVG: return "AVG";
    case ReduceOp::MAX: return "MAX";
    case ReduceOp::MIN: return "MIN";
  }
  return "?";
}

const char* op_type_name(OpType op) {
  switch (op) {
    case OpType::Barrier: return "barrier";
    case OpType::AllReduce: return "all_reduce";
    case OpType::Broadcast: return "broadcast";
    case OpType::AllGather: return "all_gather";
  }
  return "?";
}

std::string Collective::describe(uint64_t sequence) const {
  std::string s = std::string(op_type_name(op)) + " #" + std::to_string(sequence);
  if (op == OpType::Barrier) return s;
  s += std::string(" (") + dtype_name(dtype) + ", " + std::to_string(count) + (count == 1 ? " element" : " elements");
  if (op == OpType::AllReduce) s += std::string(", ") + reduce_op_name(reduce);
  if (op == OpType::Broadcast) s += ", root " + std::to_string(root);
  return s + ")";
}

ProcessGroup::~ProcessGroup() { stop(); }

void ProcessGroup::start(int rank, int size, int local_rank, int local_size, std::chrono::milliseconds timeout) {
  rank_ = rank;
  size_ = size;
  local_rank_ = local_rank;
  local_size_ = local_size;
  set_timeout(timeout);
  const char* debug = std::getenv("DESCENT_DISTRIBUTED_DEBUG");
  debug_ = debug && std::strcmp(debug, "DETAIL") == 0;
  watchdog_ = std::thread([this] { watch(); });
}

void ProcessGroup::stop() {
  {
    std::lock_guard lock(watch_mutex_);
    stopping_ = true;
  }
  watch_wake_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

void ProcessGroup::set_timeout(std::chrono::milliseconds timeout) {
  CHECK(timeout.count() > 0, "set_timeout: the timeout must be positive, got ", timeout.count(), " ms");
  std::lock_guard lock(watch_mutex_);
  timeout_ = timeout;
}

// The watchdog sleeps most of the time: it wakes a few times per timeout (at most once a
// second) and looks at the collective in flight. A blocking transport call cannot be
// interrupted, so when one overstays, the only way out is to end the job.
void ProcessGroup::watch() {
  std::unique_lock lock(watch_mutex_);
  while (!stopping_) {
    const auto interval = std::clamp(timeout_ / 10, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
    watch_wake_.wait_for(lock, interval);
    if (stopping_ || in_flight_ == 0) continue;
    const auto elapsed = std::chrono::steady_clock::now() - started_;
    if (elapsed < timeout_) continue;
    const double seconds = double(timeout_.count()) / 1000.0;
    std::fprintf(stderr, "descent.distributed: rank %d: %s did not complete within %g s; aborting the job\n", rank_,
                 current_.describe(in_flight_).c_str(), seconds);
    std::fflush(stderr);
    abort(1);
  }
}

// The debug check: every rank sends what it is about to call; all compare the same table, so
// all of them throw (or none does). The exchange itself is one fixed-size all_gather, which
// always matches, and is watched like any collective.
void ProcessGroup::check_same_collective(const Collective& c) {
  constexpr int kFields = 6;  // what must match, then the sequence number (for the message)
  const int64_t mine[kFields] = {int64_t(c.op),     int64_t(c.dtype), c.count,
                                 int64_t(c.reduce), int64_t(c.root),  int64_t(sequence_)};
  std::vector<int64_t> all(size_t(kFields) * size_t(size_));
  do_all_gather(mine, all.data(), kFields, kInt64);
  for (int r = 0; r < size_; ++r) {
    const int64_t* theirs = all.data() + size_t(r) * kFields;
    if (std::equal(mine, mine + kFields - 1, theirs)) continue;
    Collective other{OpType(theirs[0]), Dtype(theirs[1]), theirs[2], ReduceOp(theirs[3]), int(theirs[4])};
    throw std::runtime_error("mismatch between collectives: rank " + std::to_string(rank_) + " calls " +
                             c.describe(sequence_) + ", rank " + std::to_string(r) + " calls " +
                             other.describe(uint64_t(theirs[5])) + " (DESCENT_DISTRIBUTED_DEBUG=DETAIL)");
  }
}

template <class F> void ProcessGroup::run(const Collective& c, F&& transport) {
  std::lock_guard call(call_mutex_);
  const uint64_t sequence = ++sequence_;
  {
    std::lock_guard lock(watch_mutex_);
    current_ = c;
    in_flight_ = sequence;
    started_ = std::chrono::steady_clock::now();
  }
  struct Landed {  // clears the watchdog's view however the call ends
    ProcessGroup* group;
    ~Landed() {
      std::lock_guard lock(group->watch_mutex_);
      group->in_flight_ = 0;
    }
  } landed{this};
  if (debug_) check_same_collective(c);
  try {
    transport();
  } catch (const std::runtime_error& e) {  // the transport's own error, with what was called
    throw std::runtime_error(c.describe(sequence) + " on rank " + std::to_string(rank_) + ": " + e.what());
  }
}

void ProcessGroup::all_reduce(void* data, int64_t count, Dtype dtype, ReduceOp op) {
  run({OpType::AllReduce, dtype, count, op, 0}, [&] {
    do_all_reduce(data, count, dtype, op == ReduceOp::AVG ? ReduceOp::SUM : op);
    if (op != ReduceOp::AVG) return;
    // The mean is the sum divided by the number of ranks (divided, not multiplied by 1/W, so
    // that a sum of W equal values gives that value back exactly).
    dispatch_floating(dtype, [&](auto zero) {
      using T = decltype(zero);
      T* p = static_cast<T*>(data);
      const T w = T(size_);
      for (int64_t i = 0; i < count; ++i) p[i] /= w;
    });
  });
}

void ProcessGroup::broadcast(void* data, int64_t count, Dtype dtype, int root) {
  run({OpType::Broadcast, dtype, count, ReduceOp::SUM, root}, [&] { do_broadcast(data, count, dtype, root); });
}

void ProcessGroup::all_gather(const void* in, void* out, int64_t count, Dtype dtype) {
  run({OpType::AllGather, dtype, count, ReduceOp::SUM, 0}, [&] { do_all_gather(in, out, count, dtype); });
}

void ProcessGroup::barrier() {
  run({OpType::Barrier, kFloat32, 0, ReduceOp::SUM, 0}, [&] { do_barrier(); });
}

}  // namespace descent::distributed
