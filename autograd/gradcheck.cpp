// gradcheck and gradgradcheck. The numerical Jacobian perturbs each input element in place
// (through its strides, so non-contiguous inputs are checked as they are) with grad mode off;
// the analytic one asks autograd::grad for one row per output element.
#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "tensor/check.h"
#include "tensor/random.h"

namespace descent::autograd {
namespace {

double* element(const Tensor& t, int64_t flat) {
  int64_t off = 0;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    off += (flat % t.sizes()[size_t(d)]) * t.strides()[size_t(d)];
    flat /= t.sizes()[size_t(d)];
  }
  return t.data_ptr<double>() + off;
}

// Grad mode stays on: the function may itself differentiate (gradgradcheck's does).
std::vector<double> evaluate(const TensorFunction& fn, const std::vector<Tensor>& inputs) {
  return fn(inputs).detach().to_vector<double>();
}

}  // namespace

bool gradcheck(const TensorFunction& fn, const std::vector<Tensor>& inputs, GradcheckOptions opt) {
  std::vector<size_t> diff;  // positions of the inputs that require grad
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    CHECK(inputs[i].dtype() == kFloat64, "gradcheck: input ", i, " must be float64, got ", dtype_name(inputs[i].dtype()));
    diff.push_back(i);
  }
  CHECK(!diff.empty(), "gradcheck: no input requires grad");
  Tensor out = fn(inputs);
  CHECK(out.dtype() == kFloat64, "gradcheck: the function must return float64, got ", dtype_name(out.dtype()));
  const int64_t n_out = out.numel();
  std::vector<Tensor> diff_inputs;
  for (size_t i : diff) diff_inputs.push_back(inputs[i]);

  // analytic[k][j]: d out_k / d (input j), one backward per output element.
  std::vector<std::vector<Tensor>> analytic(static_cast<size_t>(n_out));
  for (int64_t k = 0; k < n_out; ++k) {
    Tensor seed = zeros(out.sizes(), kFloat64);
    seed.data_ptr<double>()[k] = 1.0;
    analytic[size_t(k)] = grad({out}, diff_inputs, {seed}, /*retain_graph=*/true, false, /*allow_unused=*/true);
  }

  for (size_t j = 0; j < diff.size(); ++j) {
    const Tensor& x = diff_inputs[j];
    for (int64_t e = 0; e < x.numel(); ++e) {
      double* p = element(x, e);
      const double saved = *p;
      *p = saved + opt.eps;
      std::vector<double> plus = evaluate(fn, inputs);
      *p = saved - opt.eps;
      std::vector<double> minus = evaluate(fn, inputs);
      *p = saved;
      for (int64_t k = 0; k < n_out; ++k) {
        const double numerical = (plus[size_t(k)] - minus[size_t(k)]) / (2 * opt.eps);
        const Tensor& row = analytic[size_t(k)][j];
        const double got = row.defined() ? *element(row.contiguous(), e) : 0.0;
        if (!(std::fabs(got - numerical) <= opt.atol + opt.rtol * std::fabs(numerical))) {
          std::ostringstream os;
          os << "gradcheck: Jacobian mismatch for input " << diff[j] << " (shape " << x.sizes() << "), output element "
             << k << ", input element " << e << ": analytic " << got << ", numerical " << numerical;
          throw std::runtime_error(os.str());
        }
      }
    }
  }
  return true;
}

bool gradgradcheck(const TensorFunction& fn, const std::vector<Tensor>& inputs, GradcheckOptions opt) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = fn(inputs);
  }
  Generator gen(12345);  // the weights v are fixed and do not disturb the default generator
  Tensor v = empty(out.sizes(), kFloat64);
  kernels::fill_normal_(v, 0.0, 1.0, gen);
  v.requires_grad_();
  std::vector<size_t> diff;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].defined() && inputs[i].requires_grad()) diff.push_back(i);
  // x, v -> all first derivatives v·∂f/∂x, flattened into one vector.
  TensorFunction first_derivatives = [&](const std::vector<Tensor>& args) {
    std::vector<Tensor> xs(args.begin(), args.end() - 1);
    std::vector<Tensor> wrt;
    for (size_t i : diff) wrt.push_back(xs[i]);
    std::vector<Tensor> grads = grad({fn(xs)}, wrt, {args.back()}, true, /*create_graph=*/true, /*allow_unused=*/true);
    std::vector<Tensor> flat;
    for (size_t j = 0; j < grads.size(); ++j)
      flat.push_back(grads[j].defined() ? reshape(grads[j], {-1}) : zeros({wrt[j].numel()}, kFloat64));
    return cat(flat, 0);
  };
  std::vector<Tensor> args = inputs;
  args.push_back(v);
  return gradcheck(first_derivatives, args, opt);
}

}  // namespace descent::autograd
