// nn::BatchNorm1d / BatchNorm2d (see batchnorm.h).
#include "nn/batchnorm.h"

#include <ostream>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/functional_call.h"
#include "nn/init.h"
#include "tensor/check.h"

namespace descent::nn {

BatchNormBase::BatchNormBase(const BatchNormOptions& options_, const char* kind, int64_t min_dim, int64_t max_dim)
    : options(options_), kind_(kind), min_dim_(min_dim), max_dim_(max_dim) {
  const int64_t C = options.num_features();
  CHECK(C > 0, kind, ": num_features must be positive, got ", C);
  if (options.affine()) {
    weight = register_parameter("weight", empty({C}));
    bias = register_parameter("bias", empty({C}));
  }
  if (options.track_running_stats()) {
    running_mean = register_buffer("running_mean", empty({C}));
    running_var = register_buffer("running_var", empty({C}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
  reset_parameters();
}

void BatchNormBase::reset_running_stats() {
  if (!options.track_running_stats()) return;
  init::zeros_(running_mean);
  init::ones_(running_var);
  NoGradGuard no_grad;
  num_batches_tracked.zero_();
}

void BatchNormBase::reset_parameters() {
  reset_running_stats();
  if (options.affine()) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

Tensor BatchNormBase::forward(const Tensor& x) {
  CHECK(x.defined(), kind_, ": got an undefined tensor");
  CHECK(x.dim() >= min_dim_ && x.dim() <= max_dim_, kind_, ": expected a ",
        min_dim_ == max_dim_ ? std::to_string(min_dim_) + "-D" : std::to_string(min_dim_) + "-D or " + std::to_string(max_dim_) + "-D",
        " input, got ", shape_str(x.sizes()));
  CHECK(x.sizes()[1] == options.num_features(), kind_, ": expected ", options.num_features(),
        " channels in dim 1, got input ", x.sizes());
  const bool tracking = options.track_running_stats();
  double momentum = options.momentum().value_or(0.0);
  if (is_training() && tracking) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(1.0);
    // without a momentum the running statistics are the plain average of every batch so far
    if (!options.momentum()) momentum = 1.0 / double(num_batches_tracked.item<int64_t>());
  }
  return batch_norm(x, param(weight), param(bias), running_mean, running_var, is_training() || !tracking, momentum,
                    options.eps());
}

void BatchNormBase::pretty_print(std::ostream& os) const {
  os << kind_ << "(" << options.num_features() << ", eps=" << options.eps() << ", momentum=";
  if (options.momentum()) os << *options.momentum();
  else os << "None";
  os << ", affine=" << (options.affine() ? "true" : "false")
     << ", track_running_stats=" << (options.track_running_stats() ? "true" : "false") << ")";
}

}  // namespace descent::nn
