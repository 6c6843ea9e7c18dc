// Cluster's transport in a build without MPI: one process, and --distributed is an error that
// says what is missing (see cluster.h).
#include "common/cluster.h"

#include <cstdlib>

namespace examples::transport {

void join() {
  throw UsageError("--distributed needs descent::distributed, which this build lacks: CMake found no MPI (install "
                   "libopenmpi-dev openmpi-bin, then configure again)");
}
int rank() { return 0; }
int world_size() { return 1; }
int local_world_size() { return 1; }
void all_reduce_sum(descent::Tensor&) {}
void barrier() {}
void abort(int exit_code) { std::exit(exit_code); }
std::shared_ptr<const descent::data::Sampler> sampler(int64_t, uint64_t) { return nullptr; }
std::function<descent::Tensor(const descent::Tensor&)> wrap(std::shared_ptr<descent::nn::Module>,
                                                             std::function<descent::Tensor(const descent::Tensor&)> forward) {
  return forward;
}

}  // namespace examples::transport
