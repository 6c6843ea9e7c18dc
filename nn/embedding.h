#pragma once
// nn::Embedding: a table of num_embeddings vectors of embedding_dim numbers; token i's vector is
// row i of `weight`. indices: int64 [..] in [0, num_embeddings) -> [.., embedding_dim].
// Initialized as PyTorch's: weight ~ N(0, 1). The op is descent::embedding
// (autograd/ops/embedding.cpp); its gradient adds into a row once per use of the token.
#include "nn/module.h"
#include "nn/options.h"

namespace descent::nn {

struct EmbeddingOptions {
  EmbeddingOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  DESCENT_ARG(int64_t, num_embeddings);
  DESCENT_ARG(int64_t, embedding_dim);
};

class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim)
      : Embedding(EmbeddingOptions(num_embeddings, embedding_dim)) {}
  explicit Embedding(const EmbeddingOptions& options);

  Tensor forward(const Tensor& indices) const;
  void reset_parameters();
  void pretty_print(std::ostream& os) const override;

  EmbeddingOptions options;
  Tensor weight;  // [num_embeddings, embedding_dim]
};

}  // namespace descent::nn
