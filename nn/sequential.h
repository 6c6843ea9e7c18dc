#pragma once
// nn::Sequential runs its children one after another; children are named "0", "1", ..., so a
// model holding `features` lists "features.0.weight". It takes modules by shared_ptr or by value:
//
//   auto net = std::make_shared<nn::Sequential>(nn::Linear(784, 128), nn::ReLU(), nn::Linear(128, 10));
//   Tensor logits = net->forward(x);
//
// Each child's forward(const Tensor&) is found at compile time and stored as a call, so a child
// needs no common base forward (libtorch's AnyModule does the same). nn::Functional wraps a
// plain function (`nn::Functional([](const Tensor& x) { return relu(x); })`) as a module.
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "nn/module.h"

namespace descent::nn {

class Sequential;

namespace detail {
template <class M>
concept UnaryModule = std::is_base_of_v<Module, M> && requires(M& m, const Tensor& x) {
  { m.forward(x) } -> std::convertible_to<Tensor>;
};
template <class T> struct is_shared_ptr : std::false_type {};
template <class T> struct is_shared_ptr<std::shared_ptr<T>> : std::true_type {};
}  // namespace detail

class Sequential : public Module {
 public:
  Sequential() = default;
  // Any number of modules, each a std::shared_ptr<M> or an M (moved into a new shared_ptr).
  template <class... Ms>
    requires(sizeof...(Ms) > 0 && !(sizeof...(Ms) == 1 && (std::is_same_v<std::decay_t<Ms>, Sequential> && ...)))
  explicit Sequential(Ms&&... modules) {
    (push_back(std::forward<Ms>(modules)), ...);
  }

  template <detail::UnaryModule M> void push_back(std::shared_ptr<M> module) {
    push_back(std::to_string(modules_.size()), std::move(module));
  }
  template <detail::UnaryModule M> void push_back(const std::string& name, std::shared_ptr<M> module) {
    register_module(name, module);
    calls_.push_back([m = module.get()](const Tensor& x) { return Tensor(m->forward(x)); });
    modules_.push_back(std::move(module));
  }
  template <class M>
    requires(!detail::is_shared_ptr<std::decay_t<M>>::value && detail::UnaryModule<std::decay_t<M>>)
  void push_back(M&& module) {
    push_back(std::make_shared<std::decay_t<M>>(std::forward<M>(module)));
  }

  Tensor forward(const Tensor& x) const;

  size_t size() const { return modules_.size(); }
  bool is_empty() const { return modules_.empty(); }
  const std::shared_ptr<Module>& operator[](size_t index) const;
  // The child at `index` as its own type (null when it is not an M).
  template <class M> std::shared_ptr<M> ptr(size_t index) const { return std::dynamic_pointer_cast<M>((*this)[index]); }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
  std::vector<std::function<Tensor(const Tensor&)>> calls_;
};

class Functional : public Module {
 public:
  explicit Functional(std::function<Tensor(const Tensor&)> function) : function_(std::move(function)) {}
  Tensor forward(const Tensor& x) const { return function_(x); }

 private:
  std::function<Tensor(const Tensor&)> function_;
};

}  // namespace descent::nn
