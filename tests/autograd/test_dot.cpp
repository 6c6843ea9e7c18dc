// autograd::to_dot: the recorded graph as Graphviz text. Checked for content (op names,
// shapes, leaves, edges) and, where Graphviz is installed, for being accepted by `dot`.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>

#include "helpers.h"

#include <descent/autograd/dot.h>

using namespace descent;

namespace {

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Runs Graphviz on the text and returns its exit status. The files stay in build/tests/dot_out/
// for a person to look at.
int graphviz_status(const std::string& text, const std::string& name) {
  const std::string dir = std::string(DESCENT_BINARY_DIR) + "/tests/dot_out";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  std::string cmd = "dot -Tsvg '" + path + "' -o '" + path + ".svg' 2> '" + path + ".err'";
  return std::system(cmd.c_str());
}

}  // namespace

TEST_CASE("to_dot writes one box per op and per leaf, with shapes, joined by edges") {
  Tensor x = randn({4, 3});                   // data: no gradient
  Tensor w = randn({3, 2}).requires_grad_();  // leaves
  Tensor b = randn({2}).requires_grad_();
  Tensor loss = relu(matmul(x, w) + b).sum();
  std::string dot = autograd::to_dot(loss);
  INFO(dot);
  REQUIRE(dot.rfind("digraph", 0) == 0);
  // Nodes: matmul, add, relu, sum; leaves w and b.
  REQUIRE(count_of(dot, "fillcolor=\"#dbe9f6\"") == 4);
  REQUIRE(count_of(dot, "label=\"leaf\\n") == 2);
  REQUIRE(dot.find("label=\"matmul\\nin: const, [3, 2]\\nout: [4, 2]\"") != std::string::npos);
  REQUIRE(dot.find("label=\"relu\\nin: [4, 2]\\nout: [4, 2]\"") != std::string::npos);
  REQUIRE(dot.find("leaf\\n[3, 2]") != std::string::npos);
  REQUIRE(dot.find("leaf\\n[2]") != std::string::npos);
  // Edges: w -> matmul, matmul -> add, b -> add, add -> relu, relu -> sum, sum -> output.
  std::regex edge(R"(\b[nl]\d+ -> (n\d+|output))");
  size_t edges = std::distance(std::sregex_iterator(dot.begin(), dot.end(), edge), std::sregex_iterator());
  REQUIRE(edges == 6);
  REQUIRE(dot.find("output [label=\"output\\n[] float32\"") != std::string::npos);
}

TEST_CASE("to_dot lists a tensor used twice once, with an edge for each use") {
  Tensor a = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = (a * a).sum();
  std::string dot = autograd::to_dot(y);
  INFO(dot);
  REQUIRE(count_of(dot, "label=\"leaf\\n") == 1);
  REQUIRE(dot.find("l0 -> n1 [label=\"0\"]") != std::string::npos);
  REQUIRE(dot.find("l0 -> n1 [label=\"1\"]") != std::string::npos);
}

TEST_CASE("to_dot walks a 20000-op chain without recursion and gives the same text twice") {
  Tensor x = scalar_tensor(0.5, kFloat64).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = y * 1.0;
  std::string dot = autograd::to_dot(y);
  REQUIRE(count_of(dot, "mul\\n") == 20000);
  REQUIRE(autograd::to_dot(y) == dot);
}

TEST_CASE("to_dot of a tensor without history says so") {
  std::string plain = autograd::to_dot(ones({2, 2}));
  REQUIRE(plain.find("no graph") != std::string::npos);
  std::string leaf = autograd::to_dot(ones({2}).requires_grad_());
  REQUIRE(leaf.find("a leaf") != std::string::npos);
  REQUIRE_THROWS_AS(autograd::to_dot(Tensor()), std::invalid_argument);
}

// Without Graphviz this test prints "skipped:", which CTest reports as skipped.
TEST_CASE("Graphviz accepts to_dot's text for a graph, a reused tensor, a plain tensor and a leaf") {
  if (std::system("command -v dot > /dev/null 2>&1") != 0) {
    std::cout << "skipped: Graphviz (dot) is not installed, so to_dot's text was not validated" << std::endl;
    return;
  }
  Tensor w = randn({3, 2}).requires_grad_(), b = randn({2}).requires_grad_(), a = tensor({1.0, 2.0}).requires_grad_();
  REQUIRE(graphviz_status(autograd::to_dot(relu(matmul(randn({4, 3}), w) + b).sum()), "linear.dot") == 0);
  REQUIRE(graphviz_status(autograd::to_dot((a * a).sum()), "diamond.dot") == 0);
  REQUIRE(graphviz_status(autograd::to_dot(ones({2, 2})), "plain.dot") == 0);
  REQUIRE(graphviz_status(autograd::to_dot(a), "leaf.dot") == 0);
  REQUIRE(graphviz_status("digraph { a -> }", "broken.dot") != 0);  // the check can fail
}
