#pragma once
// Optimizer: the base of every optimizer in optim/. It owns the parameter groups (a list of
// parameters with its own options each), the per-parameter state (a small struct per parameter,
// created on its first step), zero_grad(), step() and step(closure), and save/load.
//
// A concrete optimizer (sgd.h is the shortest, adam.cpp the model) does three things: it
// validates its options in check_options() naming the culprit, makes its state struct in
// make_state(), and writes update(): one fused pass over one parameter's elements that reads
// the gradient and writes the parameter and the state in place. The base calls update() for
// every parameter that has a gradient, under NoGradGuard. L-BFGS and Newton evaluate the loss
// several times per step, so they override step(closure) instead.
//
// Not here: learning-rate schedules (optim/schedulers/ change lr between steps through
// param_groups()), gradient clipping (nn/utils/clip_grad.h, called between backward and step).
// Read next: sgd.h and sgd.cpp, then adam.cpp; the equations are in docs/optimizers.md.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "tensor/serialize.h"
#include "tensor/tensor.h"

// DESCENT_OPTIM_ARG(double, momentum) = 0;  declares one builder option, as libtorch's TORCH_ARG
// does: `momentum(0.9)` sets it and returns the options (so calls chain), `momentum()` reads it.
#define DESCENT_OPTIM_ARG(T, name)                 \
 public:                                           \
  auto name(const T& value)->decltype(*this) {     \
    name##_ = value;                               \
    return *this;                                  \
  }                                                \
  const T& name() const { return name##_; }        \
                                                   \
 private:                                          \
  T name##_

namespace descent::optim {

using Betas = std::tuple<double, double>;  // (β1, β2) of the Adam family

// An optimizer's options seen from outside: what every param group and every scheduler needs.
class OptimizerOptions {
 public:
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  virtual double get_lr() const = 0;
  virtual void set_lr(double lr) = 0;
  // The momentum that CyclicLR and OneCycleLR cycle along with lr: `momentum` for SGD and
  // RMSprop, beta1 for the Adam family (torch's group['momentum'] or group['betas'][0]).
  virtual bool has_momentum() const { return false; }
  virtual double get_momentum() const { return 0.0; }
  virtual void set_momentum(double) {}
};

// clone/get_lr/set_lr written once for every Options type that has an `lr` builder option.
template <class Derived> class OptimizerCloneableOptions : public OptimizerOptions {
 public:
  std::unique_ptr<OptimizerOptions> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
  double get_lr() const override { return static_cast<const Derived&>(*this).lr(); }
  void set_lr(double lr) override { static_cast<Derived&>(*this).lr(lr); }
};

// The state an optimizer keeps for one parameter: a small struct per optimizer (SGDState,
// AdamState, ...) created on the parameter's first step. save/load go through the names below.
struct ParamState {
  virtual ~ParamState() = default;
  int64_t step = 0;  // updates applied to this parameter so far
  // The parameter's dtype when the state's tensors were made. A model converted with
  // Module::to(dtype) after some steps changes it; the next step converts the tensors along
  // (what torch's in-place type promotion amounts to), so state and parameter always agree.
  Dtype dtype = kFloat32;
  // The state's tensors by name. Each has its parameter's shape and dtype; one that an option
  // leaves unused (AMSGrad's maximum without amsgrad) stays undefined and is not saved.
  virtual std::vector<std::pair<const char*, Tensor*>> buffers() { return {}; }
  // Per-parameter numbers other than `step` (NAdam's running product of momentum factors).
  virtual std::vector<std::pair<const char*, double*>> scalars() { return {}; }
};

// Some parameters and the options they are optimized with (torch's param_groups[i]).
class ParamGroup {
 public:
  ParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options);

  const std::vector<Tensor>& params() const { return params_; }
  OptimizerOptions& options() { return *options_; }
  const OptimizerOptions& options() const { return *options_; }

  double lr() const { return options_->get_lr(); }
  void set_lr(double lr) { options_->set_lr(lr); }
  bool has_momentum() const { return options_->has_momentum(); }
  double momentum() const { return options_->get_momentum(); }
  void set_momentum(double momentum) { options_->set_momentum(momentum); }

  // The lr the first scheduler attached to this group started from (torch's
  // group['initial_lr']): every later scheduler takes it as its base lr.
  std::optional<double> initial_lr() const { return initial_lr_; }
  void set_initial_lr(double lr) { initial_lr_ = lr; }

 private:
  friend class Optimizer;
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
  std::vector<std::unique_ptr<ParamState>> state_;  // state_[i] belongs to params_[i]; null before its first step
  std::optional<double> initial_lr_;
};

// Elements per oneTBB task in an update pass: an Adam update is about 10 flops and a square
// root per element, so 16k elements are ~20 µs of work, well above a task's overhead.
inline constexpr int64_t kUpdateGrain = 1 << 14;

class Optimizer {
 public:
  using Closure = std::function<Tensor()>;  // re-evaluates the model and returns the loss

  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  const std::string& name() const { return name_; }  // "SGD", "Adam", ... (error messages, files)

  // Adds parameters optimized with the constructor's options, or with their own. A parameter
  // must be a floating-point contiguous leaf that requires grad, and belong to one group only.
  void add_param_group(std::vector<Tensor> params);
  void add_param_group(std::vector<Tensor> params, const OptimizerOptions& options);
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  const OptimizerOptions& defaults() const { return *defaults_; }

  // Forgets every parameter's gradient (set_to_none, the default, as libtorch's), or fills it
  // with zeros. The next backward() then starts a fresh sum.
  void zero_grad(bool set_to_none = true);

  // One update of every parameter that has a gradient. With a closure, the closure runs first
  // (with grad mode on) and its loss is returned; plain step() returns an undefined tensor.
  Tensor step() { return step(Closure()); }
  virtual Tensor step(const Closure& closure);

  // The state needed to continue exactly: per group its lr (and momentum, which schedulers may
  // change, and initial_lr), per parameter its state. Other options come from the constructor.
  // load checks every entry against this optimizer before changing anything.
  virtual void save(serialize::OutputArchive& archive, const std::string& prefix = "") const;
  virtual void load(const serialize::InputArchive& archive, const std::string& prefix = "");

 protected:
  // `defaults` are the constructor's options; the derived constructor validates them and then
  // calls add_param_group(params) (virtual calls do not reach it from this constructor).
  Optimizer(std::string name, std::unique_ptr<OptimizerOptions> defaults);

  // Throws std::invalid_argument naming the first bad option (`SGD: momentum must be >= 0, got -0.9`).
  virtual void check_options(const OptimizerOptions& options) const = 0;
  // A fresh state for `param`, before its first update (or before loading into it).
  virtual std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const;
  // Updates `param` (contiguous, same dtype and shape as `grad`) and its state in place.
  virtual void update(const Tensor& param, const Tensor& grad, ParamState& state, const OptimizerOptions& options);

  // The state of group.params()[index], made on first use, in the parameter's current dtype.
  ParamState& state_of(ParamGroup& group, size_t index);

 private:
  void follow_dtype(ParamState& state, const Tensor& param, size_t index);

  std::string name_;
  std::unique_ptr<OptimizerOptions> defaults_;
  std::vector<ParamGroup> groups_;
};

}  // namespace descent::optim
