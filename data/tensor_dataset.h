#pragma once
// TensorDataset: examples that are the rows of two tensors, data [N, ...] and target [N, ...]
// (torch.utils.data.TensorDataset with two tensors). The tensors keep their dtypes: float
// targets for regression, int64 class indices for classification. Batches are one
// index_select per tensor. Nothing here is random.
// Read next: data/dataloader.h; data/image_dataset.h for uint8 images with transforms.
#include "data/dataset.h"

namespace descent::data {

class TensorDataset : public Dataset {
 public:
  // Both tensors are detached (a dataset is input, never part of a graph) and must have the
  // same first dim, which is the number of examples.
  TensorDataset(const Tensor& data, const Tensor& target);

  int64_t size() const override { return data_.size(0); }
  Example get(int64_t index) const override;  // data_[index], target_[index] (views)
  Example get_batch(std::span<const int64_t> indices, uint64_t seed, int64_t epoch) const override;

  const Tensor& data() const { return data_; }
  const Tensor& target() const { return target_; }

 private:
  Tensor data_, target_;
};

}  // namespace descent::data
