#pragma once
// Newton: damped Newton's method for small models. Each step forms the exact Hessian H of the
// loss from Hessian-vector products (the autograd engine's double backward: the gradient is
// computed with create_graph, then differentiated once per parameter), and moves along
//   d = (H + λI)⁻¹ g,   θ ← θ − lr·d,
// solved by Cholesky. λ starts at `damping` and grows tenfold while H + λI is not positive
// definite (a saddle, a nonconvex region) or the step would increase the loss (then the step is
// undone, as in Levenberg–Marquardt): a larger λ bends the step towards a short gradient step.
// Near a minimum with damping 0 it converges quadratically: a handful of steps reach machine
// precision on a convex problem. The cost is n Hessian-vector products and an n×n solve per
// step (n = number of parameters), so it is for models of a few thousand parameters at most.
//
// The closure returns the loss without calling backward() (Newton differentiates the loss
// graph itself, twice; a closure that does call backward must pass retain_graph = true). It is
// called once more per trial step, so it must be deterministic: Newton is a full-batch method.
// Read optimizer.h and lbfgs.h first, then newton.cpp; the solve is tensor/kernels/cholesky.cpp.
#include "optim/optimizer.h"

namespace descent::optim {

class NewtonOptions : public OptimizerCloneableOptions<NewtonOptions> {
 public:
  explicit NewtonOptions(double lr = 1) : lr_(lr) {}
  DESCENT_OPTIM_ARG(double, lr);           // fraction of the Newton step taken
  DESCENT_OPTIM_ARG(double, damping) = 0;  // λ added to H's diagonal (raised when H + λI is indefinite)
};

class Newton : public Optimizer {
 public:
  static constexpr int64_t kMaxParams = 8192;  // an 8192² Hessian is already 512 MB

  Newton(std::vector<Tensor> params, const NewtonOptions& options = NewtonOptions());

  using Optimizer::step;
  Tensor step(const Closure& closure) override;  // returns the loss before the step

  double last_damping() const { return last_damping_; }  // the λ the last step needed
  int64_t steps() const { return steps_; }

  void save(serialize::OutputArchive& archive, const std::string& prefix = "") const override;
  void load(const serialize::InputArchive& archive, const std::string& prefix = "") override;

 protected:
  void check_options(const OptimizerOptions& options) const override;

 private:
  int64_t steps_ = 0;
  double last_damping_ = 0;
};

}  // namespace descent::optim
