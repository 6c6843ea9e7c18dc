// Cluster: what --distributed changes (see cluster.h). The transport calls are in
// cluster_mpi.cpp (or cluster_single.cpp when the build has no MPI).
#include "common/cluster.h"

#include <cstdio>
#include <thread>

#include "common/main.h"

namespace examples {

using namespace descent;

ExtraFlag distributed_flag() { return {"distributed", "0", {}, /*is_switch=*/true}; }

Cluster::Cluster(const Flags& flags) {
  auto it = flags.extra.find("distributed");
  distributed_ = it != flags.extra.end() && it->second == "1";
  if (!distributed_) return;
  transport::join();
  rank_ = transport::rank();
  world_size_ = transport::world_size();
  // One thread pool per core: W ranks on C cores take C / W threads each (at least one).
  if (flags.threads == 0) {
    const int cores = int(std::thread::hardware_concurrency());
    set_num_threads(std::max(1, cores / std::max(1, transport::local_world_size())));
  }
  // Rank 0 alone speaks; the others' lines would repeat its own.
  if (rank_ != 0) std::freopen("/dev/null", "w", stdout);
  // An error on one rank must not leave the others waiting in a collective until the timeout.
  set_error_hook([] { transport::abort(2); });
}

data::DataLoaderOptions Cluster::train_options(const Flags& flags, int64_t train_size) const {
  if (!distributed_) return data::DataLoaderOptions(flags.batch_size).shuffle(true).seed(flags.seed);
  if (flags.batch_size % world_size_ != 0)
    throw UsageError("bad value '" + std::to_string(flags.batch_size) + "' for --batch-size (the global batch must " +
                     "split evenly over the " + std::to_string(world_size_) + " ranks)");
  return data::DataLoaderOptions(flags.batch_size / world_size_)
      .sampler(transport::sampler(train_size, flags.seed))
      .seed(flags.seed);
}

std::shared_ptr<const data::Dataset> Cluster::share(std::shared_ptr<const data::Dataset> dataset) const {
  if (!distributed_) return dataset;
  std::vector<int64_t> mine;
  for (int64_t i = rank_; i < dataset->size(); i += world_size_) mine.push_back(i);
  return std::make_shared<data::Subset>(std::move(dataset), std::move(mine));
}

Stats Cluster::reduce(const Meter& meter) const {
  if (!distributed_) return meter.stats();
  std::vector<double> sums = meter.sums();
  sums.push_back(meter.classification() ? 1.0 : 0.0);
  Tensor t = tensor(sums, {int64_t(sums.size())}, kFloat64);
  transport::all_reduce_sum(t);
  sums = t.to_vector<double>();
  Meter total;
  total.add_sums(sums, sums.back() > 0);
  return total.stats();
}

void Cluster::all_reduce_sum(Tensor& t) const {
  if (distributed_) transport::all_reduce_sum(t);
}

ProcessRole Cluster::role() const {
  if (!distributed_) return {};
  return {rank_, world_size_, [] { transport::barrier(); }};
}

}  // namespace examples
