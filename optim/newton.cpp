// Damped Newton: gradient and Hessian from the autograd engine, step from a Cholesky solve.
//   g = ∇L(θ)                           autograd::grad(loss, θ, create_graph = true)
//   H[:, j] = ∂(g·e_j)/∂θ               one Hessian-vector product per parameter element
//   H ← (H + Hᵀ)/2                      (rounding makes the products slightly asymmetric)
//   for λ = damping, then growing tenfold:
//     skip λ unless H + λI = L·Lᵀ (dpotrf succeeds: positive definite)
//     d = (L·Lᵀ)⁻¹ g;   θ ← θ − lr·d;   keep it if the loss did not increase, else undo
// The second test is Levenberg–Marquardt's: on a nonconvex loss the smallest λ that makes
// H + λI positive definite can leave a near-zero eigenvalue and an enormous step.
#include "optim/newton.h"

#include <algorithm>
#include <cmath>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "tensor/check.h"
#include "tensor/factory.h"
#include "tensor/kernels/cholesky.h"

namespace descent::optim {
namespace {

// When H itself is not positive definite and damping is 0, λ starts this far above zero,
// relative to H's largest diagonal element, and grows tenfold per failed factorization.
constexpr double kFirstDamping = 1e-10;
constexpr int kMaxAttempts = 60;
constexpr double kLossNoise = 1e-12;  // relative change of the loss treated as rounding

// θ ← θ − lr·d, parameter by parameter (params[k] is d[offset[k] .. offset[k + 1])).
void step_params(const std::vector<Tensor>& params, const std::vector<int64_t>& offset, const Tensor& d, double lr) {
  const double* dv = d.data_ptr<double>();
  for (size_t k = 0; k < params.size(); ++k) {
    const Tensor& p = params[k];
    dispatch_floating(p.dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* w = p.data_ptr<T>();
      for (int64_t i = 0; i < p.numel(); ++i) w[i] = T(double(w[i]) - lr * dv[offset[k] + i]);
    });
    p.bump_version();
  }
}

}  // namespace

Newton::Newton(std::vector<Tensor> params, const NewtonOptions& options)
    : Optimizer("Newton", std::make_unique<NewtonOptions>(options)) {
  add_param_group(std::move(params));
}

void Newton::check_options(const OptimizerOptions& base) const {
  const auto* o = dynamic_cast<const NewtonOptions*>(&base);
  CHECK(o, "Newton: a parameter group needs NewtonOptions");
  CHECK(param_groups().empty(), "Newton: supports one parameter group only (the Hessian couples all parameters)");
  CHECK(o->lr() >= 0, "Newton: lr must be >= 0, got ", o->lr());
  CHECK(o->damping() >= 0, "Newton: damping must be >= 0, got ", o->damping());
}

Tensor Newton::step(const Closure& closure) {
  CHECK(closure, "Newton: step needs a closure that returns the loss (Newton differentiates it twice)");
  const auto& o = static_cast<const NewtonOptions&>(param_groups()[0].options());
  const std::vector<Tensor>& params = param_groups()[0].params();
  int64_t n = 0;
  for (const Tensor& p : params) n += p.numel();
  CHECK(n <= kMaxParams, "Newton: the Hessian of ", n, " parameters is too large (at most ", kMaxParams,
        "); use LBFGS for large models");

  // 1. The loss and its gradient; the gradient keeps a graph of its own for the second derivative.
  Tensor loss;
  std::vector<Tensor> grads;
  {
    AutoGradMode grad_on(true);
    loss = closure();
    CHECK(loss.defined() && loss.numel() == 1, "Newton: the closure must return a one-element loss, got shape ",
          loss.defined() ? loss.sizes() : Dims{});
    CHECK(loss.requires_grad(), "Newton: the loss does not depend on the parameters (it does not require grad)");
    grads = autograd::grad({loss}, params, {}, /*retain_graph=*/true, /*create_graph=*/true, /*allow_unused=*/true);
  }
  NoGradGuard no_grad;

  std::vector<double> g(size_t(n), 0.0);
  std::vector<int64_t> offset(params.size() + 1, 0);  // params[k] is g[offset[k] .. offset[k+1])
  for (size_t k = 0; k < params.size(); ++k) {
    offset[k + 1] = offset[k] + params[k].numel();
    if (!grads[k].defined()) continue;  // the loss does not reach this parameter
    std::vector<double> gk = grads[k].to_vector<double>();
    std::copy(gk.begin(), gk.end(), g.begin() + offset[k]);
  }

  // 2. The Hessian, column by column. Only gradients that still depend on θ can be
  //    differentiated again; a parameter the loss is linear in has zero rows and columns.
  std::vector<Tensor> outputs;
  std::vector<size_t> output_param;
  for (size_t k = 0; k < params.size(); ++k)
    if (grads[k].defined() && grads[k].requires_grad()) outputs.push_back(grads[k]), output_param.push_back(k);
  Tensor H = zeros({n, n}, kFloat64);
  double* h = H.data_ptr<double>();
  for (int64_t j = 0; j < n && !outputs.empty(); ++j) {
    // e_j cut into the outputs' shapes: a one at element j, zeros elsewhere.
    std::vector<Tensor> seeds;
    for (size_t k : output_param) {
      Tensor seed = zeros(params[k].sizes(), params[k].dtype());
      if (j >= offset[k] && j < offset[k + 1]) {
        Tensor flat = seed.view({-1});
        flat.select(0, j - offset[k]).fill_(1.0);
      }
      seeds.push_back(seed);
    }
    std::vector<Tensor> hv = autograd::grad(outputs, params, seeds, /*retain_graph=*/true, /*create_graph=*/false,
                                            /*allow_unused=*/true);
    for (size_t k = 0; k < params.size(); ++k) {
      if (!hv[k].defined()) continue;
      std::vector<double> col = hv[k].to_vector<double>();
      for (int64_t i = 0; i < int64_t(col.size()); ++i) h[(offset[k] + i) * n + j] = col[size_t(i)];
    }
  }
  double max_diag = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) h[i * n + j] = h[j * n + i] = 0.5 * (h[i * n + j] + h[j * n + i]);
    max_diag = std::max(max_diag, std::abs(h[i * n + i]));
  }

  // 3. Damp, solve, step: λ grows tenfold until H + λI is positive definite (Cholesky
  //    succeeds) and the step does not increase the loss (else it is undone). With λ → ∞ the
  //    step shrinks to −(lr/λ)·g, so a descent is always found unless the loss is NaN.
  const double f0 = loss.item<double>();
  std::vector<Tensor> start;
  for (const Tensor& p : params) start.push_back(p.detach().clone());
  double lambda = o.damping();
  for (int attempt = 0;; ++attempt) {
    CHECK(attempt < kMaxAttempts, "Newton: no damping up to λ = ", lambda,
          " gives a step that does not increase the loss (is the loss or its gradient NaN?)");
    Tensor factor = H.clone();
    double* a = factor.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) a[i * n + i] += lambda;
    if (kernels::cholesky_(factor)) {
      Tensor d = tensor(g, {n}, kFloat64);
      kernels::cholesky_solve_(factor, d);
      step_params(params, offset, d, o.lr());  // θ ← θ − lr·d
      double f;
      {
        AutoGradMode grad_on(true);
        f = closure().item<double>();
      }
      // Accepted unless the loss rose beyond rounding noise (at the minimum, f and f0 differ
      // only in their last bits, and damping would just slow the final quadratic steps).
      if (f <= f0 + kLossNoise * std::abs(f0)) break;
      for (size_t k = 0; k < params.size(); ++k) Tensor(params[k]).copy_(start[k]);  // undo
    }
    lambda = lambda > 0 ? 10 * lambda : kFirstDamping * std::max(1.0, max_diag);
  }
  last_damping_ = lambda;
  steps_ += 1;
  return loss.detach();
}

void Newton::save(serialize::OutputArchive& archive, const std::string& prefix) const {
  Optimizer::save(archive, prefix);
  archive.write(prefix + "newton.steps", steps_);
  archive.write(prefix + "newton.last_damping", last_damping_);
}

void Newton::load(const serialize::InputArchive& archive, const std::string& prefix) {
  const int64_t steps = archive.read_int(prefix + "newton.steps");
  const double last_damping = archive.read_double(prefix + "newton.last_damping");
  Optimizer::load(archive, prefix);
  steps_ = steps, last_damping_ = last_damping;
}

}  // namespace descent::optim
