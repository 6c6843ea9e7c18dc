// backward_order (see graph_walk.h): the engine's own walk (topological_order, engine.cpp),
// started from the outputs' Nodes.
#include "autograd/graph_walk.h"

namespace descent::autograd {

std::vector<std::shared_ptr<Node>> backward_order(const std::vector<Tensor>& outputs) {
  std::vector<Node*> roots;
  for (const Tensor& out : outputs)
    if (out.defined() && out.grad_fn()) roots.push_back(out.grad_fn().get());
  std::vector<std::shared_ptr<Node>> order;
  for (Node* node : topological_order(roots)) order.push_back(node->shared_from_this());
  return order;
}

std::vector<std::shared_ptr<Node>> backward_order(const Tensor& root) { return backward_order(std::vector<Tensor>{root}); }

}  // namespace descent::autograd
