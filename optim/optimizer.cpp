// The machinery every optimizer shares: parameter groups, the step loop that hands each
// parameter with a gradient to update(), zero_grad, and save/load of lr and state.
// Read optimizer.h first; a concrete optimizer is in sgd.cpp.
#include "optim/optimizer.h"

#include <set>
#include <stdexcept>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "tensor/check.h"

namespace descent::optim {
namespace {

[[noreturn]] void load_error(const serialize::InputArchive& archive, const std::string& what) {
  throw std::runtime_error("checkpoint " + archive.path() + ": " + what);
}

std::string group_key(const std::string& prefix, size_t g) { return prefix + "param_groups." + std::to_string(g) + "."; }
std::string state_key(const std::string& prefix, size_t g, size_t i) {
  return prefix + "state." + std::to_string(g) + "." + std::to_string(i) + ".";
}

}  // namespace

ParamGroup::ParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options)
    : params_(std::move(params)), options_(std::move(options)), state_(params_.size()) {}

Optimizer::Optimizer(std::string name, std::unique_ptr<OptimizerOptions> defaults)
    : name_(std::move(name)), defaults_(std::move(defaults)) {}

void Optimizer::add_param_group(std::vector<Tensor> params) { add_param_group(std::move(params), *defaults_); }

void Optimizer::add_param_group(std::vector<Tensor> params, const OptimizerOptions& options) {
  check_options(options);
  CHECK(!params.empty(), name_, ": got an empty parameter list");
  // Every parameter already in a group, to refuse one that would be updated twice per step.
  std::set<const TensorImpl*> seen;
  for (const ParamGroup& group : groups_)
    for (const Tensor& p : group.params_) seen.insert(p.impl());
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    CHECK(p.defined(), name_, ": parameter ", i, " is undefined");
    CHECK(is_floating(p.dtype()), name_, ": parameters must be float32 or float64, parameter ", i, " is ",
          dtype_name(p.dtype()));
    CHECK(p.is_leaf(), name_, ": can't optimize a non-leaf tensor (parameter ", i, " was computed by '",
          p.grad_fn()->name(), "')");
    CHECK(p.is_contiguous(), name_, ": parameter ", i, " (shape ", p.sizes(),
          ") is not contiguous; optimize a contiguous() copy");
    CHECK(seen.insert(p.impl()).second, name_, ": parameter ", i, " appears in more than one parameter group");
  }
  groups_.emplace_back(std::move(params), options.clone());
}

void Optimizer::zero_grad(bool set_to_none) {
  for (ParamGroup& group : groups_)
    for (Tensor p : group.params_) {  // a handle copy: mutable_grad() is not const
      if (!p.grad().defined()) continue;
      if (set_to_none) {
        p.mutable_grad() = Tensor();
      } else {
        NoGradGuard no_grad;
        p.mutable_grad() = p.grad().detach();  // drop a graph left by backward(create_graph=true)
        p.mutable_grad().zero_();
      }
    }
}

Tensor Optimizer::step(const Closure& closure) {
  Tensor loss;
  if (closure) {
    AutoGradMode grad_on(true);  // the closure calls backward(), even if step() runs under NoGradGuard
    loss = closure();
  }
  NoGradGuard no_grad;  // an update is not part of any graph
  for (ParamGroup& group : groups_)
    for (size_t i = 0; i < group.params_.size(); ++i) {
      const Tensor& param = group.params_[i];
      const Tensor& grad = param.grad();
      if (!grad.defined()) continue;  // as torch: a parameter without gradient is left alone
      CHECK(grad.sizes() == param.sizes() && grad.dtype() == param.dtype(), name_, ": the gradient of parameter ", i,
            " is ", dtype_name(grad.dtype()), " ", grad.sizes(), ", the parameter ", dtype_name(param.dtype()), " ",
            param.sizes());
      update(param, grad.contiguous(), state_of(group, i), group.options());
    }
  return loss;
}

std::unique_ptr<ParamState> Optimizer::make_state(const Tensor&, const OptimizerOptions&) const {
  return std::make_unique<ParamState>();
}

void Optimizer::update(const Tensor&, const Tensor&, ParamState&, const OptimizerOptions&) {
  throw std::logic_error(name_ + ": update() is not implemented; this optimizer overrides step(closure)");
}

ParamState& Optimizer::state_of(ParamGroup& group, size_t index) {
  std::unique_ptr<ParamState>& state = group.state_[index];
  const Tensor& param = group.params_[index];
  if (!state) {
    state = make_state(param, group.options());
    state->dtype = param.dtype();
  } else if (state->dtype != param.dtype()) {
    follow_dtype(*state, param, index);
  }
  return *state;
}

// The parameter was converted (Module::to) after its state was made: convert the state too.
// Its shape cannot have changed through to(), but a tensor swapped in by hand could have.
void Optimizer::follow_dtype(ParamState& state, const Tensor& param, size_t index) {
  NoGradGuard no_grad;
  for (auto& [name, t] : state.buffers()) {
    if (!t->defined()) continue;
    CHECK(t->sizes() == param.sizes(), name_, ": parameter ", index, " is now ", dtype_name(param.dtype()), " ",
          param.sizes(), " but its state '", name, "' is ", dtype_name(t->dtype()), " ", t->sizes(),
          "; make a new optimizer for a reshaped parameter");
    *t = t->to(param.dtype()).contiguous();
  }
  state.dtype = param.dtype();
}

// ---- save / load --------------------------------------------------------------------------
// Entries, under `prefix`:
//   optimizer                      the optimizer's name ("Adam"), checked on load
//   param_groups                   number of groups
//   param_groups.G.params          number of parameters in group G
//   param_groups.G.lr, .momentum, .initial_lr
//   state.G.I.step                 present when parameter I of group G has state
//   state.G.I.<buffer or scalar>   its tensors (exp_avg, ...) and numbers (mu_product)

void Optimizer::save(serialize::OutputArchive& archive, const std::string& prefix) const {
  archive.write(prefix + "optimizer", name_);
  archive.write(prefix + "param_groups", int64_t(groups_.size()));
  for (size_t g = 0; g < groups_.size(); ++g) {
    const ParamGroup& group = groups_[g];
    const std::string key = group_key(prefix, g);
    archive.write(key + "params", int64_t(group.params_.size()));
    archive.write(key + "lr", group.lr());
    if (group.has_momentum()) archive.write(key + "momentum", group.momentum());
    if (group.initial_lr_) archive.write(key + "initial_lr", *group.initial_lr_);
    for (size_t i = 0; i < group.params_.size(); ++i) {
      ParamState* state = group.state_[i].get();
      if (!state) continue;
      const std::string skey = state_key(prefix, g, i);
      archive.write(skey + "step", state->step);
      for (auto& [name, t] : state->buffers())
        if (t->defined()) archive.write(skey + name, *t);
      for (auto& [name, v] : state->scalars()) archive.write(skey + name, *v);
    }
  }
}

void Optimizer::load(const serialize::InputArchive& archive, const std::string& prefix) {
  // First read and check everything into new objects; only then replace the current values,
  // so that a checkpoint that does not fit leaves this optimizer as it was.
  const std::string stored = archive.read_string(prefix + "optimizer");
  if (stored != name_) {
    const char* article = !stored.empty() && std::string("AEIOU").find(stored[0]) != std::string::npos ? "an " : "a ";
    load_error(archive, "holds the state of " + (article + stored) + " optimizer, not of " + name_);
  }
  const int64_t n_groups = archive.read_int(prefix + "param_groups");
  if (n_groups != int64_t(groups_.size()))
    load_error(archive, name_ + " has " + std::to_string(groups_.size()) + " parameter groups, the file " +
                            std::to_string(n_groups));
  struct LoadedGroup {
    double lr = 0;
    std::optional<double> momentum, initial_lr;
    std::vector<std::unique_ptr<ParamState>> state;
  };
  std::vector<LoadedGroup> loaded(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) {
    const ParamGroup& group = groups_[g];
    const std::string key = group_key(prefix, g);
    const int64_t n_params = archive.read_int(key + "params");
    if (n_params != int64_t(group.params_.size()))
      load_error(archive, name_ + " parameter group " + std::to_string(g) + " has " +
                              std::to_string(group.params_.size()) + " parameters, the file " + std::to_string(n_params));
    LoadedGroup& out = loaded[g];
    out.lr = archive.read_double(key + "lr");
    if (group.has_momentum() && archive.contains(key + "momentum")) out.momentum = archive.read_double(key + "momentum");
    if (archive.contains(key + "initial_lr")) out.initial_lr = archive.read_double(key + "initial_lr");
    out.state.resize(group.params_.size());
    for (size_t i = 0; i < group.params_.size(); ++i) {
      const std::string skey = state_key(prefix, g, i);
      if (!archive.contains(skey + "step")) continue;  // this parameter had not been updated yet
      const Tensor& param = group.params_[i];
      std::unique_ptr<ParamState> state = make_state(param, group.options());
      state->dtype = param.dtype();
      state->step = archive.read_int(skey + "step");
      for (auto& [name, t] : state->buffers()) {
        if (archive.contains(skey + name)) {
          archive.check_fits(skey + name, param);
          *t = archive.read_tensor(skey + name).clone();  // our own copy, not the archive's
        } else {
          *t = Tensor();  // not saved: update() makes it when an option needs it
        }
      }
      for (auto& [name, v] : state->scalars()) *v = archive.read_double(skey + name);
      out.state[i] = std::move(state);
    }
  }
  for (size_t g = 0; g < groups_.size(); ++g) {
    ParamGroup& group = groups_[g];
    group.set_lr(loaded[g].lr);
    if (loaded[g].momentum) group.set_momentum(*loaded[g].momentum);
    if (loaded[g].initial_lr) group.initial_lr_ = loaded[g].initial_lr;
    group.state_ = std::move(loaded[g].state);
  }
}

}  // namespace descent::optim
