// L-BFGS with an optional strong-Wolfe line search, ported from torch.optim.LBFGS (itself from
// Torch7's optim/lbfgs.lua and lswolfe.lua): same iterations, same stopping tests, same state.
// Everything works on flat float64 vectors holding all parameters end to end.
//
// One iteration, with g the gradient and the history (s_i, y_i, ρ_i = 1/(y_i·s_i)):
//   y = g − g_prev,  s = t·d;  if y·s > 1e-10, remember (s, y) and set γ = (y·s)/(y·y)
//   two-loop recursion: q = −g;  for i newest→oldest: α_i = ρ_i·s_i·q,  q −= α_i·y_i
//                       d = γ·q; for i oldest→newest: β = ρ_i·y_i·d,    d += (α_i − β)·s_i
//   t = lr (the first iteration ever: min(1, 1/‖g‖₁)·lr), or from the strong-Wolfe search
//   θ ← θ + t·d
#include "optim/lbfgs.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "autograd/grad_mode.h"
#include "tensor/check.h"
#include "tensor/factory.h"

namespace descent::optim {
namespace {

using Vec = std::vector<double>;

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
double max_abs(const Vec& a) {
  double m = 0;
  for (double v : a) m = std::max(m, std::abs(v));
  return m;
}
double sum_abs(const Vec& a) {
  double s = 0;
  for (double v : a) s += std::abs(v);
  return s;
}
void axpy(double alpha, const Vec& x, Vec& y) {  // y ← y + α·x
  for (size_t i = 0; i < y.size(); ++i) y[i] += alpha * x[i];
}

// The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to
// [lo, hi] (by default the interval between x1 and x2); their midpoint when the cubic has none.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::array<double, 2>> bounds = std::nullopt) {
  const double lo = bounds ? (*bounds)[0] : std::min(x1, x2);
  const double hi = bounds ? (*bounds)[1] : std::max(x1, x2);
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square < 0) return (lo + hi) / 2;
  const double d2 = std::sqrt(d2_square);
  const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                  : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return std::min(std::max(min_pos, lo), hi);
}

// Loss and gradient at θ + t·d (θ, d fixed by the caller).
using Objective = std::function<std::pair<double, Vec>(double t)>;
struct LineSearch {
  double f;
  Vec g;
  double t;
  int64_t evals;
};

// Finds t satisfying the strong Wolfe conditions along d from (f, g), gtd = g·d < 0:
//   sufficient decrease  f(t) ≤ f + c1·t·gtd      and   curvature  |g(t)·d| ≤ −c2·gtd.
// First bracket an interval that contains such a t (growing t by cubic extrapolation), then
// zoom into it by cubic interpolation, keeping away from the bracket's ends.
LineSearch strong_wolfe(const Objective& obj, double t, const Vec& d, double f, const Vec& g, double gtd,
                        double c1 = 1e-4, double c2 = 0.9, double tolerance_change = 1e-9, int max_ls = 25) {
  const double d_norm = max_abs(d);
  auto [f_new, g_new] = obj(t);
  int64_t evals = 1;
  double gtd_new = dot(g_new, d);

  // Bracketing phase. A one-point bracket (Wolfe already holds) is stored twice.
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  Vec g_prev = g;
  bool done = false;
  int ls_iter = 0;
  std::array<double, 2> bracket{}, bracket_f{}, bracket_gtd{};
  std::array<Vec, 2> bracket_g;
  while (ls_iter < max_ls) {
    if (f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= f_prev)) {  // too far: the minimum is behind
      bracket = {t_prev, t}, bracket_f = {f_prev, f_new}, bracket_g = {g_prev, g_new}, bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    if (std::abs(gtd_new) <= -c2 * gtd) {  // both conditions hold
      bracket = {t, t}, bracket_f = {f_new, f_new}, bracket_g = {g_new, g_new};
      done = true;
      break;
    }
    if (gtd_new >= 0) {  // the slope turned: a minimum lies between t_prev and t
      bracket = {t_prev, t}, bracket_f = {f_prev, f_new}, bracket_g = {g_prev, g_new}, bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    // Still descending: extrapolate to a longer step, between 1.01·t and 10·t.
    const double min_step = t + 0.01 * (t - t_prev), max_step = t * 10;
    const double previous = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, std::array<double, 2>{min_step, max_step});
    t_prev = previous, f_prev = f_new, g_prev = g_new, gtd_prev = gtd_new;
    std::tie(f_new, g_new) = obj(t);
    evals += 1;
    gtd_new = dot(g_new, d);
    ls_iter += 1;
  }
  if (ls_iter == max_ls) bracket = {0, t}, bracket_f = {f, f_new}, bracket_g = {g, g_new};

  // Zoom phase: shrink the bracket [low, high] (low has the smaller loss) until Wolfe holds.
  bool insufficient_progress = false;
  int low = bracket_f[0] <= bracket_f[1] ? 0 : 1, high = 1 - low;
  while (!done && ls_iter < max_ls) {
    if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change) break;  // bracket too small
    t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]);
    // A trial point hugging an end of the bracket makes little progress: if that happens twice
    // (or t fell outside), move it to 10% of the bracket's length from the nearer end.
    const double hi = std::max(bracket[0], bracket[1]), lo = std::min(bracket[0], bracket[1]);
    const double margin = 0.1 * (hi - lo);
    if (std::min(hi - t, t - lo) < margin) {
      if (insufficient_progress || t >= hi || t <= lo) {
        t = std::abs(t - hi) < std::abs(t - lo) ? hi - margin : lo + margin;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    std::tie(f_new, g_new) = obj(t);
    evals += 1;
    gtd_new = dot(g_new, d);
    ls_iter += 1;
    if (f_new > f + c1 * t * gtd || f_new >= bracket_f[low]) {
      // No sufficient decrease, or not below the low end: t becomes the high end.
      bracket[high] = t, bracket_f[high] = f_new, bracket_g[high] = g_new, bracket_gtd[high] = gtd_new;
      low = bracket_f[0] <= bracket_f[1] ? 0 : 1, high = 1 - low;
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd) {
        done = true;  // Wolfe conditions satisfied
      } else if (gtd_new * (bracket[high] - bracket[low]) >= 0) {
        // The minimum lies on the other side of t: the old low end becomes the high end.
        bracket[high] = bracket[low], bracket_f[high] = bracket_f[low], bracket_g[high] = bracket_g[low],
        bracket_gtd[high] = bracket_gtd[low];
      }
      bracket[low] = t, bracket_f[low] = f_new, bracket_g[low] = g_new, bracket_gtd[low] = gtd_new;
    }
  }
  return {bracket_f[low], std::move(bracket_g[low]), bracket[low], evals};
}

}  // namespace

LBFGS::LBFGS(std::vector<Tensor> params, const LBFGSOptions& options)
    : Optimizer("LBFGS", std::make_unique<LBFGSOptions>(options)) {
  add_param_group(std::move(params));
}

void LBFGS::check_options(const OptimizerOptions& base) const {
  const auto* o = dynamic_cast<const LBFGSOptions*>(&base);
  CHECK(o, "LBFGS: a parameter group needs LBFGSOptions");
  CHECK(param_groups().empty(), "LBFGS: supports one parameter group only (all parameters share one history)");
  CHECK(o->lr() >= 0, "LBFGS: lr must be >= 0, got ", o->lr());
  CHECK(o->max_iter() >= 1, "LBFGS: max_iter must be >= 1, got ", o->max_iter());
  CHECK(!o->max_eval() || *o->max_eval() >= 1, "LBFGS: max_eval must be >= 1, got ", o->max_eval().value_or(0));
  CHECK(o->history_size() >= 1, "LBFGS: history_size must be >= 1, got ", o->history_size());
  CHECK(o->tolerance_grad() >= 0, "LBFGS: tolerance_grad must be >= 0, got ", o->tolerance_grad());
  CHECK(o->tolerance_change() >= 0, "LBFGS: tolerance_change must be >= 0, got ", o->tolerance_change());
  CHECK(!o->line_search_fn() || *o->line_search_fn() == "strong_wolfe",
        "LBFGS: line_search_fn must be \"strong_wolfe\" or unset, got \"", o->line_search_fn().value_or(""), "\"");
}

int64_t LBFGS::numel() const {
  int64_t n = 0;
  for (const Tensor& p : param_groups()[0].params()) n += p.numel();
  return n;
}

LBFGS::Vec LBFGS::gather_flat_grad() const {
  Vec flat;
  flat.reserve(size_t(numel()));
  for (const Tensor& p : param_groups()[0].params()) {
    const Tensor& g = p.grad();
    if (!g.defined()) {  // a parameter the loss does not reach has gradient 0
      flat.insert(flat.end(), size_t(p.numel()), 0.0);
      continue;
    }
    std::vector<double> values = g.to_vector<double>();
    flat.insert(flat.end(), values.begin(), values.end());
  }
  return flat;
}

void LBFGS::add_to_params(double t, const Vec& d) {
  size_t offset = 0;
  for (const Tensor& p : param_groups()[0].params()) {
    dispatch_floating(p.dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* w = p.data_ptr<T>();
      for (int64_t i = 0; i < p.numel(); ++i) w[i] = T(double(w[i]) + t * d[offset + size_t(i)]);
    });
    p.bump_version();
    offset += size_t(p.numel());
  }
}

std::vector<Tensor> LBFGS::clone_params() const {
  std::vector<Tensor> copies;
  for (const Tensor& p : param_groups()[0].params()) copies.push_back(p.detach().clone());
  return copies;
}

void LBFGS::set_params(const std::vector<Tensor>& values) {
  const auto& params = param_groups()[0].params();
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor p = params[i];
    p.copy_(values[i]);  // under NoGradGuard, so allowed on a leaf
  }
}

Tensor LBFGS::step(const Closure& closure) {
  CHECK(closure, "LBFGS: step needs a closure that re-evaluates the loss (zero_grad, forward, backward, return loss)");
  const auto& o = static_cast<const LBFGSOptions&>(param_groups()[0].options());
  const double lr = o.lr(), tolerance_grad = o.tolerance_grad(), tolerance_change = o.tolerance_change();
  const int64_t max_iter = o.max_iter(), max_eval = o.max_eval().value_or(max_iter * 5 / 4);
  const size_t history_size = size_t(o.history_size());
  NoGradGuard no_grad;  // parameter writes are not part of any graph ...
  auto evaluate = [&] {
    AutoGradMode grad_on(true);  // ... but the closure's forward and backward are
    return closure();
  };

  // The loss and gradient where we stand.
  Tensor orig_loss = evaluate();
  double loss = orig_loss.item<double>();
  int64_t current_evals = 1;
  func_evals_ += 1;
  Vec flat_grad = gather_flat_grad();
  bool opt_cond = max_abs(flat_grad) <= tolerance_grad;
  if (opt_cond) return orig_loss;  // already optimal

  int64_t n_iter = 0;
  while (n_iter < max_iter) {
    n_iter += 1;
    n_iter_ += 1;

    // --- the search direction d ---
    if (n_iter_ == 1) {
      d_ = flat_grad;  // steepest descent, −g
      for (double& v : d_) v = -v;
      old_dirs_.clear(), old_stps_.clear(), ro_.clear();
      H_diag_ = 1;
    } else {
      Vec y = flat_grad, s = d_;
      for (size_t i = 0; i < y.size(); ++i) y[i] -= prev_flat_grad_[i], s[i] *= t_;
      const double ys = dot(y, s);
      if (ys > 1e-10) {  // keep the pair only if curvature is positive (H stays positive definite)
        if (old_dirs_.size() == history_size) old_dirs_.pop_front(), old_stps_.pop_front(), ro_.pop_front();
        old_dirs_.push_back(y);
        old_stps_.push_back(s);
        ro_.push_back(1.0 / ys);
        H_diag_ = ys / dot(y, y);
      }
      // Two-loop recursion: d = −H·g with H the L-BFGS inverse Hessian.
      const size_t num_old = old_dirs_.size();
      Vec al(num_old);
      Vec q = flat_grad;
      for (double& v : q) v = -v;
      for (size_t k = num_old; k-- > 0;) {
        al[k] = dot(old_stps_[k], q) * ro_[k];
        axpy(-al[k], old_dirs_[k], q);
      }
      for (double& v : q) v *= H_diag_;  // the initial inverse Hessian γ·I
      d_ = std::move(q);
      for (size_t k = 0; k < num_old; ++k) {
        const double be = dot(old_dirs_[k], d_) * ro_[k];
        axpy(al[k] - be, old_stps_[k], d_);
      }
    }
    prev_flat_grad_ = flat_grad;
    prev_loss_ = loss;

    // --- the step length t ---
    // The very first step is scaled down by the gradient's size; later ones trust the curvature.
    t_ = n_iter_ == 1 ? std::min(1.0, 1.0 / sum_abs(flat_grad)) * lr : lr;
    const double gtd = dot(flat_grad, d_);  // directional derivative
    if (gtd > -tolerance_change) break;      // d is not a descent direction any more

    int64_t ls_func_evals = 0;
    if (o.line_search_fn()) {
      // Evaluate at θ + t·d and come back to θ, for each trial t.
      const std::vector<Tensor> x_init = clone_params();
      Objective obj = [&](double t) {
        add_to_params(t, d_);
        const double f = evaluate().item<double>();
        Vec g = gather_flat_grad();
        set_params(x_init);
        return std::pair<double, Vec>(f, std::move(g));
      };
      // torch passes only these arguments: the search uses its own tolerance_change of 1e-9.
      LineSearch ls = strong_wolfe(obj, t_, d_, loss, flat_grad, gtd);
      loss = ls.f, flat_grad = std::move(ls.g), t_ = ls.t, ls_func_evals = ls.evals;
      add_to_params(t_, d_);
      opt_cond = max_abs(flat_grad) <= tolerance_grad;
    } else {
      add_to_params(t_, d_);  // a fixed step
      if (n_iter != max_iter) {  // the last iteration's loss would only be thrown away
        loss = evaluate().item<double>();
        flat_grad = gather_flat_grad();
        opt_cond = max_abs(flat_grad) <= tolerance_grad;
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    func_evals_ += ls_func_evals;

    // --- stopping tests ---
    if (n_iter == max_iter) break;
    if (current_evals >= max_eval) break;
    if (opt_cond) break;  // the gradient vanished
    double step_max = 0;
    for (double v : d_) step_max = std::max(step_max, std::abs(v * t_));
    if (step_max <= tolerance_change) break;                     // the step vanished
    if (std::abs(loss - prev_loss_) < tolerance_change) break;  // the loss stopped changing
  }
  return orig_loss;
}

// ---- save / load: the base's entries, then the history under "lbfgs." -----------------------

void LBFGS::save(serialize::OutputArchive& archive, const std::string& prefix) const {
  Optimizer::save(archive, prefix);
  const std::string key = prefix + "lbfgs.";
  auto vec = [](const Vec& v) { return tensor(v, {int64_t(v.size())}, kFloat64); };
  auto rows = [](const std::deque<Vec>& vs, int64_t n) {
    std::vector<double> flat;
    for (const Vec& v : vs) flat.insert(flat.end(), v.begin(), v.end());
    return tensor(flat, {int64_t(vs.size()), n}, kFloat64);
  };
  archive.write(key + "func_evals", func_evals_);
  archive.write(key + "n_iter", n_iter_);
  archive.write(key + "history", int64_t(old_dirs_.size()));
  if (d_.empty()) return;  // no iteration yet: nothing else to keep
  const int64_t n = int64_t(d_.size());
  archive.write(key + "d", vec(d_));
  archive.write(key + "t", t_);
  archive.write(key + "H_diag", H_diag_);
  archive.write(key + "prev_flat_grad", vec(prev_flat_grad_));
  archive.write(key + "prev_loss", prev_loss_);
  if (!old_dirs_.empty()) {
    archive.write(key + "old_dirs", rows(old_dirs_, n));
    archive.write(key + "old_stps", rows(old_stps_, n));
    archive.write(key + "ro", vec(Vec(ro_.begin(), ro_.end())));
  }
}

void LBFGS::load(const serialize::InputArchive& archive, const std::string& prefix) {
  // Read and check our part first, then let the base load (which changes nothing if it
  // throws), then commit: a bad file leaves the optimizer untouched.
  const std::string key = prefix + "lbfgs.";
  const int64_t n = numel();
  auto read_vec = [&](const std::string& name, const Shape& shape) {
    archive.check_fits(key + name, empty(shape, kFloat64));  // throws naming the entry and both shapes
    return archive.read_tensor(key + name).to_vector<double>();
  };
  const int64_t func_evals = archive.read_int(key + "func_evals");
  const int64_t n_iter = archive.read_int(key + "n_iter");
  const int64_t history = archive.read_int(key + "history");
  Vec d, prev_flat_grad;
  double t = 0, H_diag = 1, prev_loss = 0;
  std::deque<Vec> old_dirs, old_stps;
  std::deque<double> ro;
  if (archive.contains(key + "d")) {
    d = read_vec("d", {n});
    t = archive.read_double(key + "t");
    H_diag = archive.read_double(key + "H_diag");
    prev_flat_grad = read_vec("prev_flat_grad", {n});
    prev_loss = archive.read_double(key + "prev_loss");
    if (history > 0) {
      const Vec dirs = read_vec("old_dirs", {history, n}), stps = read_vec("old_stps", {history, n});
      const Vec r = read_vec("ro", {history});
      for (int64_t k = 0; k < history; ++k) {
        old_dirs.emplace_back(dirs.begin() + k * n, dirs.begin() + (k + 1) * n);
        old_stps.emplace_back(stps.begin() + k * n, stps.begin() + (k + 1) * n);
      }
      ro.assign(r.begin(), r.end());
    }
  }
  Optimizer::load(archive, prefix);
  func_evals_ = func_evals, n_iter_ = n_iter;
  d_ = std::move(d), t_ = t, H_diag_ = H_diag, prev_flat_grad_ = std::move(prev_flat_grad), prev_loss_ = prev_loss;
  old_dirs_ = std::move(old_dirs), old_stps_ = std::move(old_stps), ro_ = std::move(ro);
}

}  // namespace descent::optim
