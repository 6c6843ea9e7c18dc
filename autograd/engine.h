#pragma once
// Running the graph backwards. Tensor::backward() calls autograd::backward on one root;
// autograd::grad returns gradients instead of accumulating them into .grad().
#include <functional>
#include <optional>
#include <vector>

#include "tensor/tensor.h"

namespace descent::autograd {

// Accumulates d(sum_i <outputs[i], grad_outputs[i]>)/d(leaf) into every leaf's grad().
// An undefined grad_outputs[i] means ones, allowed only for a one-element output.
void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs = {},
              bool retain_graph = false, bool create_graph = false);
// The same for one output (Tensor::backward), without making vectors of one tensor.
void backward(const Tensor& output, const Tensor& grad_output, bool retain_graph, bool create_graph);

// Runs `callback` once the backward pass running on this thread has delivered every gradient
// (PyTorch's Variable._execution_engine.queue_callback): from a hook, it is how a module learns
// that a pass is over. Outside a pass it throws.
void queue_callback(std::function<void()> callback);

// Returns the gradients of the outputs with respect to `inputs` (which need not be leaves)
// without touching any grad(). retain_graph defaults to create_graph, as in PyTorch. With
// create_graph the results carry a graph of their own, so they can be differentiated again.
// An input the outputs do not depend on is an error, or an undefined tensor with allow_unused.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, std::optional<bool> retain_graph = std::nullopt,
                         bool create_graph = false, bool allow_unused = false);

}  // namespace descent::autograd
