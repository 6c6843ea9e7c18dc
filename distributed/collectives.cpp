// The default process group and the tensor-level collectives (see collectives.h).
#include "distributed/collectives.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "distributed/process_group_mpi.h"
#include "tensor/check.h"
#include "tensor/factory.h"

namespace descent::distributed {
namespace {

std::unique_ptr<ProcessGroup>& group_slot() {
  static std::unique_ptr<ProcessGroup> group;
  return group;
}

// torch's default is 30 minutes; 10 is NCCL's, long enough for a slow epoch's evaluation on one
// rank while the others wait, short enough that a dead job is noticed.
std::chrono::milliseconds default_timeout() {
  if (const char* s = std::getenv("DESCENT_DISTRIBUTED_TIMEOUT")) {
    char* end = nullptr;
    const double seconds = std::strtod(s, &end);
    CHECK(end != s && *end == '\0' && seconds > 0,
          "init_process_group: DESCENT_DISTRIBUTED_TIMEOUT must be a positive number of seconds, got '", s, "'");
    return std::chrono::milliseconds(int64_t(seconds * 1000.0 + 0.5));
  }
  return std::chrono::minutes(10);
}

void check_tensor(const char* op, const Tensor& t) {
  CHECK(is_initialized(), op, ": call init_process_group() first");
  CHECK(t.defined(), op, ": the tensor is undefined");
  CHECK(t.dtype() == kFloat32 || t.dtype() == kFloat64 || t.dtype() == kInt64, op, ": unsupported dtype ",
        dtype_name(t.dtype()), " (float32, float64 and int64 are supported)");
}

// Runs `collective(data, count)` on t's elements in place, or on a contiguous copy that is then
// written back into t. Through detach(): collectives are not differentiable, and a parameter (a
// leaf that requires grad) may be broadcast.
template <class F> void in_place(Tensor& t, F&& collective) {
  if (t.is_contiguous()) {  // the common case, with nothing made: small all_reduces are latency-bound
    collective(t.raw_data(), t.numel());
    t.bump_version();
    return;
  }
  Tensor buffer = t.detach().contiguous();
  collective(buffer.raw_data(), buffer.numel());
  t.detach().copy_(buffer);
}

}  // namespace

void init_process_group() { init_process_group(default_timeout()); }

void init_process_group(std::chrono::milliseconds timeout) {
  CHECK(!is_initialized(), "init_process_group: the default process group is already initialized");
  group_slot() = make_mpi_process_group(timeout);
  // MPI wants MPI_Finalize before the process ends; torch's MPI backend does the same at exit.
  static bool registered = false;
  if (!registered) std::atexit([] { destroy_process_group(); });
  registered = true;
}

void destroy_process_group() { group_slot().reset(); }

bool is_initialized() { return group_slot() != nullptr; }

ProcessGroup& default_group() {
  CHECK(is_initialized(), "distributed: call init_process_group() first");
  return *group_slot();
}

int get_rank() { return default_group().rank(); }
int get_world_size() { return default_group().size(); }

void barrier() { default_group().barrier(); }

void all_reduce(Tensor& t, ReduceOp op) {
  check_tensor("all_reduce", t);
  CHECK(op != ReduceOp::AVG || is_floating(t.dtype()), "all_reduce: ReduceOp::AVG needs a floating dtype, got ",
        dtype_name(t.dtype()));
  in_place(t, [&](void* data, int64_t n) { default_group().all_reduce(data, n, t.dtype(), op); });
}

void broadcast(Tensor& t, int src) {
  check_tensor("broadcast", t);
  const int world = get_world_size();
  CHECK(src >= 0 && src < world, "broadcast: src must be a rank in [0, ", world, "), got ", src);
  in_place(t, [&](void* data, int64_t n) { default_group().broadcast(data, n, t.dtype(), src); });
}

void all_gather(std::vector<Tensor>& out, const Tensor& t) {
  check_tensor("all_gather", t);
  const int world = get_world_size();
  if (out.empty()) {
    for (int r = 0; r < world; ++r) out.push_back(empty(t.sizes(), t.dtype()));
  }
  CHECK(int(out.size()) == world, "all_gather: expected an empty output list or one of ", world,
        " tensors (one per rank), got ", out.size());
  for (size_t r = 0; r < out.size(); ++r)
    CHECK(out[r].defined() && out[r].sizes() == t.sizes() && out[r].dtype() == t.dtype(), "all_gather: output ", r,
          " must have the input's shape ", t.sizes(), " and dtype ", dtype_name(t.dtype()), ", got ",
          out[r].defined() ? shape_str(out[r].sizes()) + " " + dtype_name(out[r].dtype()) : std::string("undefined"));
  const Tensor input = t.detach().contiguous();
  const int64_t n = input.numel();
  Tensor gathered = empty({int64_t(world) * n}, t.dtype());
  default_group().all_gather(input.raw_data(), gathered.raw_data(), n, t.dtype());
  for (int r = 0; r < world; ++r) out[size_t(r)].detach().copy_(gathered.slice(0, r * n, (r + 1) * n).view(t.sizes()));
}

}  // namespace descent::distributed
