// l1_penalty and l2_penalty: sums of per-parameter sums, in the parameters' dtype.
#include "nn/utils/penalty.h"

#include "autograd/ops.h"
#include "tensor/check.h"

namespace descent::nn::utils {
namespace {

template <class Term> Tensor sum_over(const std::vector<Tensor>& params, const char* name, const Term& term) {
  Tensor total;
  for (const Tensor& p : params) CHECK(p.defined(), name, ": got an undefined tensor");
  for (const Tensor& p : params) total = total.defined() ? total + term(p) : term(p);
  return total.defined() ? total : scalar_tensor(0.0);
}

}  // namespace

Tensor l2_penalty(const std::vector<Tensor>& params) {
  return sum_over(params, "l2_penalty", [](const Tensor& p) { return sum(square(p)); });
}

Tensor l1_penalty(const std::vector<Tensor>& params) {
  return sum_over(params, "l1_penalty", [](const Tensor& p) { return sum(abs(p)); });
}

}  // namespace descent::nn::utils
