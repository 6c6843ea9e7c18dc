#pragma once
// Sampler: the example indices an epoch visits, in order, when something other than the
// DataLoader decides them (torch.utils.data.Sampler). Give one to the loader with
// DataLoaderOptions(b).sampler(s); the loader then asks it for epoch e's indices at the start of
// each epoch, instead of shuffling the whole dataset itself. The loader's epoch counter drives
// the sampler, so resuming a loader at epoch e resumes its sampler too.
// descent's one sampler is distributed::DistributedSampler (each rank's share of the data,
// distributed/distributed_sampler.h), which is why this interface lives apart from it.
// Read next: data/dataloader.h.
#include <cstdint>
#include <vector>

namespace descent::data {

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual int64_t size() const = 0;                             // indices per epoch
  virtual std::vector<int64_t> indices(int64_t epoch) const = 0;  // size() of them, each in [0, dataset size)
};

}  // namespace descent::data
