#pragma once
// L-BFGS: a quasi-Newton method. It remembers the last `history_size` steps s and gradient
// changes y, and turns the gradient into an approximate Newton step −H⁻¹g with the two-loop
// recursion, without ever forming a matrix. One step() runs up to max_iter iterations, each
// calling the closure to re-evaluate loss and gradient; with line_search_fn("strong_wolfe") the
// step length comes from a line search satisfying the strong Wolfe conditions. The algorithm,
// its stopping tests and its state are torch.optim.LBFGS's.
//
// Meant for full-batch, deterministic objectives of moderate size (the history keeps
// 2·history_size copies of all parameters); with noisy mini-batch gradients use SGD or Adam.
// All parameters form one flat vector, so L-BFGS takes a single parameter group.
// Read optimizer.h first, then lbfgs.cpp; newton.h is the exact-Hessian sibling.
#include <deque>
#include <optional>
#include <string>

#include "optim/optimizer.h"

namespace descent::optim {

class LBFGSOptions : public OptimizerCloneableOptions<LBFGSOptions> {
 public:
  explicit LBFGSOptions(double lr = 1) : lr_(lr) {}
  DESCENT_OPTIM_ARG(double, lr);                        // step length (the line search's first guess)
  DESCENT_OPTIM_ARG(int64_t, max_iter) = 20;            // iterations per step()
  DESCENT_OPTIM_ARG(std::optional<int64_t>, max_eval);  // closure calls per step(); max_iter·5/4 if unset
  DESCENT_OPTIM_ARG(double, tolerance_grad) = 1e-7;     // stop when max |g| is below this
  DESCENT_OPTIM_ARG(double, tolerance_change) = 1e-9;   // stop when loss or step changes less
  DESCENT_OPTIM_ARG(int64_t, history_size) = 100;       // (s, y) pairs remembered
  DESCENT_OPTIM_ARG(std::optional<std::string>, line_search_fn);  // none, or "strong_wolfe"
};

class LBFGS : public Optimizer {
 public:
  LBFGS(std::vector<Tensor> params, const LBFGSOptions& options = LBFGSOptions());

  using Optimizer::step;
  // Runs up to max_iter iterations; the closure must zero the gradients, compute the loss,
  // call backward() and return the loss. Returns the loss of the first evaluation.
  Tensor step(const Closure& closure) override;

  void save(serialize::OutputArchive& archive, const std::string& prefix = "") const override;
  void load(const serialize::InputArchive& archive, const std::string& prefix = "") override;

  int64_t func_evals() const { return func_evals_; }  // closure calls over all steps
  int64_t n_iter() const { return n_iter_; }          // iterations over all steps

 protected:
  void check_options(const OptimizerOptions& options) const override;

 private:
  using Vec = std::vector<double>;
  Vec gather_flat_grad() const;
  void add_to_params(double t, const Vec& d);  // θ ← θ + t·d
  std::vector<Tensor> clone_params() const;
  void set_params(const std::vector<Tensor>& values);
  int64_t numel() const;

  // The state torch keeps under state[params[0]], carried from one step() to the next.
  int64_t func_evals_ = 0, n_iter_ = 0;
  Vec d_;                         // the last search direction (empty before the first iteration)
  double t_ = 0;                  // the last step length
  std::deque<Vec> old_dirs_;      // y_i = g_{i+1} − g_i
  std::deque<Vec> old_stps_;      // s_i = t_i·d_i
  std::deque<double> ro_;         // 1 / (y_i·s_i)
  double H_diag_ = 1;             // γ = s·y / y·y, the initial inverse Hessian's scale
  Vec prev_flat_grad_;
  double prev_loss_ = 0;
};

}  // namespace descent::optim
