#pragma once
// Loss modules, as torch.nn's: default-constructible, configured by an XxxLossOptions builder,
// called as forward(input, target). Each returns the mean over samples by default; with
// .reduction(kSum) the sum, with .reduction(kNone) one value per sample. The formulas, per
// element (d = input − target):
//   MSELoss        d²                        L1Loss  |d|
//   HuberLoss      ½d² where |d| < delta, else delta·(|d| − ½delta)
//   CrossEntropyLoss  −(1−ε)·log p[y] − (ε/C)·Σ_j log p[j], p = softmax(input) over the C classes;
//                  targets equal to ignore_index count nowhere (not even in the mean's divisor)
//   NLLLoss        −input[y] (input holds log-probabilities), with ignore_index likewise
//   BCEWithLogitsLoss  max(x, 0) − x·y + log(1 + e^−|x|) = −(y·log σ(x) + (1−y)·log(1 − σ(x)))
//   MultiMarginLoss    Σ_{j≠y} max(0, margin − x[y] + x[j])^p / C   (multi-class hinge)
// The same functions are in nn::functional (nn/functional.h); cross_entropy and
// binary_cross_entropy_with_logits are fused ops (autograd/ops/loss.cpp), the rest composites.
#include <ostream>

#include "autograd/ops.h"
#include "nn/module.h"
#include "nn/options.h"

namespace descent::nn {

using descent::kMean;
using descent::kNone;
using descent::kSum;
using descent::Reduction;

struct MSELossOptions {
  DESCENT_ARG(Reduction, reduction) = kMean;
};
struct L1LossOptions {
  DESCENT_ARG(Reduction, reduction) = kMean;
};
struct HuberLossOptions {
  DESCENT_ARG(Reduction, reduction) = kMean;
  DESCENT_ARG(double, delta) = 1.0;
};
struct CrossEntropyLossOptions {
  DESCENT_ARG(Reduction, reduction) = kMean;
  DESCENT_ARG(int64_t, ignore_index) = -100;
  DESCENT_ARG(double, label_smoothing) = 0.0;
};
struct NLLLossOptions {
  DESCENT_ARG(Reduction, reduction) = kMean;
  DESCENT_ARG(int64_t, ignore_index) = -100;
};
struct BCEWithLogitsLossOptions {
  DESCENT_ARG(Reduction, reduction) = kMean;
};
struct MultiMarginLossOptions {
  DESCENT_ARG(int64_t, p) = 1;  // 1 or 2
  DESCENT_ARG(double, margin) = 1.0;
  DESCENT_ARG(Reduction, reduction) = kMean;
};

// One class per loss: options, forward(input, target) and a printable name.
#define DESCENT_LOSS_MODULE(Name)                                                   \
  class Name : public Module {                                                      \
   public:                                                                          \
    explicit Name(const Name##Options& options = {}) : options(options) {}          \
    Tensor forward(const Tensor& input, const Tensor& target) const;                \
    void pretty_print(std::ostream& os) const override { os << #Name "()"; }       \
    Name##Options options;                                                          \
  }

DESCENT_LOSS_MODULE(MSELoss);
DESCENT_LOSS_MODULE(L1Loss);
DESCENT_LOSS_MODULE(HuberLoss);
DESCENT_LOSS_MODULE(CrossEntropyLoss);
DESCENT_LOSS_MODULE(NLLLoss);
DESCENT_LOSS_MODULE(BCEWithLogitsLoss);
DESCENT_LOSS_MODULE(MultiMarginLoss);

#undef DESCENT_LOSS_MODULE

}  // namespace descent::nn
