#pragma once
// Helpers shared by the op files (internal): dtype promotion and argument checks.
#include <utility>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "tensor/check.h"

namespace descent::ops_detail {

using autograd::Grads;
using autograd::Node;
using autograd::record;

inline void check_defined(const Tensor& t, const char* op) { CHECK(t.defined(), op, ": got an undefined tensor"); }

// a and b converted to their common dtype (the cast is itself differentiable).
inline std::pair<Tensor, Tensor> promoted(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(a, op);
  check_defined(b, op);
  broadcast_shapes(a.sizes(), b.sizes(), op);  // the error names this op
  Dtype d = promote_types(a.dtype(), b.dtype());
  return {a.dtype() == d ? a : to(a, d), b.dtype() == d ? b : to(b, d)};
}

// Checks a binary op's operands (defined, broadcastable) and says whether they already share
// a dtype; hot ops then use them as they are and only otherwise go through promoted().
inline bool same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(a, op);
  check_defined(b, op);
  broadcast_shapes(a.sizes(), b.sizes(), op);
  return a.dtype() == b.dtype();
}

// a as a floating-point tensor (integers compute in float32, as in PyTorch).
inline Tensor floating(const Tensor& a, const char* op) {
  check_defined(a, op);
  return is_floating(a.dtype()) ? a : to(a, kFloat32);
}

// `a` in the dtype `a op scalar` computes in, for a double scalar, which acts as a Python float
// does in PyTorch whatever its value: a float tensor keeps its dtype, and an int64 or bool tensor
// computes in float32 (the default dtype), so arange(3) * 2.0 is float32 and arange(3) == 1.0
// compares in float32, as torch does. (Integer scalars have their own overloads in ops.h.)
inline Tensor with_scalar(const Tensor& a, double /*scalar*/, const char* op) { return floating(a, op); }

// Differentiable-op results computed from saved outputs: during a plain backward the saved
// (detached) output is a constant and saves a recomputation; with create_graph the formula
// must be differentiable in the input, so the output is recomputed from it.
inline bool differentiating_backward() { return GradMode::is_enabled(); }

// reshape, view and expand to sizes given as Dims (no -1 for reshape and view): for the ops and
// backward formulas that run at every step, where a Shape argument would cost an allocation.
// They record the same Nodes as the public forms (autograd/ops/shape.cpp).
Tensor reshape_to(const Tensor& a, const Dims& sizes);
Tensor view_to(const Tensor& a, const Dims& sizes);
Tensor expand_to(const Tensor& a, const Dims& shape);

}  // namespace descent::ops_detail
