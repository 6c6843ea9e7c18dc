#pragma once
// backward_order: the Nodes behind some outputs in the order backward() runs them, for tools
// that want to show or inspect the graph before running it (examples/autograd_tour.cpp prints
// each node's value and gradient in this order). It is the engine's own walk (engine.cpp,
// topological_order, declared in node.h): an iterative depth-first search
// from the outputs' Nodes, each Node's inputs in order, listing a Node after everything it
// depends on; reversed, every consumer comes before the Node it feeds, so a Node runs only
// once its gradient is complete.
//
// It only reads the graph (Node::inputs()); it works before and after backward(), and the
// order is the same either time. The engine skips a listed Node that no gradient reaches.
// Read next: autograd/engine.cpp (what happens at each Node), autograd/node.h.
#include <memory>
#include <vector>

#include "autograd/node.h"
#include "tensor/tensor.h"

namespace descent::autograd {

// The Nodes reachable from the outputs' grad_fns, consumers first. Outputs without a grad_fn
// (leaves, tensors that need no gradient) contribute nothing.
std::vector<std::shared_ptr<Node>> backward_order(const std::vector<Tensor>& outputs);
std::vector<std::shared_ptr<Node>> backward_order(const Tensor& root);

}  // namespace descent::autograd
