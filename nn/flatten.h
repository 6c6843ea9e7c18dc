#pragma once
// nn::Flatten: merges dims start_dim..end_dim into one (by default all but the batch dim:
// [N, C, H, W] -> [N, C·H·W]), a view when the memory allows (descent::flatten).
#include "nn/module.h"
#include "nn/options.h"

namespace descent::nn {

struct FlattenOptions {
  DESCENT_ARG(int64_t, start_dim) = 1;
  DESCENT_ARG(int64_t, end_dim) = -1;
};

class Flatten : public Module {
 public:
  explicit Flatten(const FlattenOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& x) const;
  void pretty_print(std::ostream& os) const override;
  FlattenOptions options;
};

}  // namespace descent::nn
