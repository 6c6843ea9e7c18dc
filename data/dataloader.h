#pragma once
// DataLoader: a dataset served in batches, epoch after epoch, as libtorch's and PyTorch's are.
//
//   data::DataLoader loader(train, data::DataLoaderOptions(64).shuffle(true).seed(1));
//   for (int epoch = 0; epoch < epochs; ++epoch)
//     for (auto& batch : loader) { ... batch.data ... batch.target ... }
//
// The batch size picks the gradient-descent variant: 1 is stochastic GD, the dataset's size is
// (full-)batch GD, anything between is mini-batch GD. Each range-for is one epoch: it visits
// every example once (the last batch is smaller unless drop_last drops it) and then the loader
// moves on to the next epoch.
//
// Determinism: epoch e's order is a pure function of (seed, e) and example i's random
// transforms of (seed, e, i) (data/dataset.h), so the same seed gives the same batches on any
// thread count, with or without prefetching. The loader's whole state is (seed, epoch); save()
// and load() write and read it, so a run checkpointed at an epoch boundary resumes exactly.
//
// A sampler (data/sampler.h) takes over the order: each epoch visits sampler.indices(epoch), in
// that order (distributed::DistributedSampler gives each rank its share); it excludes shuffle.
//
// Prefetching: with prefetch(k) > 0 (the default is 2), a background thread prepares up to k
// batches ahead while the training loop works on the current one; prefetch(0) makes each batch
// in the caller's thread when it is asked for. Both give identical batches. An exception thrown
// while making a batch reaches the loop at that batch.
// Read next: data/dataset.h, data/image_dataset.h.
#include <concepts>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/sampler.h"
#include "tensor/serialize.h"

namespace descent::data {

struct DataLoaderOptions {
  DataLoaderOptions(int64_t batch_size = 1) : batch_size_(batch_size) {}  // NOLINT: implicit, as libtorch's

  DataLoaderOptions& batch_size(int64_t v) { batch_size_ = v; return *this; }
  DataLoaderOptions& shuffle(bool v) { shuffle_ = v; return *this; }      // a new order every epoch
  DataLoaderOptions& drop_last(bool v) { drop_last_ = v; return *this; }  // drop a short last batch
  // The seed of shuffling and random transforms. Without one, the loader draws its seed from
  // the default generator when it is made, so manual_seed() governs it as it governs the rest.
  DataLoaderOptions& seed(uint64_t v) { seed_ = v; return *this; }
  DataLoaderOptions& prefetch(int64_t v) { prefetch_ = v; return *this; }  // batches made ahead, 0 = none
  // The examples each epoch visits (instead of all of them, shuffled or not); held, not copied
  // when given as a shared_ptr, copied when given as a value.
  DataLoaderOptions& sampler(std::shared_ptr<const Sampler> v) { sampler_ = std::move(v); return *this; }
  template <class S>
    requires std::derived_from<S, Sampler>
  DataLoaderOptions& sampler(S v) { return sampler(std::make_shared<const S>(std::move(v))); }

  int64_t batch_size() const { return batch_size_; }
  bool shuffle() const { return shuffle_; }
  bool drop_last() const { return drop_last_; }
  std::optional<uint64_t> seed() const { return seed_; }
  int64_t prefetch() const { return prefetch_; }
  const std::shared_ptr<const Sampler>& sampler() const { return sampler_; }

 private:
  int64_t batch_size_;
  bool shuffle_ = false;
  bool drop_last_ = false;
  std::optional<uint64_t> seed_;
  int64_t prefetch_ = 2;
  std::shared_ptr<const Sampler> sampler_;
};

namespace detail {
class EpochRun;  // one epoch in progress: its order, its batches, its prefetching thread
}

class DataLoader {
 public:
  class Iterator;

  // Takes a copy of the dataset (cheap for the datasets here: they share their data) or
  // shares one held by a shared_ptr.
  template <class D>
    requires std::derived_from<D, Dataset>
  DataLoader(D dataset, DataLoaderOptions options = {})
      : DataLoader(std::shared_ptr<const Dataset>(std::make_shared<const D>(std::move(dataset))), std::move(options)) {}
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});

  Iterator begin();  // starts epoch epoch() and moves epoch() on by one
  Iterator end() const;

  int64_t size() const;  // batches per epoch (of the sampler's indices, when there is one)
  const Dataset& dataset() const { return *dataset_; }
  const DataLoaderOptions& options() const { return options_; }
  uint64_t seed() const { return seed_; }
  int64_t epoch() const { return epoch_; }  // the epoch the next begin() runs
  void set_epoch(int64_t epoch);
  std::vector<int64_t> order(int64_t epoch) const;  // the example indices epoch `epoch` visits, in order

  // The loader's state (seed, epoch; and the dataset's size, to catch resuming on other data).
  void save(serialize::OutputArchive& archive, const std::string& prefix = "") const;
  void load(const serialize::InputArchive& archive, const std::string& prefix = "");

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  uint64_t seed_ = 0;
  int64_t epoch_ = 0;
};

// An input iterator over one epoch's batches: copies share the epoch, and `++` moves them all.
class DataLoader::Iterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = Example;
  using difference_type = std::ptrdiff_t;
  using pointer = Example*;
  using reference = Example&;

  Iterator() = default;  // the end
  Example& operator*() const;
  Example* operator->() const { return &**this; }
  Iterator& operator++();
  bool operator==(const Iterator& other) const { return run_ == other.run_; }

 private:
  friend class DataLoader;
  explicit Iterator(std::shared_ptr<detail::EpochRun> run);
  std::shared_ptr<detail::EpochRun> run_;  // null at the end
};

}  // namespace descent::data
