// The factor schedules of lambda.h.
#include "optim/schedulers/lambda.h"

#include <algorithm>

#include "tensor/check.h"

namespace descent::optim {

LambdaLR::LambdaLR(Optimizer& optimizer, std::function<double(int64_t)> lr_lambda)
    : LRScheduler("LambdaLR", optimizer), lr_lambda_(std::move(lr_lambda)) {
  CHECK(lr_lambda_, "LambdaLR: lr_lambda is empty");
  initial_step();
}

double LambdaLR::group_lr_at(int64_t step, size_t group) const { return base_lrs_[group] * lr_lambda_(step); }

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters)
    : LRScheduler("LinearLR", optimizer), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
  CHECK(start_factor > 0 && start_factor <= 1, "LinearLR: start_factor must be in (0, 1], got ", start_factor);
  CHECK(end_factor >= 0 && end_factor <= 1, "LinearLR: end_factor must be in [0, 1], got ", end_factor);
  CHECK(total_iters >= 1, "LinearLR: total_iters must be >= 1, got ", total_iters);
  initial_step();
}

double LinearLR::group_lr_at(int64_t step, size_t group) const {
  const double done = double(std::min(total_iters_, step));  // warm-up steps taken, then it stays
  return base_lrs_[group] * (start_factor_ + (end_factor_ - start_factor_) * done / double(total_iters_));
}

}  // namespace descent::optim
