#pragma once
// nn::Module: the base of every layer and model, as torch::nn::Module. A module owns named
// parameters (tensors an optimizer updates), named buffers (state such as BatchNorm's running
// statistics) and named child modules; parameters() and named_parameters() walk the tree, so a
// model defined as a small class lists everything under dotted names ("features.0.weight") for
// optimizers, checkpoints and printing. Modules are plain classes held by std::shared_ptr:
//
//   struct MLP : nn::Module {
//     MLP() { fc1 = register_module("fc1", std::make_shared<nn::Linear>(784, 128));
//             fc2 = register_module("fc2", std::make_shared<nn::Linear>(128, 10)); }
//     Tensor forward(const Tensor& x) { return fc2->forward(relu(fc1->forward(x))); }
//     std::shared_ptr<nn::Linear> fc1, fc2;
//   };
//
// forward is not virtual: each module declares the one it needs (losses take two tensors);
// nn::Sequential (nn/sequential.h) stores a call to each child's forward. Checkpoints:
// save/load below, the format in docs/checkpoints.md. Read nn/linear.h for a layer.
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensor/serialize.h"
#include "tensor/tensor.h"

namespace descent::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = default;  // copies share the same parameter tensors (use clone() on them to copy)
  Module& operator=(const Module&) = default;
  Module(Module&&) = default;
  Module& operator=(Module&&) = default;

  // Registration. Names are non-empty, contain no '.', and are unique among a module's
  // parameters, buffers and children. A parameter is made a leaf that requires grad (unless
  // requires_grad is false); an undefined tensor (a layer built without bias) is skipped by
  // parameters(). Each returns its argument so that `weight = register_parameter(...)` keeps a
  // handle to the very tensor the module owns.
  Tensor register_parameter(const std::string& name, Tensor tensor, bool requires_grad = true);
  Tensor register_buffer(const std::string& name, Tensor tensor);
  template <class M> std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

  // The tree, depth first: a module's own entries first, then each child's under "child.".
  // A tensor reachable twice (a shared layer) is listed once, under its first name.
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }

  // train() and eval() switch this module and every descendant (only Dropout and BatchNorm
  // behave differently); turning gradients off is NoGradGuard's job, not eval()'s.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Converts every floating-point parameter, buffer and gradient in place: the TensorImpl
  // each handle points at gets the converted storage, so handles such as `weight` stay valid.
  void to(Dtype dtype);
  // Drops every parameter's gradient (set_to_none) or fills it with zeros.
  void zero_grad(bool set_to_none = true);

  // Checkpoints (descent::save / descent::load in tensor/serialize.h use these): every
  // parameter and buffer as `prefix + dotted name`. load checks every name, dtype and shape
  // first, reports all that do not fit (naming the file and each tensor) and changes nothing
  // then; otherwise it copies the values into the existing tensors.
  void save(serialize::OutputArchive& archive, const std::string& prefix = "") const;
  void load(const serialize::InputArchive& archive, const std::string& prefix = "");

  // For printing: the class name, and the arguments shown in "Linear(in_features=784, ...)".
  virtual std::string name() const;
  virtual void pretty_print(std::ostream& os) const;

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void check_new_name(const std::string& name, const char* what) const;
  void collect(NamedTensors& out, const std::string& prefix, bool params, bool recurse) const;

  NamedTensors parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// Prints the tree as PyTorch does: "Sequential(\n  (0): Linear(in_features=4, ...)\n ...)".
std::ostream& operator<<(std::ostream& os, const Module& module);

}  // namespace descent::nn
