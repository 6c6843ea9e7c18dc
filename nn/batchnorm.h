#pragma once
// nn::BatchNorm1d ([N, C] or [N, C, L]) and nn::BatchNorm2d ([N, C, H, W]): y = x̂·weight + bias
// with x̂ normalized per channel. In training x̂ uses the batch's mean and (biased) variance and
// the running statistics move towards the batch's: r = (1 − momentum)·r + momentum·batch, with the
// unbiased variance for running_var (as PyTorch); with momentum = nullopt they are the
// cumulative average over num_batches_tracked batches. In eval x̂ uses the running statistics.
// weight starts at 1, bias at 0, running_mean at 0 and running_var at 1. The op is
// descent::batch_norm (autograd/ops/norm.cpp).
#include <optional>

#include "nn/module.h"
#include "nn/options.h"

namespace descent::nn {

struct BatchNormOptions {
  BatchNormOptions(int64_t num_features) : num_features_(num_features) {}  // NOLINT: implicit on purpose
  DESCENT_ARG(int64_t, num_features);
  DESCENT_ARG(double, eps) = 1e-5;
  DESCENT_ARG(std::optional<double>, momentum) = 0.1;
  DESCENT_ARG(bool, affine) = true;               // learn weight and bias
  DESCENT_ARG(bool, track_running_stats) = true;  // keep running statistics (else always batch statistics)
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;

class BatchNormBase : public Module {
 public:
  Tensor forward(const Tensor& x);
  void reset_running_stats();
  void reset_parameters();
  void pretty_print(std::ostream& os) const override;

  BatchNormOptions options;
  Tensor weight, bias;                                        // [C], parameters when affine
  Tensor running_mean, running_var, num_batches_tracked;     // buffers when tracking

 protected:
  BatchNormBase(const BatchNormOptions& options, const char* kind, int64_t min_dim, int64_t max_dim);

 private:
  const char* kind_;
  int64_t min_dim_, max_dim_;
};

class BatchNorm1d : public BatchNormBase {
 public:
  explicit BatchNorm1d(const BatchNormOptions& options) : BatchNormBase(options, "BatchNorm1d", 2, 3) {}
};

class BatchNorm2d : public BatchNormBase {
 public:
  explicit BatchNorm2d(const BatchNormOptions& options) : BatchNormBase(options, "BatchNorm2d", 4, 4) {}
};

}  // namespace descent::nn
