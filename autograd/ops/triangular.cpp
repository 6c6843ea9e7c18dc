// tril and triu: the lower and upper triangles of the last two dims, the rest set to zero (as a
// causal mask is built from: tril(ones(T, T)) keeps the keys at or before each query). Linear
// maps, so each is its own backward.
#include "autograd/ops/common.h"
#include "tensor/kernels/triangular.h"

namespace descent {

using namespace ops_detail;

namespace {
Tensor triangle(const Tensor& a, int64_t diagonal, bool lower, const char* op) {
  check_defined(a, op);
  CHECK(a.dim() >= 2, op, ": expected a tensor of at least 2 dims (matrices in the last two), got ", a.sizes());
  Tensor out = kernels::triangle(a, diagonal, lower);
  if (auto node = record(lower ? "tril" : "triu", out, {a})) {
    node->set_backward([diagonal, lower](const Tensor& g, const Node&) -> Grads {
      return {lower ? tril(g, diagonal) : triu(g, diagonal)};
    });
  }
  return out;
}
}  // namespace

// a: [.., M, N]   out[.., i, j] = a[.., i, j] if j − i <= diagonal, else 0   dL/da = tril(g, diagonal)
Tensor tril(const Tensor& a, int64_t diagonal) { return triangle(a, diagonal, true, "tril"); }

// a: [.., M, N]   out[.., i, j] = a[.., i, j] if j − i >= diagonal, else 0   dL/da = triu(g, diagonal)
Tensor triu(const Tensor& a, int64_t diagonal) { return triangle(a, diagonal, false, "triu"); }

}  // namespace descent
