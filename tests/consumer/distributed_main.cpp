// descent::distributed from the installed package: two ranks average a gradient (run under
// mpirun -np 2; CI does). Exits 1 unless every rank ends with the same averaged weights.
#include <descent/distributed.h>

#include <cstdio>

int main() {
  using namespace descent;
  namespace dist = descent::distributed;
  dist::init_process_group();
  manual_seed(uint64_t(dist::get_rank()));  // different weights per rank: DDP makes them rank 0's
  auto model = std::make_shared<nn::Linear>(3, 1);
  dist::DistributedDataParallel ddp(model);
  Tensor x = full({1, 3}, double(dist::get_rank() + 1));
  ddp.forward(x).sum().backward();  // dL/dw = x: averaged over the ranks
  const double want = (1.0 + dist::get_world_size()) / 2.0;
  const bool ok = model->weight.grad().to_vector<float>() == std::vector<float>(3, float(want));
  std::printf("rank %d of %d: grad %s\n", dist::get_rank(), dist::get_world_size(), ok ? "averaged" : "WRONG");
  dist::destroy_process_group();
  return ok ? 0 : 1;
}
