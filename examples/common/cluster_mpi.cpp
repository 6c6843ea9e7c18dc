// Cluster's transport over descent::distributed (MPI); see cluster.h.
#include <descent/distributed.h>

#include <cstdlib>

#include "common/cluster.h"

namespace examples::transport {

namespace dist = descent::distributed;

void join() { dist::init_process_group(); }
int rank() { return dist::get_rank(); }
int world_size() { return dist::get_world_size(); }
int local_world_size() { return dist::default_group().local_size(); }
void all_reduce_sum(descent::Tensor& t) { dist::all_reduce(t, dist::ReduceOp::SUM); }
void barrier() { dist::barrier(); }
void abort(int exit_code) {
  dist::default_group().abort(exit_code);
  std::_Exit(exit_code);  // not reached: abort ends the job; this tells the compiler so
}

std::shared_ptr<const descent::data::Sampler> sampler(int64_t dataset_size, uint64_t seed) {
  return std::make_shared<dist::DistributedSampler>(dataset_size, dist::DistributedSamplerOptions().shuffle(true).seed(seed));
}

std::function<descent::Tensor(const descent::Tensor&)> wrap(std::shared_ptr<descent::nn::Module> model,
                                                             std::function<descent::Tensor(const descent::Tensor&)> forward) {
  auto ddp = std::make_shared<dist::DistributedDataParallel>(std::move(model), std::move(forward));
  return [ddp](const descent::Tensor& x) { return ddp->forward(x); };
}

}  // namespace examples::transport
