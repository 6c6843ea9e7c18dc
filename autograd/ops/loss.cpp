// The fused losses: cross_entropy (log_softmax + nll_loss in one kernel, with label smoothing
// and ignored targets, exactly as torch.nn.functional.cross_entropy) and the stable
// binary_cross_entropy_with_logits. The other losses (mse, l1, huber, nll, multi-margin) are
// composites of public ops in nn/functional.cpp and need no backward of their own.
//
// Shapes:  logits: [M, C] (M samples, C classes)   target: [M] int64   per-sample loss: [M]
#include <cmath>

#include "autograd/ops/common.h"
#include "tensor/kernels/loss.h"
#include "tensor/kernels/reduce.h"

namespace descent {

using namespace ops_detail;

namespace {

// Target classes must lie in [0, C) unless they are ignore_index.
void check_targets(const Tensor& target, int64_t classes, int64_t ignore_index, const char* op) {
  const int64_t* t = target.data_ptr<int64_t>();
  for (int64_t i = 0, n = target.numel(); i < n; ++i)
    CHECK(t[i] == ignore_index || (t[i] >= 0 && t[i] < classes), op, ": target ", t[i], " is out of bounds for ",
          classes, " classes");
}

// [M, C] logits and [M] targets -> the loss, reduced.
// p = softmax(logits)   q = (1−ε)·onehot(y) + ε/C, and both 0 on ignored rows
// dL/dlogits = s·(p − q) with s = g (sum), g/count (mean) or g[i] per row (none)
Tensor cross_entropy_rows(const Tensor& x, const Tensor& y, Reduction reduction, int64_t ignore_index, double eps) {
  kernels::CrossEntropyRows rows = kernels::cross_entropy(x, y, ignore_index, eps);
  // mean over the counted rows; all rows ignored gives 0/0 = NaN, as in PyTorch
  const double factor = reduction == kMean ? 1.0 / double(rows.counted) : 1.0;
  Tensor out = reduction == kNone ? rows.loss : kernels::sum(rows.loss, DimMask(1, true), false, factor);
  if (auto node = record("cross_entropy", out, {x})) {
    node->set_backward([x = node->save(x), y, lse = rows.logsumexp, reduction, factor, ignore_index,
                        eps](const Tensor& g, const Node&) -> Grads {
      Tensor scale = reduction == kMean ? g * factor : g;
      if (!differentiating_backward())
        return {kernels::cross_entropy_backward(x, y, lse, scale.detach(), ignore_index, eps)};
      // Differentiable form (create_graph): softmax is an op, q and the row mask are constants.
      const int64_t C = x.sizes()[1];
      Tensor valid = ne(y, double(ignore_index));
      Tensor q = to(one_hot(where(valid, y, scalar_tensor(0, kInt64)), C), x.dtype()) * (1.0 - eps) + eps / double(C);
      Tensor row_mask = to(unsqueeze(valid, 1), x.dtype());
      Tensor s = reduction == kNone ? unsqueeze(scale, 1) : scale;
      return {(softmax(x, 1) - q) * row_mask * s};
    });
  }
  return out;
}

}  // namespace

Tensor cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction, int64_t ignore_index,
                     double label_smoothing) {
  check_defined(input, "cross_entropy");
  check_defined(target, "cross_entropy");
  CHECK(is_floating(input.dtype()), "cross_entropy: input must be floating-point logits, got ",
        dtype_name(input.dtype()));
  CHECK(target.dtype() == kInt64, "cross_entropy: target must hold int64 class indices, got ",
        dtype_name(target.dtype()));
  CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, "cross_entropy: label_smoothing must be in [0, 1], got ",
        label_smoothing);
  CHECK(input.dim() >= 1, "cross_entropy: input must have a class dim, got a 0-d tensor");
  if (input.dim() == 1) {  // one unbatched sample: [C] and []
    CHECK(target.dim() == 0, "cross_entropy: for input ", input.sizes(), " the target must be 0-d, got ",
          target.sizes());
    return cross_entropy(unsqueeze(input, 0), unsqueeze(target, 0), reduction == kNone ? kSum : reduction,
                         ignore_index, label_smoothing);
  }
  // [N, C, d1, ...] with target [N, d1, ...]: move the classes last and flatten to rows.
  Dims expected = input.sizes();
  expected.erase(1);
  CHECK(target.sizes() == expected, "cross_entropy: target shape ", target.sizes(), " does not match input ",
        input.sizes(), " (expected ", expected, ")");
  const int64_t C = input.sizes()[1];
  check_targets(contiguous(target), C, ignore_index, "cross_entropy");
  Tensor x = input, y = target;
  if (input.dim() > 2) {
    Shape order{0};
    for (int64_t d = 2; d < input.dim(); ++d) order.push_back(d);
    order.push_back(1);
    x = reshape(permute(input, order), {-1, C});
    y = reshape(target, {-1});
  }
  Tensor out = cross_entropy_rows(contiguous(x), contiguous(y), reduction, ignore_index, label_smoothing);
  return reduction == kNone ? reshape(out, expected) : out;
}

// x, y: same shape   l = max(x, 0) − x·y + log(1 + e^−|x|)
// dL/dx = g·(σ(x) − y)   dL/dy = −g·x
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_defined(input, "binary_cross_entropy_with_logits");
  check_defined(target, "binary_cross_entropy_with_logits");
  CHECK(target.sizes() == input.sizes(), "binary_cross_entropy_with_logits: target shape ", target.sizes(),
        " must match input shape ", input.sizes());
  CHECK(is_floating(input.dtype()) && input.dtype() == target.dtype(),
        "binary_cross_entropy_with_logits: expected floating-point input and target of one dtype, got ",
        dtype_name(input.dtype()), " and ", dtype_name(target.dtype()));
  Tensor l = kernels::binary_cross_entropy_with_logits(input, target);
  if (auto node = record("binary_cross_entropy_with_logits", l, {input, target})) {
    node->set_backward([x = node->save(input), y = node->save(target)](const Tensor& g, const Node& n) -> Grads {
      return {n.needs_grad(0) ? g * (sigmoid(x) - y) : Tensor(), n.needs_grad(1) ? -(g * x) : Tensor()};
    });
  }
  return reduction == kNone ? l : reduction == kSum ? sum(l) : mean(l);
}

}  // namespace descent
