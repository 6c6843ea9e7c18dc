// Loss functions (formulas in loss.h). cross_entropy and binary_cross_entropy_with_logits call
// the fused ops of autograd/ops/loss.cpp; the others are composites of public ops, whose
// gradients (and gradients of gradients) come from those ops.
#include "nn/loss.h"

#include "nn/functional.h"
#include "tensor/check.h"

namespace descent::nn {
namespace functional {

namespace {

Tensor reduce(const Tensor& per_element, Reduction reduction) {
  switch (reduction) {
    case kNone: return per_element;
    case kSum: return sum(per_element);
    default: return mean(per_element);
  }
}

void check_same_shape(const Tensor& input, const Tensor& target, const char* op) {
  CHECK(input.defined() && target.defined(), op, ": got an undefined tensor");
  CHECK(input.sizes() == target.sizes(), op, ": target shape ", target.sizes(), " must match input shape ",
        input.sizes());
}

// Class targets must lie in [0, C) unless they are ignore_index.
void check_classes(const Tensor& target, int64_t classes, int64_t ignore_index, const char* op) {
  CHECK(target.dtype() == kInt64, op, ": target must hold int64 class indices, got ", dtype_name(target.dtype()));
  for (int64_t t : target.to_vector<int64_t>())
    CHECK(t == ignore_index || (t >= 0 && t < classes), op, ": target ", t, " is out of bounds for ", classes,
          " classes");
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options) {
  check_same_shape(input, target, "mse_loss");
  Tensor d = input - target;
  return reduce(d * d, options.reduction());
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options) {
  check_same_shape(input, target, "l1_loss");
  return reduce(abs(input - target), options.reduction());
}

Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossFuncOptions& options) {
  check_same_shape(input, target, "huber_loss");
  const double delta = options.delta();
  CHECK(delta > 0, "huber_loss: delta must be positive, got ", delta);
  Tensor d = input - target, a = abs(d);
  return reduce(where(a < delta, d * d * 0.5, (a - 0.5 * delta) * delta), options.reduction());
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options) {
  return descent::binary_cross_entropy_with_logits(input, target, options.reduction());
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options) {
  return descent::cross_entropy(input, target, options.reduction(), options.ignore_index(),
                                options.label_smoothing());
}

// input: [N, C] log-probabilities (or [N, C, d1, ...], or [C])   out_i = −input[i, y_i]
// The mean divides by the number of targets that are not ignore_index.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options) {
  CHECK(input.defined() && target.defined(), "nll_loss: got an undefined tensor");
  if (input.dim() == 1) {
    CHECK(target.dim() == 0, "nll_loss: for input ", input.sizes(), " the target must be 0-d, got ", target.sizes());
    NLLLossFuncOptions one = options;
    if (one.reduction() == kNone) one.reduction(kSum);  // the single sample's loss, 0-d
    return nll_loss(unsqueeze(input, 0), unsqueeze(target, 0), one);
  }
  Shape expected(input.sizes().begin(), input.sizes().end());
  CHECK(input.dim() >= 2, "nll_loss: expected an input [N, C, ...], got ", input.sizes());
  expected.erase(expected.begin() + 1);
  CHECK(target.sizes() == expected, "nll_loss: target shape ", target.sizes(), " does not match input ",
        input.sizes(), " (expected ", Dims(expected), ")");
  const int64_t C = input.sizes()[1];
  check_classes(target, C, options.ignore_index(), "nll_loss");
  Tensor x = input, y = reshape(target, {-1});
  if (input.dim() > 2) {  // classes last, then one row per sample
    Shape order{0};
    for (int64_t d = 2; d < input.dim(); ++d) order.push_back(d);
    order.push_back(1);
    x = reshape(permute(input, order), {-1, C});
  }
  Tensor valid = ne(y, double(options.ignore_index()));
  Tensor safe = where(valid, y, scalar_tensor(0, kInt64));  // ignored rows pick class 0, then are zeroed
  Tensor picked = squeeze(gather(x, 1, unsqueeze(safe, 1)), 1);
  Tensor loss = where(valid, -picked, 0.0);
  switch (options.reduction()) {
    case kNone: return reshape(loss, expected);
    case kSum: return sum(loss);
    default: return sum(loss) / sum(valid).item<double>();  // 0/0 = NaN when every target is ignored
  }
}

// input: [N, C]  target: [N]   out_i = Σ_{j≠y_i} max(0, margin − x[i, y_i] + x[i, j])^p / C
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, const MultiMarginLossFuncOptions& options) {
  CHECK(input.defined() && target.defined(), "multi_margin_loss: got an undefined tensor");
  CHECK(options.p() == 1 || options.p() == 2, "multi_margin_loss: p must be 1 or 2, got ", options.p());
  if (input.dim() == 1) {
    CHECK(target.dim() == 0, "multi_margin_loss: for input ", input.sizes(), " the target must be 0-d, got ",
          target.sizes());
    MultiMarginLossFuncOptions one = options;
    if (one.reduction() == kNone) one.reduction(kSum);
    return multi_margin_loss(unsqueeze(input, 0), unsqueeze(target, 0), one);
  }
  CHECK(input.dim() == 2 && target.dim() == 1 && target.sizes()[0] == input.sizes()[0],
        "multi_margin_loss: expected input [N, C] and target [N], got ", input.sizes(), " and ", target.sizes());
  const int64_t C = input.sizes()[1];
  check_classes(target, C, INT64_MIN, "multi_margin_loss");
  Tensor y = unsqueeze(target, 1);
  Tensor hinge = descent::relu(options.margin() - gather(input, 1, y) + input);  // [N, C]
  if (options.p() == 2) hinge = hinge * hinge;
  Tensor others = where(to(one_hot(target, C), kBool), 0.0, hinge);  // drop j = y
  return reduce(sum(others, {1}) / double(C), options.reduction());
}

}  // namespace functional

namespace F = functional;

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) const { return F::mse_loss(input, target, options); }
Tensor L1Loss::forward(const Tensor& input, const Tensor& target) const { return F::l1_loss(input, target, options); }
Tensor HuberLoss::forward(const Tensor& input, const Tensor& target) const {
  return F::huber_loss(input, target, options);
}
Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) const {
  return F::cross_entropy(input, target, options);
}
Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) const { return F::nll_loss(input, target, options); }
Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) const {
  return F::binary_cross_entropy_with_logits(input, target, options);
}
Tensor MultiMarginLoss::forward(const Tensor& input, const Tensor& target) const {
  return F::multi_margin_loss(input, target, options);
}

}  // namespace descent::nn
