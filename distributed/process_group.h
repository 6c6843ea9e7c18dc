#pragma once
// ProcessGroup: the processes of one job (its ranks) and the collectives between them, on raw
// buffers, as c10d's ProcessGroup. This class holds what every backend needs — the sequence
// number of each collective, the timeout that turns a hang into a failed job, the debug check
// that all ranks call the same collective — and leaves the transport to a subclass: the only
// one is MPI (process_group_mpi.cpp, the one file of descent that calls MPI); another (Gloo, a
// TCP store) would subclass this too.
//
// Collectives are blocking and run on the calling thread. Calls from several threads are
// serialized by a mutex, so that DistributedDataParallel's communication thread and the main
// thread never enter the transport at once; the order in which collectives are issued must
// still be the same on every rank (that is the caller's job, as with MPI).
//
// Timeouts: a watchdog thread looks at the collective in flight; one that has not completed
// within timeout() makes it print one line on stderr,
//   descent.distributed: rank 1: all_reduce #42 (float32, 1000 elements) did not complete within 5 s; aborting the job
// and abort the whole job (MPI_Abort): a rank that died or skipped a collective makes the job
// fail instead of hanging forever.
//
// DESCENT_DISTRIBUTED_DEBUG=DETAIL: before each collective, the ranks exchange what they are
// about to call (op, dtype, element count, reduce op, root) and every rank throws
// "mismatch between collectives" naming both sides if they differ, instead of computing garbage.
// Read next: distributed/collectives.h (the tensor-level API, spelled as torch.distributed).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "tensor/dtype.h"

namespace descent::distributed {

enum class ReduceOp { SUM, AVG, MAX, MIN };  // torch.distributed.ReduceOp's spelling
const char* reduce_op_name(ReduceOp op);      // "SUM"

enum class OpType : int32_t { Barrier, AllReduce, Broadcast, AllGather };
const char* op_type_name(OpType op);          // "all_reduce", as the API spells it

// One collective, as the timeout message and the debug check describe it. count is in elements
// (all_gather: each rank's share).
struct Collective {
  OpType op = OpType::Barrier;
  Dtype dtype = kFloat32;
  int64_t count = 0;
  ReduceOp reduce = ReduceOp::SUM;  // all_reduce only
  int root = 0;                     // broadcast only
  std::string describe(uint64_t sequence) const;  // "all_reduce #42 (float32, 1000 elements, SUM)"
};

class ProcessGroup {
 public:
  virtual ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  // The ranks on this machine and this rank's place among them: with W ranks on C cores, each
  // should use C / local_size() threads.
  int local_rank() const { return local_rank_; }
  int local_size() const { return local_size_; }
  std::chrono::milliseconds timeout() const { return timeout_; }
  void set_timeout(std::chrono::milliseconds timeout);
  bool debug() const { return debug_; }  // DESCENT_DISTRIBUTED_DEBUG=DETAIL
  uint64_t sequence() const { return sequence_; }  // collectives issued so far

  // Contiguous buffers of `count` elements of `dtype` (float32, float64 or int64; AVG and the
  // others on float only: the tensor API checks). In place: data holds the result on every rank.
  void all_reduce(void* data, int64_t count, Dtype dtype, ReduceOp op);
  void broadcast(void* data, int64_t count, Dtype dtype, int root);
  // out holds size() * count elements: rank r's `in` at out + r * count.
  void all_gather(const void* in, void* out, int64_t count, Dtype dtype);
  void barrier();

  // Ends every process of the job at once with `exit_code` (after an error on one rank, so
  // that the others do not wait in their next collective until the timeout).
  [[noreturn]] virtual void abort(int exit_code) = 0;

 protected:
  ProcessGroup() = default;
  // Subclasses call this at the end of their constructor, once they can communicate.
  void start(int rank, int size, int local_rank, int local_size, std::chrono::milliseconds timeout);
  // Subclasses call this first in their destructor, before they shut the transport down.
  void stop();

  // The transport, blocking. Errors throw std::runtime_error with the transport's message.
  virtual void do_all_reduce(void* data, int64_t count, Dtype dtype, ReduceOp op) = 0;  // never AVG
  virtual void do_broadcast(void* data, int64_t count, Dtype dtype, int root) = 0;
  virtual void do_all_gather(const void* in, void* out, int64_t count, Dtype dtype) = 0;
  virtual void do_barrier() = 0;

 private:
  // Runs one collective: sequence number, debug check, the watchdog's view, the transport.
  template <class F> void run(const Collective& c, F&& transport);
  void check_same_collective(const Collective& c);
  void watch();  // the watchdog thread's loop

  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
  std::chrono::milliseconds timeout_{0};
  bool debug_ = false;
  uint64_t sequence_ = 0;

  std::mutex call_mutex_;  // one collective at a time, whatever the thread

  // What the watchdog sees, under watch_mutex_: the collective in flight (in_flight_ is its
  // sequence number, 0 when none) and when it started.
  std::mutex watch_mutex_;
  std::condition_variable watch_wake_;
  uint64_t in_flight_ = 0;
  Collective current_;
  std::chrono::steady_clock::time_point started_;
  bool stopping_ = false;
  std::thread watchdog_;
};

}  // namespace descent::distributed
