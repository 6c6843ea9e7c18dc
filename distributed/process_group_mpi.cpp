// ProcessGroupMPI: every MPI call of descent (see process_group_mpi.h). Collectives are the
// blocking MPI ones (MPI_Allreduce, MPI_Bcast, MPI_Allgather, MPI_Barrier), which MPI
// libraries tune best; the watchdog of ProcessGroup bounds how long they may take.
#include "distributed/process_group_mpi.h"

#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include "tensor/check.h"

namespace descent::distributed {
namespace {

MPI_Datatype mpi_type(Dtype dtype) {
  switch (dtype) {
    case kFloat32: return MPI_FLOAT;
    case kFloat64: return MPI_DOUBLE;
    case kInt64: return MPI_INT64_T;
    default: throw std::invalid_argument(std::string("MPI: unsupported dtype ") + dtype_name(dtype));
  }
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::SUM: return MPI_SUM;
    case ReduceOp::MAX: return MPI_MAX;
    case ReduceOp::MIN: return MPI_MIN;
    default: throw std::invalid_argument(std::string("MPI: no MPI_Op for ") + reduce_op_name(op));
  }
}

// MPI reports errors by return code on our communicator (MPI_ERRORS_RETURN, set below).
void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string(call) + " failed: " + std::string(text, size_t(length)));
}

// MPI counts are ints: larger buffers go in pieces of 2^30 elements.
constexpr int64_t kChunk = int64_t(1) << 30;

class ProcessGroupMPI final : public ProcessGroup {
 public:
  explicit ProcessGroupMPI(std::chrono::milliseconds timeout) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      // MULTIPLE, because the watchdog may have to call MPI_Abort while another thread is
      // blocked in a collective. Calls are otherwise serialized by ProcessGroup's mutex.
      int provided = 0;
      check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided), "MPI_Init_thread");
      owns_mpi_ = true;
      thread_multiple_ = provided == MPI_THREAD_MULTIPLE;
      if (provided < MPI_THREAD_SERIALIZED) {
        MPI_Finalize();
        throw std::runtime_error("init_process_group: this MPI library does not allow calls from several threads "
                                 "(MPI_THREAD_SERIALIZED); descent's communication thread needs it");
      }
    } else {
      int provided = 0;
      MPI_Query_thread(&provided);
      thread_multiple_ = provided == MPI_THREAD_MULTIPLE;
    }
    // A private communicator: the program's own MPI calls on MPI_COMM_WORLD never mix with ours.
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    int rank = 0, size = 1;
    MPI_Comm_rank(comm_, &rank);
    MPI_Comm_size(comm_, &size);
    // The ranks that share this machine's memory (MPI-3), to split its cores among them.
    MPI_Comm local;
    check(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &local), "MPI_Comm_split_type");
    int local_rank = 0, local_size = 1;
    MPI_Comm_rank(local, &local_rank);
    MPI_Comm_size(local, &local_size);
    MPI_Comm_free(&local);
    start(rank, size, local_rank, local_size, timeout);
  }

  ~ProcessGroupMPI() override {
    stop();
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) return;
    MPI_Comm_free(&comm_);
    if (owns_mpi_) MPI_Finalize();
  }

  [[noreturn]] void abort(int exit_code) override {
    std::fflush(stdout);
    std::fflush(stderr);
    // MPI_Abort ends every rank, however they were launched. But it may wait for a lock held by
    // the thread blocked in the collective that timed out (MPICH does), and without
    // MPI_THREAD_MULTIPLE it must not be called at all then; so 2 s later, or right away,
    // this process leaves without MPI_Finalize, and the launcher ends the job when it sees a
    // rank exit with an error.
    std::thread([exit_code] {
      std::this_thread::sleep_for(std::chrono::seconds(2));
      std::_Exit(exit_code);
    }).detach();
    if (thread_multiple_) MPI_Abort(comm_, exit_code);
    std::_Exit(exit_code);
  }

 protected:
  void do_all_reduce(void* data, int64_t count, Dtype dtype, ReduceOp op) override {
    const MPI_Datatype type = mpi_type(dtype);
    const MPI_Op reduce = mpi_op(op);
    char* p = static_cast<char*>(data);
    const int64_t bytes = int64_t(element_size(dtype));
    for (int64_t done = 0; done < count || count == 0; done += kChunk) {
      const int n = int(std::min(kChunk, count - done));
      check(MPI_Allreduce(MPI_IN_PLACE, p + done * bytes, n, type, reduce, comm_), "MPI_Allreduce");
      if (count == 0) break;
    }
  }

  void do_broadcast(void* data, int64_t count, Dtype dtype, int root) override {
    const MPI_Datatype type = mpi_type(dtype);
    char* p = static_cast<char*>(data);
    const int64_t bytes = int64_t(element_size(dtype));
    for (int64_t done = 0; done < count || count == 0; done += kChunk) {
      const int n = int(std::min(kChunk, count - done));
      check(MPI_Bcast(p + done * bytes, n, type, root, comm_), "MPI_Bcast");
      if (count == 0) break;
    }
  }

  void do_all_gather(const void* in, void* out, int64_t count, Dtype dtype) override {
    CHECK(count <= INT_MAX, "all_gather: at most ", INT_MAX, " elements per rank, got ", count);
    check(MPI_Allgather(in, int(count), mpi_type(dtype), out, int(count), mpi_type(dtype), comm_), "MPI_Allgather");
  }

  void do_barrier() override { check(MPI_Barrier(comm_), "MPI_Barrier"); }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  bool owns_mpi_ = false;
  bool thread_multiple_ = false;
};

}  // namespace

std::unique_ptr<ProcessGroup> make_mpi_process_group(std::chrono::milliseconds timeout) {
  return std::make_unique<ProcessGroupMPI>(timeout);
}

}  // namespace descent::distributed
