// Module's registry and tree walks. The registry is three ordered lists (parameters, buffers,
// children) so that names come out in registration order, as in PyTorch. Checkpoint save/load
// live in nn/serialize.cpp.
#include "nn/module.h"

#include <cxxabi.h>

#include <cstdlib>
#include <ostream>
#include <typeinfo>
#include <unordered_set>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "tensor/check.h"

namespace descent::nn {

void Module::check_new_name(const std::string& name, const char* what) const {
  CHECK(!name.empty(), what, ": the name must not be empty");
  CHECK(name.find('.') == std::string::npos, what, ": name '", name, "' must not contain '.'");
  auto taken = [&](const auto& list) {
    for (const auto& entry : list)
      if (entry.first == name) return true;
    return false;
  };
  CHECK(!taken(parameters_) && !taken(buffers_) && !taken(children_), what, ": '", name,
        "' is already registered in ", this->name());
}

Tensor Module::register_parameter(const std::string& name, Tensor tensor, bool requires_grad) {
  check_new_name(name, "register_parameter");
  if (tensor.defined()) {
    if (!tensor.is_leaf()) tensor = tensor.detach();  // a parameter is a leaf of every graph
    tensor.requires_grad_(requires_grad);
  }
  parameters_.emplace_back(name, tensor);
  return tensor;
}

Tensor Module::register_buffer(const std::string& name, Tensor tensor) {
  check_new_name(name, "register_buffer");
  buffers_.emplace_back(name, tensor);
  return tensor;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name(name, "register_module");
  CHECK(module != nullptr, "register_module: module '", name, "' is null");
  children_.emplace_back(name, std::move(module));
}

void Module::collect(NamedTensors& out, const std::string& prefix, bool params, bool recurse) const {
  for (const auto& [name, t] : params ? parameters_ : buffers_)
    if (t.defined()) out.emplace_back(prefix + name, t);
  if (recurse)
    for (const auto& [name, child] : children_) child->collect(out, prefix + name + ".", params, true);
}

namespace {
// Keeps the first occurrence of each tensor (a layer used twice in a model is listed once).
NamedTensors unique(NamedTensors all) {
  std::unordered_set<const TensorImpl*> seen;
  NamedTensors out;
  for (auto& entry : all)
    if (seen.insert(entry.second.impl()).second) out.push_back(std::move(entry));
  return out;
}
std::vector<Tensor> values(const NamedTensors& named) {
  std::vector<Tensor> out;
  out.reserve(named.size());
  for (const auto& entry : named) out.push_back(entry.second);
  return out;
}
}  // namespace

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  collect(out, "", true, recurse);
  return unique(std::move(out));
}
NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  collect(out, "", false, recurse);
  return unique(std::move(out));
}
std::vector<Tensor> Module::parameters(bool recurse) const { return values(named_parameters(recurse)); }
std::vector<Tensor> Module::buffers(bool recurse) const { return values(named_buffers(recurse)); }

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& entry : children_) out.push_back(entry.second);
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (const auto& entry : children_) entry.second->train(on);
}

namespace {
// Points t's TensorImpl at a converted copy of its data: every handle sharing the impl sees it.
void convert_in_place(const Tensor& t, Dtype dtype) {
  Tensor converted;
  {
    NoGradGuard no_grad;
    converted = t.detach().to(dtype);
  }
  TensorImpl* impl = t.impl();
  impl->storage = converted.impl()->storage;
  impl->sizes = converted.sizes();
  impl->strides = converted.strides();
  impl->offset = 0;
  impl->dtype = dtype;
  impl->is_view = false;
}
}  // namespace

void Module::to(Dtype dtype) {
  CHECK(is_floating(dtype), "Module::to: expected a floating-point dtype, got ", dtype_name(dtype));
  NamedTensors all = named_parameters();
  for (auto& entry : named_buffers()) all.push_back(entry);
  for (auto& [name, t] : all) {
    if (!is_floating(t.dtype()) || t.dtype() == dtype) continue;
    convert_in_place(t, dtype);
    if (t.grad().defined() && t.grad().dtype() != dtype) convert_in_place(t.grad(), dtype);
  }
}

// Walks the tree itself rather than through parameters(), which would build a list (and
// allocate) on every call of a training loop.
void Module::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (auto& [name, p] : parameters_) {
    if (!p.grad().defined()) continue;
    if (set_to_none) p.mutable_grad() = Tensor();
    else p.mutable_grad().zero_();
  }
  for (auto& [name, child] : children_) child->zero_grad(set_to_none);
}

std::string Module::name() const {
  const char* mangled = typeid(*this).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string full = status == 0 && demangled ? demangled : mangled;
  std::free(demangled);
  // "descent::nn::Linear" -> "Linear" (the last component outside template arguments)
  size_t cut = full.find('<');
  size_t colon = full.rfind("::", cut == std::string::npos ? std::string::npos : cut);
  return colon == std::string::npos ? full : full.substr(colon + 2);
}

void Module::pretty_print(std::ostream& os) const { os << name(); }

namespace {
void print_tree(std::ostream& os, const Module& m, const std::string& indent) {
  m.pretty_print(os);
  if (m.named_children().empty()) return;
  os << "(\n";
  for (const auto& [name, child] : m.named_children()) {
    os << indent << "  (" << name << "): ";
    print_tree(os, *child, indent + "  ");
    os << '\n';
  }
  os << indent << ')';
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const Module& module) {
  print_tree(os, module, "");
  return os;
}

}  // namespace descent::nn
