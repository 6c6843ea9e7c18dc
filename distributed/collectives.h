#pragma once
// The torch.distributed API on descent's tensors, over one process group per process (the
// default group, made by init_process_group from mpirun's world):
//
//   distributed::init_process_group();                 // once, before anything else here
//   Tensor t = full({4}, double(distributed::get_rank()));
//   distributed::all_reduce(t);                        // every rank: 0 + 1 + ... + (W - 1)
//   distributed::broadcast(t, /*src=*/0);
//
// Collectives run in place, on every rank, in the same order on every rank; they take float32,
// float64 and int64 tensors, contiguous or not (a strided tensor goes through a contiguous copy),
// and never record autograd history. A collective that does not complete within the timeout
// (10 minutes, or DESCENT_DISTRIBUTED_TIMEOUT seconds, or init_process_group's argument) ends
// the job with one line naming the rank, the collective, its sequence number, dtype and size.
// Read next: distributed/ddp.h.
#include <chrono>
#include <vector>

#include "distributed/process_group.h"
#include "tensor/tensor.h"

namespace descent::distributed {

// Joins the job's ranks (MPI: initializes MPI). The timeout is DESCENT_DISTRIBUTED_TIMEOUT
// (seconds) when set, 10 minutes otherwise; the second form sets it. Throws if already done.
void init_process_group();
void init_process_group(std::chrono::milliseconds timeout);
// Leaves the group (MPI: finalizes it); also done at exit if the program does not.
void destroy_process_group();
bool is_initialized();
int get_rank();        // 0 .. get_world_size() - 1
int get_world_size();
ProcessGroup& default_group();  // the group itself: local ranks, timeout, abort

// Blocks until every rank has called it.
void barrier();
// t = op(t on rank 0, ..., t on rank W-1), elementwise, on every rank. AVG is SUM / W and
// needs a floating dtype.
void all_reduce(Tensor& t, ReduceOp op = ReduceOp::SUM);
// t = t on rank src, on every rank.
void broadcast(Tensor& t, int src);
// out[r] = t on rank r. out is either empty (it is filled with W new tensors) or holds W
// tensors of t's shape and dtype, which are written in place.
void all_gather(std::vector<Tensor>& out, const Tensor& t);

}  // namespace descent::distributed
