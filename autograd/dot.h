#pragma once
// to_dot: the graph recorded behind a tensor, as Graphviz DOT text, to see what backward()
// will walk. One box per Node, labelled with its op name, its inputs' shapes and its output's
// shape; one box per leaf that requires grad, labelled with its shape; arrows go from inputs
// to the ops that consume them, down to the tensor itself.
//
//   std::ofstream("graph.dot") << autograd::to_dot(loss);   // then: dot -Tsvg graph.dot -o graph.svg
//
// It reads the graph and never changes it; it works before and after backward(). Not a
// renderer: Graphviz draws the picture. Read next: autograd/node.h (what a Node records).
#include <string>

#include "tensor/tensor.h"

namespace descent::autograd {

std::string to_dot(const Tensor& output);

}  // namespace descent::autograd
