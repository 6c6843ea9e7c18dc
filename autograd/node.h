#pragma once
// The graph. Every differentiable op whose inputs need gradients gives its result a Node: the
// op's name, one Edge per input (where that input's gradient must go) and the backward
// function, written right below the op's forward in autograd/ops/*.cpp. There is no global
// tape: a result holds its Node, a Node holds the Nodes of its inputs, and the engine
// (engine.cpp) finds the order by walking these links from the loss.
//
// How an op records itself (see autograd/ops/elementwise.cpp for many):
//
//   Tensor out = kernels::binary(Binary::Mul, a, b);
//   if (auto node = record("mul", out, {a, b})) {
//     // a, b: broadcastable   dL/da = g·b   dL/db = g·a
//     node->set_backward([a = node->save(a), b = node->save(b)](const Tensor& g, const Node& n) -> Grads {
//       return {n.needs_grad(0) ? g * b : Tensor(), n.needs_grad(1) ? g * a : Tensor()};
//     });
//   }
//
// A backward returns one gradient per input (undefined where not needed). It may return a
// gradient with the broadcast shape of the output: the engine sums it back to the input's shape.
//
// Recording an op asks the system allocator for nothing: the Node, its edges, its saved
// versions, the backward lambda's captures and the Grads it returns all live in blocks of the
// caching allocator (tensor/storage.h), which a training loop reuses step after step.
#include <functional>
#include <initializer_list>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace descent::autograd {

class Node;
using Grads = CachedVector<Tensor>;
using Hook = std::function<Tensor(const Tensor&)>;

// A move-only std::function<Grads(const Tensor&, const Node&)> whose callable lives in a block
// of the caching allocator: std::function would put any lambda capturing more than 16 bytes (a
// Tensor and a flag) on the system heap, once per recorded op.
class BackwardFn {
 public:
  BackwardFn() = default;
  BackwardFn(std::nullptr_t) {}  // NOLINT: implicit, as std::function's
  template <class F, class Fn = std::decay_t<F>, class = std::enable_if_t<!std::is_same_v<Fn, BackwardFn>>>
  BackwardFn(F&& f)  // NOLINT: implicit, so that set_backward takes a lambda
      : state_(new (allocate_bytes(sizeof(Fn))) Fn(std::forward<F>(f))), call_(&call<Fn>), destroy_(&destroy<Fn>) {}
  BackwardFn(BackwardFn&& o) noexcept { swap(o); }
  BackwardFn& operator=(BackwardFn&& o) noexcept {
    BackwardFn(std::move(o)).swap(*this);
    return *this;
  }
  ~BackwardFn() {
    if (destroy_) destroy_(state_);
  }
  explicit operator bool() const { return call_ != nullptr; }
  Grads operator()(const Tensor& grad_out, const Node& node) const { return call_(state_, grad_out, node); }

 private:
  void swap(BackwardFn& o) noexcept {
    std::swap(state_, o.state_);
    std::swap(call_, o.call_);
    std::swap(destroy_, o.destroy_);
  }
  template <class Fn> static Grads call(void* fn, const Tensor& grad_out, const Node& node) {
    return (*static_cast<Fn*>(fn))(grad_out, node);
  }
  template <class Fn> static void destroy(void* fn) {
    std::destroy_at(static_cast<Fn*>(fn));
    deallocate_bytes(fn, sizeof(Fn));
  }
  void* state_ = nullptr;
  Grads (*call_)(void*, const Tensor&, const Node&) = nullptr;
  void (*destroy_)(void*) = nullptr;
};

// The autograd state of a tensor (TensorImpl::autograd).
struct AutogradMeta {
  bool requires_grad = false;      // set on leaves by requires_grad_()
  Tensor grad;                     // accumulated by backward() into leaves
  std::shared_ptr<Node> grad_fn;   // the op that made this tensor; null for leaves
  std::vector<Hook> hooks;         // a leaf's hooks (a non-leaf's live on its grad_fn)
  // A leaf's hooks that run after grad() was updated, with the new grad() (torch's
  // register_post_accumulate_grad_hook); DistributedDataParallel averages gradients from one.
  std::vector<std::function<void(const Tensor&)>> post_accumulate_hooks;
  // Engine scratch, valid during one backward pass: this pass's contributions, summed, and how
  // many edges to this leaf have still to run (counted when pending_mark is the pass's mark).
  Tensor pending_grad;
  uint64_t pending_mark = 0;
  int64_t pending_edges = 0;
};

// Where the gradient for one input of a Node goes.
struct Edge {
  std::shared_ptr<Node> node;          // the input's grad_fn, when it has one
  std::shared_ptr<AutogradMeta> leaf;  // otherwise the input itself, a leaf that requires grad
  Dims shape;                          // the input's shape and dtype, to check its gradient
  Dtype dtype = kFloat32;
  bool defined() const { return node || leaf; }
};
using Edges = CachedVector<Edge>;

class Node : public std::enable_shared_from_this<Node> {
 public:
  using Backward = BackwardFn;

  Node(const char* name, Edges inputs);
  ~Node();  // frees long chains iteratively (a 100,000-op graph must not overflow the stack)
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const char* name() const { return name_; }
  const Edges& inputs() const { return inputs_; }
  bool needs_grad(size_t input) const { return inputs_[input].defined(); }

  void set_backward(Backward fn) { backward_ = std::move(fn); }
  // Returns t after noting its version: if t is modified in place before backward runs,
  // backward throws instead of computing with the wrong numbers.
  Tensor save(const Tensor& t);
  void add_pre_hook(Hook hook) { pre_hooks_.push_back(std::move(hook)); }

  static int64_t live_count();  // Nodes alive right now (tests use it to find leaks)

 private:
  friend struct Engine;
  const char* name_;
  Edges inputs_;
  Backward backward_;  // empty once released after a backward without retain_graph
  CachedVector<std::pair<const Storage*, uint32_t>> saved_versions_;
  std::vector<Hook> pre_hooks_;  // hooks of the tensor this node produced
  bool released_ = false;
  // Engine scratch, valid during one backward pass.
  Tensor grad_buffer_;
  uint64_t visit_mark_ = 0;
};

// Attaches a new Node to `out` and returns it when grad mode is on and some input requires
// grad; returns null otherwise (then the op records nothing). `name` must be a literal.
std::shared_ptr<Node> record(const char* name, Tensor& out, std::initializer_list<Tensor> inputs);
std::shared_ptr<Node> record(const char* name, Tensor& out, const std::vector<Tensor>& inputs);  // any number

// The Nodes reachable from `roots`, each listed before the Nodes it feeds gradient into: the
// order backward() runs them in (an iterative depth-first walk, see engine.cpp).
std::vector<Node*> topological_order(const std::vector<Node*>& roots);

// The tensor's autograd state, created on first use.
AutogradMeta& meta(const Tensor& t);
inline AutogradMeta* meta_if(const Tensor& t) { return t.impl()->autograd.get(); }

}  // namespace descent::autograd
