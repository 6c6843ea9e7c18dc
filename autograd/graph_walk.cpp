// backward_order (see graph_walk.h). The walk is Engine::topological_order of engine.cpp step
// for step; it keeps its visited set in a hash set instead of the Nodes' private visit marks,
// so that it changes nothing in the graph.
#include "autograd/graph_walk.h"

#include <unordered_set>
#include <utility>

namespace descent::autograd {

std::vector<std::shared_ptr<Node>> backward_order(const std::vector<Tensor>& outputs) {
  std::unordered_set<const Node*> seen;
  std::vector<std::shared_ptr<Node>> post;                 // each Node after all its inputs' Nodes
  std::vector<std::pair<std::shared_ptr<Node>, size_t>> stack;  // (node, next input to look at)
  for (const Tensor& out : outputs) {
    if (!out.defined() || !out.grad_fn() || !seen.insert(out.grad_fn().get()).second) continue;
    stack.emplace_back(out.grad_fn(), 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->inputs().size()) {
        const std::shared_ptr<Node>& child = node->inputs()[next++].node;
        if (child && seen.insert(child.get()).second) stack.emplace_back(child, 0);
      } else {
        post.push_back(std::move(node));
        stack.pop_back();
      }
    }
  }
  return {post.rbegin(), post.rend()};
}

std::vector<std::shared_ptr<Node>> backward_order(const Tensor& root) { return backward_order(std::vector<Tensor>{root}); }

}  // namespace descent::autograd
