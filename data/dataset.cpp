// The Dataset defaults (per-example get, stacking into a batch), the seed derivation of the
// data pipeline, and Subset.
#include "data/dataset.h"

#include <cstring>
#include <numeric>
#include <stdexcept>

#include "tensor/check.h"
#include "tensor/factory.h"

namespace descent::data {

// A Generator's number at counter k is a hash of (its seed, k), so a number drawn from
// Generator(seed) at a chosen counter is a fresh seed that depends on nothing else. Even
// counters seed the epochs' shuffles, odd ones the epochs' transforms, so the two never collide.
Generator shuffle_generator(uint64_t seed, int64_t epoch) {
  return Generator(Generator(seed).bits(2 * uint64_t(epoch)));
}

Generator example_generator(uint64_t seed, int64_t epoch, int64_t index) {
  const uint64_t epoch_seed = Generator(seed).bits(2 * uint64_t(epoch) + 1);
  return Generator(Generator(epoch_seed).bits(uint64_t(index)));
}

Example Dataset::get(int64_t index, Generator&) const { return get(index); }

namespace {

// Copies one example's tensor into row `row` of the batch tensor, after checking it has the
// shape and dtype of the first example (which shaped the batch).
void put_row(const Tensor& batch, int64_t row, const Tensor& value, int64_t index, const char* which) {
  const Shape want(batch.sizes().begin() + 1, batch.sizes().end());
  if (!(value.sizes() == want) || value.dtype() != batch.dtype())
    throw std::invalid_argument(detail::concat(
        "Dataset::get_batch: example ", index, " has ", which, " ", shape_str(value.sizes()), " ",
        dtype_name(value.dtype()), " but the batch's first example has ", shape_str(Dims(want)), " ",
        dtype_name(batch.dtype()), "; every example must have the same shape and dtype to be stacked"));
  const size_t row_bytes = size_t(value.numel()) * value.element_size();
  Tensor c = value.detach().contiguous();
  std::memcpy(static_cast<char*>(batch.raw_data()) + size_t(row) * row_bytes, c.raw_data(), row_bytes);
}

}  // namespace

Example Dataset::get_batch(std::span<const int64_t> indices, uint64_t seed, int64_t epoch) const {
  const int64_t n = int64_t(indices.size());
  CHECK(n > 0, "Dataset::get_batch: expected at least one index, got none");
  Example batch;
  for (int64_t row = 0; row < n; ++row) {
    const int64_t index = indices[row];
    CHECK(index >= 0 && index < size(), "Dataset::get_batch: index ", index, " is out of range for a dataset of ",
          size(), " examples");
    Generator gen = example_generator(seed, epoch, index);
    Example e = get(index, gen);
    if (row == 0) {
      // The first example fixes the batch's shapes: [B] + its shape.
      Shape data_shape{n}, target_shape{n};
      data_shape.insert(data_shape.end(), e.data.sizes().begin(), e.data.sizes().end());
      target_shape.insert(target_shape.end(), e.target.sizes().begin(), e.target.sizes().end());
      batch.data = descent::empty(data_shape, e.data.dtype());
      batch.target = descent::empty(target_shape, e.target.dtype());
    }
    put_row(batch.data, row, e.data, index, "data");
    put_row(batch.target, row, e.target, index, "target");
  }
  return batch;
}

Subset::Subset(std::shared_ptr<const Dataset> dataset, std::vector<int64_t> indices)
    : dataset_(std::move(dataset)), indices_(std::move(indices)) {
  CHECK(dataset_ != nullptr, "Subset: expected a dataset, got a null pointer");
  for (int64_t i : indices_)
    CHECK(i >= 0 && i < dataset_->size(), "Subset: index ", i, " is out of range for a dataset of ",
          dataset_->size(), " examples");
}

Subset::Subset(std::shared_ptr<const Dataset> dataset, int64_t n) : dataset_(std::move(dataset)) {
  CHECK(dataset_ != nullptr, "Subset: expected a dataset, got a null pointer");
  CHECK(n >= 0, "Subset: expected a non-negative number of examples, got ", n);
  indices_.resize(size_t(std::min(n, dataset_->size())));
  std::iota(indices_.begin(), indices_.end(), int64_t(0));
}

Example Subset::get(int64_t index) const {
  CHECK(index >= 0 && index < size(), "Subset: index ", index, " is out of range for ", size(), " examples");
  return dataset_->get(indices_[size_t(index)]);
}

Example Subset::get(int64_t index, Generator& generator) const {
  CHECK(index >= 0 && index < size(), "Subset: index ", index, " is out of range for ", size(), " examples");
  return dataset_->get(indices_[size_t(index)], generator);
}

Example Subset::get_batch(std::span<const int64_t> indices, uint64_t seed, int64_t epoch) const {
  std::vector<int64_t> mapped(indices.size());
  for (size_t k = 0; k < indices.size(); ++k) {
    CHECK(indices[k] >= 0 && indices[k] < size(), "Subset: index ", indices[k], " is out of range for ", size(),
          " examples");
    mapped[k] = indices_[size_t(indices[k])];
  }
  return dataset_->get_batch(mapped, seed, epoch);
}

}  // namespace descent::data
