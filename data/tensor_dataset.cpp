// TensorDataset: rows of two tensors, gathered by index_select.
#include "data/tensor_dataset.h"

#include <algorithm>

#include "autograd/ops.h"
#include "tensor/check.h"

namespace descent::data {

TensorDataset::TensorDataset(const Tensor& data, const Tensor& target) {
  CHECK(data.defined() && target.defined(), "TensorDataset: expected two defined tensors");
  CHECK(data.dim() >= 1 && target.dim() >= 1, "TensorDataset: expected tensors with a first (example) dim, got shapes ",
        shape_str(data.sizes()), " and ", shape_str(target.sizes()));
  CHECK(data.size(0) == target.size(0), "TensorDataset: data and target must have the same number of rows, got ",
        shape_str(data.sizes()), " and ", shape_str(target.sizes()));
  data_ = data.detach();
  target_ = target.detach();
}

Example TensorDataset::get(int64_t index) const {
  CHECK(index >= 0 && index < size(), "TensorDataset: index ", index, " is out of range for ", size(), " examples");
  return {data_.select(0, index), target_.select(0, index)};
}

Example TensorDataset::get_batch(std::span<const int64_t> indices, uint64_t, int64_t) const {
  CHECK(!indices.empty(), "TensorDataset::get_batch: expected at least one index, got none");
  for (int64_t i : indices)
    CHECK(i >= 0 && i < size(), "TensorDataset: index ", i, " is out of range for ", size(), " examples");
  Tensor index = empty({int64_t(indices.size())}, kInt64);
  std::copy(indices.begin(), indices.end(), index.data_ptr<int64_t>());
  return {index_select(data_, 0, index), index_select(target_, 0, index)};
}

}  // namespace descent::data
