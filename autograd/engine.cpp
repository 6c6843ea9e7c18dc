// The backward engine.
//   1. Seed: each output's gradient (ones for a scalar loss) goes into its Node's buffer.
//   2. Order: an iterative depth-first walk from the outputs' Nodes lists every reachable Node
//      after all Nodes it depends on (post-order); reversed, that is a topological order in
//      which a Node runs only once every consumer has added its share to the Node's buffer.
//   3. Run: each Node's backward turns its buffered gradient into one gradient per input;
//      the engine sums broadcast dims back to the input's shape, checks shape and dtype, and
//      adds the result to the input's Node buffer, or to the leaf's grad().
//   4. Release: unless retain_graph, each Node drops its backward function (and with it the
//      tensors it saved) as soon as it has run.
// A leaf's gradient is delivered (its hooks run, grad() is updated, then its post-accumulate
// hooks run) as soon as the last Node with an edge to it has run, not at the end of the pass:
// DistributedDataParallel starts averaging a bucket of gradients while the rest of the pass
// is still computing. Callbacks queued during the pass (queue_callback) run after everything.
// Backward runs with grad mode off, or on when create_graph is set: the formulas are ordinary
// ops, so they then record a graph of their own and the result can be differentiated again.
#include "autograd/engine.h"

#include <atomic>
#include <cassert>
#include <span>
#include <unordered_map>

#include "autograd/anomaly.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "tensor/check.h"
#include "tensor/factory.h"
#include "tensor/kernels/elementwise.h"

namespace descent::autograd {
namespace {

std::atomic<int64_t> g_live_nodes{0};
std::atomic<uint64_t> g_walk_mark{0};
std::atomic<uint64_t> g_pass_mark{0};  // tells this pass's leaf counts (pending_edges) from stale ones

// True when nobody else can see t's memory, so it may be updated in place.
bool exclusively_owned(const Tensor& t) {
  return t.impl_ptr().use_count() == 1 && t.impl()->storage.use_count() == 1 && t.is_contiguous() &&
         !t.requires_grad();
}

// buffer += g, in place when that is safe, otherwise as a new tensor (always when the sum must
// itself be differentiable).
void accumulate(Tensor& buffer, Tensor g, bool create_graph) {
  if (!buffer.defined()) {
    buffer = std::move(g);
  } else if (!create_graph && exclusively_owned(buffer)) {
    kernels::binary_(kernels::Binary::Add, buffer, g);
  } else {
    buffer = buffer + g;
  }
}

}  // namespace

Node::Node(const char* name, Edges inputs) : name_(name), inputs_(std::move(inputs)) { ++g_live_nodes; }

Node::~Node() {
  --g_live_nodes;
  // Destroying a Node drops its inputs' Nodes, whose destructors drop theirs, and so on: a
  // recursion as deep as the graph. Instead, the outermost destructor collects what is to be
  // dropped in a list and drops it in a loop; nested destructors only add to the list.
  thread_local std::vector<std::shared_ptr<Node>> pending_nodes;
  thread_local std::vector<Backward> pending_functions;  // they hold saved tensors, hence Nodes
  thread_local bool draining = false;
  for (Edge& e : inputs_)
    if (e.node) pending_nodes.push_back(std::move(e.node));
  if (backward_) pending_functions.push_back(std::move(backward_));
  if (draining) return;
  draining = true;
  while (!pending_nodes.empty() || !pending_functions.empty()) {
    if (!pending_functions.empty()) {
      Backward f = std::move(pending_functions.back());
      pending_functions.pop_back();
    } else {
      std::shared_ptr<Node> n = std::move(pending_nodes.back());
      pending_nodes.pop_back();
    }
  }
  draining = false;
}

Tensor Node::save(const Tensor& t) {
  if (t.defined()) saved_versions_.emplace_back(t.impl()->storage.get(), t.version());
  return t;
}

int64_t Node::live_count() { return g_live_nodes.load(); }

AutogradMeta& meta(const Tensor& t) {
  if (!t.impl()->autograd) t.impl()->autograd = make_cached<AutogradMeta>();
  return *t.impl()->autograd;
}

namespace {
Edge edge_to(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return {};
  const auto& m = t.impl()->autograd;
  if (m->grad_fn) return {m->grad_fn, nullptr, t.sizes(), t.dtype()};
  return {nullptr, m, t.sizes(), t.dtype()};
}


template <class Inputs> std::shared_ptr<Node> record_inputs(const char* name, Tensor& out, const Inputs& inputs) {
  if (anomaly_enabled()) check_forward(name, out, std::vector<Tensor>(inputs.begin(), inputs.end()));
  if (!GradMode::is_enabled()) return nullptr;
  bool any = false;
  for (const Tensor& t : inputs) any = any || (t.defined() && t.requires_grad());
  if (!any) return nullptr;
  Edges edges;
  edges.reserve(inputs.size());
  for (const Tensor& t : inputs) edges.push_back(edge_to(t));
  auto node = make_cached<Node>(name, std::move(edges));
  meta(out).grad_fn = node;
  return node;
}
}  // namespace

std::shared_ptr<Node> record(const char* name, Tensor& out, std::initializer_list<Tensor> inputs) {
  return record_inputs(name, out, inputs);
}
std::shared_ptr<Node> record(const char* name, Tensor& out, const std::vector<Tensor>& inputs) {
  return record_inputs(name, out, inputs);
}

struct Engine;
thread_local Engine* t_current_engine = nullptr;  // the pass running on this thread, for queue_callback

struct Engine {
  bool retain_graph;
  bool create_graph;
  // autograd::grad: where each requested input's gradient is collected (no grad() is touched).
  bool capturing = false;
  // (an input listed twice gets its gradient twice)
  std::unordered_map<const Node*, std::vector<size_t>> capture_nodes{};
  std::unordered_map<const AutogradMeta*, std::vector<size_t>> capture_leaves{};
  std::vector<Tensor> captured{};
  // Leaves that received gradient in this pass, in order of first arrival. Their
  // contributions are summed first and delivered once, when the last edge to them has run (or
  // at the end of the pass), so a leaf's hooks see its whole gradient once, as in PyTorch.
  CachedVector<std::shared_ptr<AutogradMeta>> pending_leaves{};
  uint64_t pass_mark = 0;
  CachedVector<std::function<void()>> callbacks{};  // queue_callback's, run at the end of the pass

  void add_to_leaf(const std::shared_ptr<AutogradMeta>& leaf, Tensor g) {
    if (!leaf->pending_grad.defined()) pending_leaves.push_back(leaf);
    accumulate(leaf->pending_grad, std::move(g), create_graph);
  }

  void deliver_to_leaf(AutogradMeta& leaf, Tensor g) {
    for (const Hook& hook : leaf.hooks)
      if (Tensor r = hook(g); r.defined()) g = std::move(r);
    if (capturing) {
      auto it = capture_leaves.find(&leaf);
      if (it != capture_leaves.end())
        for (size_t i : it->second) accumulate(captured[i], g, create_graph);
      return;
    }
    if (!leaf.grad.defined()) {
      // Keep g itself when nobody else holds it; otherwise a private copy, because later
      // accumulations write into grad() in place.
      leaf.grad = create_graph || exclusively_owned(g) ? std::move(g) : g.detach().clone();
    } else if (!create_graph && !leaf.grad.requires_grad()) {
      kernels::binary_(kernels::Binary::Add, leaf.grad, g);
    } else {
      leaf.grad = leaf.grad + g;
    }
    for (const auto& hook : leaf.post_accumulate_hooks) hook(leaf.grad);
  }

  // Delivers the leaf's summed contributions now, if it has any not yet delivered.
  void deliver_pending(AutogradMeta& leaf) {
    if (!leaf.pending_grad.defined()) return;
    Tensor g = std::move(leaf.pending_grad);
    leaf.pending_grad = Tensor();
    deliver_to_leaf(leaf, std::move(g));
  }

  // One edge to `leaf` has run (with or without a gradient): the last one delivers.
  void edge_done(AutogradMeta& leaf) {
    if (leaf.pending_mark == pass_mark && --leaf.pending_edges == 0) deliver_pending(leaf);
  }

  void run(std::span<const Tensor> outputs, std::span<const Tensor> grad_outputs) {
    CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), "backward: got ", outputs.size(),
          " outputs but ", grad_outputs.size(), " gradients");
    AutoGradMode mode(create_graph);
    CachedVector<Node*> roots;
    CachedVector<std::shared_ptr<Node>> keep_alive;
    for (size_t i = 0; i < outputs.size(); ++i) {
      const Tensor& out = outputs[i];
      CHECK(out.defined() && out.requires_grad(), "backward: output ", i,
            " does not require grad and has no grad_fn (was it computed under NoGradGuard or from a detached tensor?)");
      Tensor g = grad_outputs.empty() ? Tensor() : grad_outputs[i];
      if (!g.defined()) {
        CHECK(out.numel() == 1, "backward: a gradient can be created implicitly only for a one-element output, got shape ",
              out.sizes(), "; pass a gradient of that shape");
        g = ones_like(out);
      } else {
        CHECK(g.sizes() == out.sizes(), "backward: gradient has shape ", g.sizes(), " but output ", i, " has shape ",
              out.sizes());
        CHECK(g.dtype() == out.dtype(), "backward: gradient has dtype ", dtype_name(g.dtype()), " but output ", i,
              " has dtype ", dtype_name(out.dtype()));
      }
      const std::shared_ptr<AutogradMeta>& m = out.impl()->autograd;
      if (m->grad_fn) {
        accumulate(m->grad_fn->grad_buffer_, std::move(g), create_graph);
        roots.push_back(m->grad_fn.get());
        keep_alive.push_back(m->grad_fn);
      } else {
        add_to_leaf(m, std::move(g));
      }
    }
    CachedVector<Node*> order;
    walk(roots, order);
    // Count the edges into each leaf, so that a leaf is delivered when its last one has run.
    pass_mark = ++g_pass_mark;
    for (Node* node : order)
      for (const Edge& e : node->inputs_) {
        if (!e.leaf) continue;
        if (e.leaf->pending_mark != pass_mark) e.leaf->pending_mark = pass_mark, e.leaf->pending_edges = 0;
        ++e.leaf->pending_edges;
      }
    Engine* outer = t_current_engine;  // a backward may run inside a hook of another
    t_current_engine = this;
    try {
      for (Node* node : order) run_node(*node);
      // Leaves given as outputs, and any whose edges ran out of order of the count.
      for (const auto& leaf : pending_leaves) deliver_pending(*leaf);
      for (size_t i = 0; i < callbacks.size(); ++i) {  // a callback may queue another
        std::function<void()> callback = std::move(callbacks[i]);
        callback();
      }
    } catch (...) {
      t_current_engine = outer;
      for (Node* node : order) node->grad_buffer_ = Tensor();
      for (const auto& leaf : pending_leaves) leaf->pending_grad = Tensor();
      throw;
    }
    t_current_engine = outer;
  }

  // Fills `order` (consumers first); the vectors come from the caching allocator.
  template <class Roots, class Order> static void walk(const Roots& roots, Order& order) {
    const uint64_t mark = ++g_walk_mark;
    CachedVector<Node*> post;
    CachedVector<std::pair<Node*, size_t>> stack;  // (node, next input to look at)
    for (Node* root : roots) {
      if (root->visit_mark_ == mark) continue;
      root->visit_mark_ = mark;
      stack.emplace_back(root, 0);
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next < node->inputs_.size()) {
          Node* child = node->inputs_[next++].node.get();
          if (child && child->visit_mark_ != mark) {
            child->visit_mark_ = mark;
            stack.emplace_back(child, 0);
          }
        } else {
          post.push_back(node);
          stack.pop_back();
        }
      }
    }
    order.assign(post.rbegin(), post.rend());
  }

  void run_node(Node& node) {
    Tensor g = std::move(node.grad_buffer_);
    node.grad_buffer_ = Tensor();
    if (!g.defined()) {  // no gradient reached this node
      for (const Edge& edge : node.inputs_)
        if (edge.leaf) edge_done(*edge.leaf);
      return;
    }
    CHECK(!node.released_, "backward: the graph behind '", node.name_,
          "' was already freed by an earlier backward(); pass retain_graph=true to the first backward() to go "
          "through the graph twice");
    for (auto [storage, version] : node.saved_versions_)
      CHECK(storage->version == version, "backward of '", node.name_,
            "': a tensor it saved for backward was modified by an in-place operation (saved at version ", version,
            ", now ", storage->version, "); use an out-of-place op or clone() the tensor first");
    for (const Hook& hook : node.pre_hooks_)
      if (Tensor r = hook(g); r.defined()) g = std::move(r);
    if (capturing) {
      auto it = capture_nodes.find(&node);
      if (it != capture_nodes.end())
        for (size_t i : it->second) captured[i] = g;
    }
    Grads grads;
    if (anomaly_enabled()) {
      BackwardScope scope(node.name_);
      grads = node.backward_(g, node);
    } else {
      grads = node.backward_(g, node);
    }
    assert(grads.size() == node.inputs_.size());
    if (anomaly_enabled()) check_backward(node.name_, node.inputs_, grads);
    for (size_t i = 0; i < node.inputs_.size(); ++i) {
      const Edge& edge = node.inputs_[i];
      if (!edge.defined() || i >= grads.size() || !grads[i].defined()) {
        if (edge.leaf) edge_done(*edge.leaf);
        continue;
      }
      Tensor gi = std::move(grads[i]);
      if (!(gi.sizes() == edge.shape)) {
        CHECK(is_expandable_to(edge.shape, gi.sizes()), "backward of '", node.name_, "': gradient for input ", i,
              " has shape ", gi.sizes(), ", input has shape ", edge.shape);
        gi = sum_to(gi, edge.shape);
      }
      CHECK(gi.dtype() == edge.dtype, "backward of '", node.name_, "': gradient for input ", i, " has dtype ",
            dtype_name(gi.dtype()), ", input has dtype ", dtype_name(edge.dtype));
      if (edge.node) {
        accumulate(edge.node->grad_buffer_, std::move(gi), create_graph);
      } else {
        add_to_leaf(edge.leaf, std::move(gi));
        edge_done(*edge.leaf);
      }
    }
    if (!retain_graph) {
      node.backward_ = nullptr;
      node.saved_versions_.clear();
      node.released_ = true;
    }
  }
};

// Post-order of the Nodes reachable from `roots`, reversed: consumers before producers. The
// visit marks (a counter per walk) make "seen?" one comparison instead of a set lookup.
std::vector<Node*> topological_order(const std::vector<Node*>& roots) {
  std::vector<Node*> order;
  Engine::walk(roots, order);
  return order;
}

void backward(const Tensor& output, const Tensor& grad_output, bool retain_graph, bool create_graph) {
  Engine engine{retain_graph || create_graph, create_graph};
  engine.run({&output, 1}, {&grad_output, 1});
}

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, bool retain_graph,
              bool create_graph) {
  Engine engine{retain_graph || create_graph, create_graph};
  engine.run(outputs, grad_outputs);
}

void queue_callback(std::function<void()> callback) {
  CHECK(t_current_engine != nullptr, "queue_callback: no backward pass is running on this thread (call it from a hook)");
  t_current_engine->callbacks.push_back(std::move(callback));
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, std::optional<bool> retain_graph, bool create_graph,
                         bool allow_unused) {
  Engine engine{retain_graph.value_or(create_graph), create_graph};
  engine.capturing = true;
  engine.captured.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& in = inputs[i];
    CHECK(in.defined() && in.requires_grad(), "autograd::grad: input ", i, " does not require grad");
    AutogradMeta& m = *in.impl()->autograd;
    if (m.grad_fn) engine.capture_nodes[m.grad_fn.get()].push_back(i);
    else engine.capture_leaves[&m].push_back(i);
  }
  engine.run(outputs, grad_outputs);
  for (size_t i = 0; i < inputs.size(); ++i)
    CHECK(allow_unused || engine.captured[i].defined(), "autograd::grad: input ", i,
          " was not used to compute the outputs (pass allow_unused=true to get an undefined gradient)");
  return engine.captured;
}

}  // namespace descent::autograd
