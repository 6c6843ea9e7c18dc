#pragma once
// DistributedSampler: each rank's share of a dataset, torch.utils.data.DistributedSampler's
// split exactly (tests/golden/sampler.txt holds torch's own):
//   1. the epoch's order: 0 .. N-1, or with shuffle the permutation torch.randperm(N) draws from
//      a generator seeded with seed + epoch (the same on every rank);
//   2. without drop_last, padded at the end with its own first indices to ceil(N / W) * W; with
//      drop_last, cut to floor(N / W) * W;
//   3. rank r takes every W-th index from position r (interleaved, not in blocks).
// So every rank has the same number of examples, and at W = 1 the order is the same
// permutation: the global batches of a run at W ranks are those of one process at W = 1.
//
//   auto sampler = std::make_shared<distributed::DistributedSampler>(train.size(),
//       distributed::DistributedSamplerOptions().shuffle(true).seed(0));
//   data::DataLoader loader(train, data::DataLoaderOptions(64 / world).sampler(sampler));
//
// The loader hands its epoch to indices(epoch), so, unlike in torch, nothing needs calling
// before each epoch; set_epoch and indices() are there for using the sampler on its own.
// num_replicas and rank default to the default process group's (or 1 and 0 without one).
// Read next: data/sampler.h, data/dataloader.h.
#include <cstdint>
#include <optional>
#include <vector>

#include "data/sampler.h"

namespace descent::distributed {

struct DistributedSamplerOptions {
  DistributedSamplerOptions& num_replicas(int64_t v) { num_replicas_ = v; return *this; }
  DistributedSamplerOptions& rank(int64_t v) { rank_ = v; return *this; }
  DistributedSamplerOptions& shuffle(bool v) { shuffle_ = v; return *this; }  // torch's default: true
  DistributedSamplerOptions& seed(uint64_t v) { seed_ = v; return *this; }     // the same on every rank
  DistributedSamplerOptions& drop_last(bool v) { drop_last_ = v; return *this; }

  std::optional<int64_t> num_replicas() const { return num_replicas_; }
  std::optional<int64_t> rank() const { return rank_; }
  bool shuffle() const { return shuffle_; }
  uint64_t seed() const { return seed_; }
  bool drop_last() const { return drop_last_; }

 private:
  std::optional<int64_t> num_replicas_, rank_;
  bool shuffle_ = true;
  uint64_t seed_ = 0;
  bool drop_last_ = false;
};

class DistributedSampler : public data::Sampler {
 public:
  DistributedSampler(int64_t dataset_size, DistributedSamplerOptions options = {});

  int64_t size() const override { return num_samples_; }  // this rank's examples per epoch
  std::vector<int64_t> indices(int64_t epoch) const override;
  void set_epoch(int64_t epoch);  // the epoch indices() without an argument uses
  std::vector<int64_t> indices() const { return indices(epoch_); }

  int64_t num_replicas() const { return num_replicas_; }
  int64_t rank() const { return rank_; }
  int64_t total_size() const { return num_samples_ * num_replicas_; }

 private:
  int64_t dataset_size_, num_replicas_, rank_, num_samples_;
  bool shuffle_, drop_last_;
  uint64_t seed_;
  int64_t epoch_ = 0;
};

}  // namespace descent::distributed
