#pragma once
// Cluster: the processes a training program runs as, and everything --distributed changes,
// in one place. Without --distributed the cluster is this one process and nothing changes.
// With it (mpirun -np W build/examples/mnist_cnn --distributed ...):
//   - the program joins mpirun's W ranks; each uses cores / (ranks on its machine) threads
//     unless --threads says otherwise, so that one thread pool runs per core;
//   - --batch-size stays the global batch: each rank takes B / W examples of every batch,
//     its share from a DistributedSampler over the training set (shuffled with --seed);
//   - the model is wrapped in DistributedDataParallel (rank 0's weights everywhere, gradients
//     averaged in backward(), rank 0's BatchNorm buffers before each forward);
//   - each rank evaluates every W-th test example, and the meters are added up over the ranks,
//     so the metrics are those of the whole sets;
//   - rank 0 alone prints (the others' stdout is closed) and writes metrics, plots and
//     checkpoints; the others wait for it (role());
//   - an error on one rank prints its line and ends every rank (exit status 2), instead of
//     leaving the others waiting in a collective.
// The MPI half lives in cluster_mpi.cpp (descent::distributed); a build without MPI compiles
// cluster_single.cpp instead, where --distributed is an error that says what to install.
// Read next: examples/mnist_cnn.cpp (the lines that use it), docs/distributed.md.
#include <functional>
#include <memory>

#include <descent/descent.h>

#include "common/flags.h"
#include "common/training.h"

namespace examples {

// The switch the distributed programs accept: --distributed.
ExtraFlag distributed_flag();

// The transport, cluster_mpi.cpp (descent::distributed) or cluster_single.cpp (no MPI).
namespace transport {
void join();  // init_process_group; without MPI, a UsageError saying what to install
int rank();
int world_size();
int local_world_size();  // the ranks on this machine
void all_reduce_sum(descent::Tensor& t);
void barrier();
// This rank's DistributedSampler over `dataset_size` examples, shuffled with `seed`.
std::shared_ptr<const descent::data::Sampler> sampler(int64_t dataset_size, uint64_t seed);
[[noreturn]] void abort(int exit_code);  // ends every rank
// DistributedDataParallel over `model`, called through `forward`; the function returned holds it.
std::function<descent::Tensor(const descent::Tensor&)> wrap(std::shared_ptr<descent::nn::Module> model,
                                                             std::function<descent::Tensor(const descent::Tensor&)> forward);
}  // namespace transport

class Cluster {
 public:
  using Forward = std::function<descent::Tensor(const descent::Tensor&)>;

  // Joins mpirun's ranks when flags say --distributed; call it before setup(flags).
  explicit Cluster(const Flags& flags);

  bool distributed() const { return distributed_; }
  int rank() const { return rank_; }
  int world_size() const { return world_size_; }

  // The training loader's options: batches of --batch-size shuffled with --seed, or with
  // --distributed this rank's B / W of each, from its DistributedSampler share.
  descent::data::DataLoaderOptions train_options(const Flags& flags, int64_t train_size) const;
  // This rank's share of an evaluation set: examples rank, rank + W, ... (all of it alone).
  std::shared_ptr<const descent::data::Dataset> share(std::shared_ptr<const descent::data::Dataset> dataset) const;
  // The model's forward for training: its own, or through DistributedDataParallel.
  template <class M> Forward wrap(const std::shared_ptr<M>& model) {
    Forward forward = [m = model.get()](const descent::Tensor& x) { return descent::Tensor(m->forward(x)); };
    return distributed_ ? transport::wrap(model, std::move(forward)) : forward;
  }
  // The meters of every rank, added up.
  Stats reduce(const Meter& meter) const;
  // t summed over the ranks, in place (float32 / float64).
  void all_reduce_sum(descent::Tensor& t) const;
  // Who writes files, and how the others wait (Run's role).
  ProcessRole role() const;

 private:
  bool distributed_ = false;
  int rank_ = 0, world_size_ = 1;
};

}  // namespace examples
