// multinomial: category indices drawn from rows of unnormalized probabilities (what a language
// model samples its next token with). Not differentiable: it returns int64 indices. It lives
// among the ops because it checks its argument as they do, and draws from the default generator
// (tensor/random.h), so manual_seed fixes the draws.
#include <cmath>

#include "autograd/ops/common.h"
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/sampling.h"

namespace descent {

using namespace ops_detail;

// probs: [C] or [R, C] -> int64 [n] or [R, n]
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement) {
  check_defined(probs, "multinomial");
  CHECK(is_floating(probs.dtype()), "multinomial: expected floating-point probabilities, got ",
        dtype_name(probs.dtype()));
  CHECK(probs.dim() == 1 || probs.dim() == 2, "multinomial: expected probabilities [C] or [R, C], got ",
        probs.sizes());
  CHECK(num_samples > 0, "multinomial: num_samples must be positive, got ", num_samples);
  const Tensor rows = probs.dim() == 1 ? reshape_to(probs.detach(), {1, probs.sizes()[0]}) : probs.detach();
  const int64_t C = rows.sizes()[1];
  CHECK(C > 0, "multinomial: expected at least one category, got probabilities ", probs.sizes());
  CHECK(replacement || num_samples <= C, "multinomial: cannot draw ", num_samples, " samples without replacement ",
        "from ", C, " categories");
  const Tensor w = kernels::cast(rows, kFloat64);
  const double* v = w.data_ptr<double>();
  for (int64_t r = 0; r < rows.sizes()[0]; ++r) {
    double sum = 0;
    int64_t positive = 0;
    for (int64_t j = 0; j < C; ++j) {
      const double x = v[r * C + j];
      CHECK(std::isfinite(x) && x >= 0, "multinomial: probabilities must be finite and >= 0, got ", x, " in row ", r);
      sum += x;
      positive += x > 0;
    }
    CHECK(sum > 0, "multinomial: row ", r, " of the probabilities sums to 0");
    CHECK(replacement || positive >= num_samples, "multinomial: row ", r, " has ", positive, " categories of ",
          "nonzero probability, too few for ", num_samples, " samples without replacement");
  }
  Tensor out = kernels::multinomial(w, num_samples, replacement, default_generator());
  return probs.dim() == 1 ? reshape_to(out, {num_samples}) : out;
}

}  // namespace descent
