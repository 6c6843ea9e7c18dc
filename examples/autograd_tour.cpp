// autograd_tour: the worked example of docs/autograd.md, run. It builds
//   x = [1, 2], w = 3,  u = x·w,  v = u + x,  y = u·v,  L = sum(y)
// in float64, lists the Nodes in the order backward() will run them (autograd::backward_order,
// the engine's own walk), runs L.backward() with a hook on every intermediate tensor, and
// prints one table row per Node: the op, its inputs (read from the Node's edges), the value it
// computed and the gradient dL/d(value) that reached it; then the leaves and their grad().
// The hooks also record the order in which the engine really ran the Nodes; the program
// fails if that differs from backward_order. Last, it writes the graph as Graphviz DOT
// (autograd::to_dot) and, when Graphviz's `dot` is installed, as PNG. Its first line, as every
// example's, names the CPU path in use (common/cpu_line.h); the numbers do not depend on it.
//
//   build/examples/autograd_tour [--out DIR]      (files go to DIR, default: the current folder)
//
// tests/autograd/test_tour.cpp runs this program and compares its table with the one in
// docs/autograd.md, whose numbers are worked out by hand. Read docs/autograd.md alongside.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <descent/descent.h>

#include "common/cpu_line.h"

using namespace descent;
namespace fs = std::filesystem;

namespace {

// "3" for a 0-d tensor, "[1, 2]" otherwise; float64 values print exactly when they are small
// integers, as every number of this example is.
std::string show(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  auto number = [](double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    return std::string(buf);
  };
  if (t.dim() == 0) return number(v[0]);
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + number(v[i]);
  return s + "]";
}

// Single quotes for the shell (the folder comes from the command line).
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int tour(const fs::path& out_dir) {
  examples::print_cpu_line();  // "cpu: avx2 (<model>, 2 threads)", as every example starts

  // ---- forward: each op runs its kernel and, since an input requires grad, records a Node ----
  Tensor x = tensor({1, 2}, {2}, kFloat64).requires_grad_();
  Tensor w = scalar_tensor(3.0, kFloat64).requires_grad_();
  Tensor u = x * w;   // 'mul'; w is broadcast over x
  Tensor v = u + x;   // 'add'; x is used a second time
  Tensor y = u * v;   // 'mul'; u is used a second time
  Tensor L = y.sum(); // 'sum'; the scalar we differentiate
  std::printf("L = sum(u * v) with u = x * w, v = u + x, x = %s, w = %s\n\n", show(x).c_str(), show(w).c_str());

  // Names for the Nodes and the leaves, to print the edges each Node recorded.
  const std::vector<std::pair<std::string, Tensor>> results = {{"u", u}, {"v", v}, {"y", y}, {"L", L}};
  const std::vector<std::pair<std::string, Tensor>> leaves = {{"x", x}, {"w", w}};
  std::map<const autograd::Node*, std::pair<std::string, Tensor>> by_node;
  for (const auto& [name, t] : results) by_node[t.grad_fn().get()] = {name, t};
  std::map<const autograd::AutogradMeta*, std::string> by_leaf;
  for (const auto& [name, t] : leaves) by_leaf[t.impl()->autograd.get()] = name;

  // ---- the order, before anything runs ----
  const std::vector<std::shared_ptr<autograd::Node>> order = autograd::backward_order(L);

  // ---- backward, watched: a hook on each intermediate sees the gradient that reached it ----
  std::vector<std::string> ran;
  for (const auto& [name, t] : results) {
    t.retain_grad();  // keep dL/dt in t.grad() (leaves keep theirs anyway)
    t.register_hook([&ran, name = name](const Tensor&) {
      ran.push_back(name);
      return Tensor();  // an undefined result leaves the gradient as it is
    });
  }
  L.backward();

  std::printf("Nodes in the order backward() runs them (autograd::backward_order), then the leaves:\n\n");
  std::printf("| order | tensor | op | inputs | value | gradient |\n|---|---|---|---|---|---|\n");
  for (size_t k = 0; k < order.size(); ++k) {
    const auto& [name, t] = by_node.at(order[k].get());
    std::string inputs;
    for (const autograd::Edge& e : order[k]->inputs()) {
      if (!inputs.empty()) inputs += ", ";
      inputs += e.node ? by_node.at(e.node.get()).first : e.leaf ? by_leaf.at(e.leaf.get()) : "const";
    }
    std::printf("| %zu | %s | %s | %s | %s | %s |\n", k + 1, name.c_str(), order[k]->name(), inputs.c_str(),
                show(t).c_str(), show(t.grad()).c_str());
  }
  for (const auto& [name, t] : leaves)
    std::printf("| leaf | %s | | | %s | %s |\n", name.c_str(), show(t).c_str(), show(t.grad()).c_str());

  // The engine's real order, as the hooks saw it, must be the one printed.
  std::string listed, seen;
  for (const auto& node : order) listed += " " + by_node.at(node.get()).first;
  for (const std::string& name : ran) seen += " " + name;
  if (listed != seen) {
    std::fprintf(stderr, "autograd_tour: backward_order gave%s but the engine ran%s\n", listed.c_str(), seen.c_str());
    return 1;
  }
  std::printf("\nThe hooks ran in the same order:%s\n", seen.c_str());

  // ---- the picture ----
  fs::create_directories(out_dir);
  const fs::path dot = out_dir / "autograd_tour.dot", png = out_dir / "autograd_tour.png";
  std::ofstream(dot) << autograd::to_dot(L);
  std::printf("graph: %s\n", dot.string().c_str());
  if (std::system("command -v dot >/dev/null 2>&1") == 0) {
    const std::string command = "dot -Tpng " + quoted(dot.string()) + " -o " + quoted(png.string());
    if (std::system(command.c_str()) == 0) std::printf("graph: %s\n", png.string().c_str());
    else std::fprintf(stderr, "autograd_tour: '%s' failed; the DOT file is still there\n", command.c_str());
  } else {
    std::printf("(install Graphviz for a PNG: dot -Tpng %s -o %s)\n", dot.string().c_str(), png.string().c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path out_dir = ".";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--out" && i + 1 < argc) {
      out_dir = argv[++i];
    } else {
      std::fprintf(stderr, "autograd_tour: %s '%s' (usage: autograd_tour [--out DIR])\n",
                   arg == "--out" ? "missing folder after" : "unknown argument", arg.c_str());
      return 2;
    }
  }
  try {
    return tour(out_dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "autograd_tour: %s\n", e.what());
    return 2;
  }
}
