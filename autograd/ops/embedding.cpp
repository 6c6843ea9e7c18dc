// embedding: a lookup table. Row i of the weight is the vector of token i, so the output for
// indices [..] is those rows, [.., D]. A composite of index_select (autograd/ops/index.cpp):
// its backward, index_add into zeros, adds the gradient of every use of a row into that row, so
// a token that appears twice in a batch gets both contributions.
#include "autograd/ops/common.h"
#include "tensor/kernels/elementwise.h"

namespace descent {

using namespace ops_detail;

// weight: [V, D]  indices: int64 [..]  out: [.., D]   dL/dweight[v] = Σ over positions p with indices[p] = v of g[p]
Tensor embedding(const Tensor& weight, const Tensor& indices) {
  check_defined(weight, "embedding");
  check_defined(indices, "embedding");
  CHECK(weight.dim() == 2, "embedding: weight must be [num_embeddings, embedding_dim], got ", weight.sizes());
  CHECK(indices.dtype() == kInt64, "embedding: indices must be int64, got ", dtype_name(indices.dtype()),
        " (shape ", indices.sizes(), ")");
  const int64_t V = weight.sizes()[0], n = indices.numel();
  const Tensor flat = reshape_to(indices.detach(), {n});
  const Tensor ids = kernels::contiguous(flat);
  const int64_t* id = ids.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    CHECK(id[i] >= 0 && id[i] < V, "embedding: index ", id[i], " is out of range for ", V, " embeddings (weight ",
          weight.sizes(), ")");
  Dims out_shape = indices.sizes();
  out_shape.push_back(weight.sizes()[1]);
  return reshape_to(index_select(weight, 0, ids), out_shape);
}

}  // namespace descent
