// Matrix products. The forward is one (batched) GEMM in tensor/kernels/matmul.cpp; the
// backward is two more matmuls, on transposed views that BLAS reads without copying.
#include "autograd/ops/common.h"
#include "tensor/kernels/matmul.h"

namespace descent {

using namespace ops_detail;

namespace {
void check_matmul_args(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(a, op);
  check_defined(b, op);
  CHECK(a.dtype() == b.dtype(), op, ": dtype mismatch: a is ", dtype_name(a.dtype()), ", b is ", dtype_name(b.dtype()));
  CHECK(is_floating(a.dtype()), op, ": expected floating-point tensors, got ", dtype_name(a.dtype()));
  CHECK(a.dim() >= 1 && b.dim() >= 1, op, ": both operands need at least 1 dim, got a ", a.sizes(), " and b ",
        b.sizes());
}
}  // namespace

// a: [.., M, K]  b: [.., K, N]  out: [.., M, N]   dL/da = g·bᵀ   dL/db = aᵀ·g
// (batch dims broadcast; the engine sums the gradients back over broadcast batch dims)
Tensor matmul(const Tensor& a, const Tensor& b) {
  check_matmul_args(a, b, "matmul");
  // A 1-D operand is a row (left) or column (right) vector whose extra dim is dropped after.
  if (a.dim() == 1 && b.dim() == 1) {
    CHECK(a.sizes()[0] == b.sizes()[0], "matmul: inner dims differ: a is ", a.sizes(), ", b is ", b.sizes());
    return squeeze(squeeze(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), -1), -1);
  }
  if (a.dim() == 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.dim() == 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  CHECK(a.sizes().back() == b.sizes()[size_t(b.dim() - 2)], "matmul: inner dims differ: a is ", a.sizes(), ", b is ",
        b.sizes());
  // Expanded operands hold no memory, so the product's size is checked before the kernel makes it.
  Dims out_shape = broadcast_shapes(Dims(a.sizes().begin(), a.sizes().end() - 2),
                                    Dims(b.sizes().begin(), b.sizes().end() - 2), "matmul");
  out_shape.push_back(a.sizes()[size_t(a.dim() - 2)]);
  out_shape.push_back(b.sizes().back());
  checked_numel(out_shape, "matmul");
  Tensor out = kernels::matmul(a, b);
  if (auto node = record("matmul", out, {a, b})) {
    node->set_backward([a = node->save(a), b = node->save(b)](const Tensor& g, const Node& n) -> Grads {
      return {n.needs_grad(0) ? matmul(g, transpose(b, -2, -1)) : Tensor(),
              n.needs_grad(1) ? matmul(transpose(a, -2, -1), g) : Tensor()};
    });
  }
  return out;
}

Tensor mm(const Tensor& a, const Tensor& b) {
  check_matmul_args(a, b, "mm");
  CHECK(a.dim() == 2 && b.dim() == 2, "mm: expected 2-D operands, got a ", a.sizes(), " and b ", b.sizes());
  return matmul(a, b);
}

// x: [R, K] (or [.., K], flattened to rows)  w: [N, K]  bias: [N]   out: [R, N]
// dL/dx = g·w   dL/dw = gᵀ·x   dL/dbias = Σ_rows g
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_matmul_args(x, weight, "linear");
  CHECK(weight.dim() == 2, "linear: weight must be 2-D [out, in], got ", weight.sizes());
  CHECK(x.sizes().back() == weight.sizes()[1], "linear: input has ", x.sizes().back(), " features (shape ",
        x.sizes(), ") but weight expects ", weight.sizes()[1], " (shape ", weight.sizes(), ")");
  if (bias.defined()) {
    CHECK(bias.dim() == 1 && bias.sizes()[0] == weight.sizes()[0], "linear: bias must have shape [",
          weight.sizes()[0], "], got ", bias.sizes());
    CHECK(bias.dtype() == x.dtype(), "linear: dtype mismatch: input is ", dtype_name(x.dtype()), ", bias is ",
          dtype_name(bias.dtype()));
  }
  if (x.dim() != 2) {  // [.., in] as rows [R, in] (Dims, not Shape: no allocation per call)
    Dims out_shape(x.sizes().begin(), x.sizes().end() - 1);
    const int64_t rows = numel_of(out_shape);
    out_shape.push_back(weight.sizes()[0]);
    return reshape_to(linear(reshape_to(x, {rows, x.sizes().back()}), weight, bias), out_shape);
  }
  checked_numel({x.sizes()[0], weight.sizes()[0]}, "linear");
  Tensor out = kernels::linear(x, weight, bias);
  if (auto node = record("linear", out, {x, weight, bias})) {
    node->set_backward([x = node->save(x), w = node->save(weight)](const Tensor& g, const Node& n) -> Grads {
      return {n.needs_grad(0) ? matmul(g, w) : Tensor(), n.needs_grad(1) ? matmul(t(g), x) : Tensor(),
              n.needs_grad(2) ? sum_to(g, {g.sizes()[1]}) : Tensor()};
    });
  }
  return out;
}

}  // namespace descent
