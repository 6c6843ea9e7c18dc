#pragma once
// Datasets: numbered examples, each a pair (data, target), as in libtorch's torch::data.
// A dataset answers size() and get(index); the DataLoader (data/dataloader.h) asks it for whole
// batches through get_batch(), which by default calls get() per index and stacks the results,
// and which the image datasets (data/image_dataset.h) override to write straight into the
// batch tensors. This file also fixes where every random number of the data pipeline comes
// from, so that shuffling and augmentation never depend on threads or batch sizes.
// Read next: data/tensor_dataset.h (the simplest dataset), data/dataloader.h.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace descent::data {

// One example, or a batch of them stacked along a new first dim (libtorch's naming).
// For classification a batch is data float32 [B, ...] and target int64 [B].
struct Example {
  Tensor data;
  Tensor target;
};

// ---- Where the randomness comes from ---------------------------------------------------------
// Epoch e's shuffle draws from shuffle_generator(seed, e); example i's random transforms in epoch
// e draw from example_generator(seed, e, i). Both are pure functions of their arguments (hashes
// through the counter-based Generator), so the same seed gives the same epochs on any thread
// count, with or without prefetching, and resuming at epoch e needs nothing but (seed, e).
Generator shuffle_generator(uint64_t seed, int64_t epoch);
Generator example_generator(uint64_t seed, int64_t epoch, int64_t index);

class Dataset {
 public:
  virtual ~Dataset() = default;

  virtual int64_t size() const = 0;
  // Example `index` in [0, size()), with its random transforms drawn as in epoch 0 of seed 0.
  virtual Example get(int64_t index) const = 0;
  // The same with the randomness given; datasets without random transforms need not override it.
  virtual Example get(int64_t index, Generator& generator) const;
  // The examples at `indices`, stacked: data [B, ...], target [B, ...]; example i draws from
  // example_generator(seed, epoch, i). The default calls get(i, generator) once per index, in
  // order on the calling thread (so get() need not be thread-safe), and copies each result
  // into place; it throws if the examples' shapes or dtypes differ.
  virtual Example get_batch(std::span<const int64_t> indices, uint64_t seed, int64_t epoch) const;
};

// The examples of `dataset` at `indices`, in that order (torch.utils.data.Subset); a cheap view
// that forwards whole batches, so a subset of an image dataset collates as fast as the dataset.
class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> dataset, std::vector<int64_t> indices);
  // The first min(n, dataset size) examples (what the examples' --limit-train uses).
  Subset(std::shared_ptr<const Dataset> dataset, int64_t n);
  int64_t size() const override { return int64_t(indices_.size()); }
  Example get(int64_t index) const override;
  Example get(int64_t index, Generator& generator) const override;
  Example get_batch(std::span<const int64_t> indices, uint64_t seed, int64_t epoch) const override;
  const std::vector<int64_t>& indices() const { return indices_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  std::vector<int64_t> indices_;
};

}  // namespace descent::data
