// to_dot (see dot.h). An iterative depth-first walk from the output's Node numbers every Node
// and leaf in the order it is first reached, so the same graph always gives the same text.
// A Node does not store its output's shape, but every edge pointing at it does (the edge
// records the shape of the input it feeds), and the output tensor gives the root's.
#include "autograd/dot.h"

#include <sstream>
#include <unordered_map>
#include <vector>

#include "autograd/node.h"
#include "tensor/check.h"

namespace descent::autograd {
namespace {

// A DOT string literal's content: quotes and backslashes escaped, "\n" kept as a line break.
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string to_dot(const Tensor& output) {
  CHECK(output.defined(), "to_dot: the tensor is undefined");
  std::ostringstream dot;
  dot << "digraph autograd {\n"
      << "  rankdir=TB;\n"
      << "  node [fontname=\"Helvetica\", fontsize=11];\n"
      << "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];\n";
  dot << "  output [label=\"output\\n" << escape(shape_str(output.sizes())) << " " << dtype_name(output.dtype())
      << "\", shape=ellipse, style=filled, fillcolor=\"#e0e0e0\"];\n";

  const std::shared_ptr<Node>& root = output.grad_fn();
  if (!root) {
    // No history: either a leaf that requires grad (a graph of one box) or a plain tensor.
    if (output.requires_grad())
      dot << "  note [label=\"a leaf: no ops recorded\", shape=plaintext];\n";
    else
      dot << "  note [label=\"does not require grad: no graph\", shape=plaintext];\n";
    dot << "}\n";
    return dot.str();
  }

  std::vector<const Node*> nodes;  // in discovery order
  std::unordered_map<const Node*, size_t> node_id;
  std::unordered_map<const Node*, Dims> output_shape;
  std::vector<std::pair<const AutogradMeta*, Dims>> leaves;
  std::unordered_map<const AutogradMeta*, size_t> leaf_id;
  std::ostringstream edges;

  node_id[root.get()] = 0;
  nodes.push_back(root.get());
  output_shape[root.get()] = output.sizes();
  edges << "  n0 -> output;\n";
  std::vector<const Node*> stack{root.get()};
  while (!stack.empty()) {
    const Node* node = stack.back();
    stack.pop_back();
    const auto& inputs = node->inputs();
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Edge& e = inputs[i];
      if (!e.defined()) continue;  // an input that needs no gradient: not part of the graph
      std::string from;
      if (e.node) {
        auto [it, fresh] = node_id.try_emplace(e.node.get(), nodes.size());
        if (fresh) {
          nodes.push_back(e.node.get());
          output_shape[e.node.get()] = e.shape;
          stack.push_back(e.node.get());
        }
        from = std::string("n").append(std::to_string(it->second));  // ("n" + string: GCC 12 -Wrestrict)
      } else {
        auto [it, fresh] = leaf_id.try_emplace(e.leaf.get(), leaves.size());
        if (fresh) leaves.emplace_back(e.leaf.get(), e.shape);
        from = std::string("l").append(std::to_string(it->second));
      }
      edges << "  " << from << " -> n" << node_id[node];
      if (inputs.size() > 1) edges << " [label=\"" << i << "\"]";  // which operand, for a - b or matmul
      edges << ";\n";
    }
  }

  for (size_t k = 0; k < nodes.size(); ++k) {
    const Node* node = nodes[k];
    // Lines of the label, each escaped, joined by DOT's "\n".
    std::string inputs_line = "in: ";
    const auto& inputs = node->inputs();
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (i) inputs_line += ", ";
      // An input without a gradient records no shape; it was a constant to this graph.
      inputs_line += inputs[i].defined() ? shape_str(inputs[i].shape) : std::string("const");
    }
    dot << "  n" << k << " [label=\"" << escape(node->name()) << "\\n" << escape(inputs_line) << "\\nout: "
        << escape(shape_str(output_shape[node])) << "\", shape=box, style=\"rounded,filled\", "
        << "fillcolor=\"#dbe9f6\"];\n";
  }
  for (size_t k = 0; k < leaves.size(); ++k)
    dot << "  l" << k << " [label=\"leaf\\n" << escape(shape_str(leaves[k].second))
        << "\", shape=box, style=filled, fillcolor=\"#fde9c9\"];\n";
  dot << edges.str() << "}\n";
  return dot.str();
}

}  // namespace descent::autograd
