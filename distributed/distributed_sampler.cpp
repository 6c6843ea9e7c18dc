// DistributedSampler and torch's randperm (see distributed_sampler.h).
#include "distributed/distributed_sampler.h"

#include <numeric>
#include <random>

#include "distributed/collectives.h"
#include "tensor/check.h"

namespace descent::distributed {
namespace {

// torch.randperm(n, generator=g) after g.manual_seed(seed), on the CPU.
std::vector<int64_t> torch_randperm(int64_t n, uint64_t seed) {
  std::vector<int64_t> r(static_cast<size_t>(n));
  std::iota(r.begin(), r.end(), int64_t(0));
  // torch's CPU generator is mt19937 seeded with the low 32 bits of the seed (its standard
  // initialization), and randperm swaps position i with i + (next output mod (n - i)).
  std::mt19937 engine(uint32_t(seed & 0xffffffffu));
  for (int64_t i = 0; i + 1 < n; ++i) {
    const int64_t z = int64_t(uint64_t(engine()) % uint64_t(n - i));
    std::swap(r[size_t(i)], r[size_t(i + z)]);
  }
  return r;
}

}  // namespace

DistributedSampler::DistributedSampler(int64_t dataset_size, DistributedSamplerOptions options)
    : dataset_size_(dataset_size), shuffle_(options.shuffle()), drop_last_(options.drop_last()), seed_(options.seed()) {
  const bool group = is_initialized();
  num_replicas_ = options.num_replicas().value_or(group ? get_world_size() : 1);
  rank_ = options.rank().value_or(group ? get_rank() : 0);
  CHECK(dataset_size_ >= 0, "DistributedSampler: dataset_size must be >= 0, got ", dataset_size_);
  CHECK(num_replicas_ >= 1, "DistributedSampler: num_replicas must be >= 1, got ", num_replicas_);
  CHECK(rank_ >= 0 && rank_ < num_replicas_, "DistributedSampler: rank must be in [0, ", num_replicas_, "), got ",
        rank_);
  // torch: with drop_last and a remainder, ceil((N - W) / W) = floor(N / W); else ceil(N / W).
  num_samples_ = drop_last_ ? dataset_size_ / num_replicas_ : (dataset_size_ + num_replicas_ - 1) / num_replicas_;
}

void DistributedSampler::set_epoch(int64_t epoch) {
  CHECK(epoch >= 0, "DistributedSampler::set_epoch: expected an epoch >= 0, got ", epoch);
  epoch_ = epoch;
}

std::vector<int64_t> DistributedSampler::indices(int64_t epoch) const {
  std::vector<int64_t> order;
  if (shuffle_) {
    order = torch_randperm(dataset_size_, seed_ + uint64_t(epoch));
  } else {
    order.resize(size_t(dataset_size_));
    std::iota(order.begin(), order.end(), int64_t(0));
  }
  const int64_t total = total_size();
  // Padding repeats the order from its start, as many times as needed (N may be < W).
  for (int64_t i = dataset_size_; i < total; ++i) order.push_back(order[size_t(i - dataset_size_)]);
  order.resize(size_t(total));
  std::vector<int64_t> mine;
  mine.reserve(size_t(num_samples_));
  for (int64_t i = rank_; i < total; i += num_replicas_) mine.push_back(order[size_t(i)]);
  return mine;
}

}  // namespace descent::distributed
