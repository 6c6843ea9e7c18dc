// nn::Embedding (see embedding.h).
#include "nn/embedding.h"

#include <ostream>

#include "autograd/ops.h"
#include "nn/functional_call.h"
#include "nn/init.h"
#include "tensor/check.h"

namespace descent::nn {

Embedding::Embedding(const EmbeddingOptions& options_) : options(options_) {
  CHECK(options.num_embeddings() > 0 && options.embedding_dim() > 0, "Embedding: sizes must be positive, got ",
        "num_embeddings=", options.num_embeddings(), " embedding_dim=", options.embedding_dim());
  weight = register_parameter("weight", empty({options.num_embeddings(), options.embedding_dim()}));
  reset_parameters();
}

void Embedding::reset_parameters() { init::normal_(weight); }

Tensor Embedding::forward(const Tensor& indices) const { return embedding(param(weight), indices); }

void Embedding::pretty_print(std::ostream& os) const {
  os << "Embedding(" << options.num_embeddings() << ", " << options.embedding_dim() << ")";
}

}  // namespace descent::nn
