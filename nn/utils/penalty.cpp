// l1_penalty and l2_penalty: sums of per-parameter sums, in the parameters' dtype.
#include "nn/utils/penalty.h"

#include "autograd/ops.h"

namespace descent::nn::utils {
namespace {

template <class Term> Tensor sum_over(const std::vector<Tensor>& params, const Term& term) {
  Tensor total;
  for (const Tensor& p : params) total = total.defined() ? total + term(p) : term(p);
  return total.defined() ? total : scalar_tensor(0.0);
}

}  // namespace

Tensor l2_penalty(const std::vector<Tensor>& params) {
  return sum_over(params, [](const Tensor& p) { return sum(square(p)); });
}

Tensor l1_penalty(const std::vector<Tensor>& params) {
  return sum_over(params, [](const Tensor& p) { return sum(abs(p)); });
}

}  // namespace descent::nn::utils
