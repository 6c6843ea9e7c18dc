// The worked example of docs/autograd.md, held in place from three sides: the table written in
// the document (values and gradients worked out by hand), the table that the autograd_tour
// example prints, and the library computing the same expression right here. Any change to the
// engine's order, to an op's backward or to the document shows up as a mismatch.
// The document's table follows the line "<!-- autograd_tour table" in docs/autograd.md; the
// program prints the same columns. Without the examples (DESCENT_BUILD_EXAMPLES=OFF) the
// program half warns and returns. Last, the code that docs/new_op.md quotes must still be the
// code of the files it names.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.h"

using namespace descent;

namespace {

struct Row {
  std::string order, tensor, op, inputs;
  std::vector<double> value, gradient;
};

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// "| a | b |" -> {"a", "b"}
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::string t = trim(line);
  if (t.size() < 2 || t.front() != '|' || t.back() != '|') return out;
  std::stringstream ss(t.substr(1, t.size() - 2));
  for (std::string cell; std::getline(ss, cell, '|');) out.push_back(trim(cell));
  return out;
}

// "[1, 2]" or "3" -> the numbers
std::vector<double> numbers(const std::string& cell) {
  std::string s = cell;
  for (char& c : s)
    if (c == '[' || c == ']' || c == ',') c = ' ';
  std::istringstream in(s);
  std::vector<double> out;
  for (double v; in >> v;) out.push_back(v);
  INFO("cell '" << cell << "'");
  REQUIRE(!out.empty());
  return out;
}

// The rows of the first table whose header starts with "| order |", from `in` onwards.
std::vector<Row> read_table(std::istream& in) {
  std::vector<Row> rows;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> c = cells(line);
    if (!inside) {
      inside = !c.empty() && c[0] == "order";
      continue;
    }
    if (c.empty()) break;                 // the table ended
    if (c[0].rfind("---", 0) == 0) continue;  // the header's rule
    INFO("row: " << line);
    REQUIRE(c.size() == 6);
    rows.push_back({c[0], c[1], c[2], c[3], numbers(c[4]), numbers(c[5])});
  }
  return rows;
}

std::vector<Row> document_table() {
  const std::string path = DESCENT_SOURCE_DIR "/docs/autograd.md";
  std::ifstream in(path);
  INFO("reading " << path);
  REQUIRE(in.good());
  for (std::string line; std::getline(in, line);)
    if (line.rfind("<!-- autograd_tour table", 0) == 0) return read_table(in);
  FAIL("docs/autograd.md has no line starting with \"<!-- autograd_tour table\"");
  return {};
}

bool same_numbers(const std::vector<double>& got, const std::vector<double>& want) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - want[i]) <= 1e-12 * std::max(1.0, std::fabs(want[i])))) return false;
  return true;
}

std::string show(const std::vector<double>& v) {
  std::ostringstream os;
  for (double x : v) os << x << ' ';
  return os.str();
}

void require_same(const std::vector<Row>& got, const std::vector<Row>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    INFO("row " << k + 1 << " (tensor " << want[k].tensor << ")");
    CHECK(got[k].order == want[k].order);
    CHECK(got[k].tensor == want[k].tensor);
    CHECK(got[k].op == want[k].op);
    CHECK(got[k].inputs == want[k].inputs);
    INFO("value: got " << show(got[k].value) << "want " << show(want[k].value));
    CHECK(same_numbers(got[k].value, want[k].value));
    INFO("gradient: got " << show(got[k].gradient) << "want " << show(want[k].gradient));
    CHECK(same_numbers(got[k].gradient, want[k].gradient));
  }
}

}  // namespace

TEST_CASE("the autograd_tour program prints the values and gradients worked out in docs/autograd.md") {
  const std::filesystem::path program = DESCENT_BINARY_DIR "/examples/autograd_tour";
  if (!std::filesystem::exists(program)) {
    WARN(program.string() << " is not built (examples are off): only the document and the library are compared");
    return;
  }
  const std::vector<Row> want = document_table();
  const auto out_dir = std::filesystem::temp_directory_path() / ("descent_tour_" + std::to_string(getpid()));
  const std::string command = program.string() + " --out '" + out_dir.string() + "'";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int status = pclose(pipe);
  INFO("output of " << command << ":\n" << output);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);  // non-zero also when the hooks saw another order
  std::istringstream lines(output);
  require_same(read_table(lines), want);
  CHECK(std::filesystem::file_size(out_dir / "autograd_tour.dot") > 0);
  std::filesystem::remove_all(out_dir);
}

TEST_CASE("the library computes the values, gradients and order of the table in docs/autograd.md") {
  const std::vector<Row> want = document_table();
  Tensor x = tensor({1, 2}, {2}, kFloat64).requires_grad_();
  Tensor w = scalar_tensor(3.0, kFloat64).requires_grad_();
  Tensor u = x * w, v = u + x, y = u * v, L = y.sum();
  const std::map<std::string, Tensor> named = {{"x", x}, {"w", w}, {"u", u}, {"v", v}, {"y", y}, {"L", L}};
  for (Tensor t : {u, v, y, L}) t.retain_grad();
  const auto order = autograd::backward_order(L);
  L.backward();
  size_t k = 0;
  for (const Row& row : want) {
    INFO("tensor " << row.tensor);
    REQUIRE(named.count(row.tensor));
    const Tensor& t = named.at(row.tensor);
    if (row.order != "leaf") {
      CHECK(row.order == std::to_string(k + 1));
      REQUIRE(k < order.size());
      CHECK(order[k] == t.grad_fn());
      CHECK(row.op == order[k]->name());
      ++k;
    }
    CHECK(same_numbers(t.to_vector<double>(), row.value));
    CHECK(same_numbers(t.grad().to_vector<double>(), row.gradient));
  }
  CHECK(k == order.size());
}

// docs/new_op.md quotes the real softplus code in ```c++ blocks whose first line is
// "// <path>": each block's other lines must appear, as consecutive lines, in that file.
TEST_CASE("the code docs/new_op.md quotes is in the files it names") {
  const std::string root = DESCENT_SOURCE_DIR;
  std::ifstream doc(root + "/docs/new_op.md");
  REQUIRE(doc.good());
  auto read_lines = [](std::istream& in) {
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  };
  const std::vector<std::string> text = read_lines(doc);
  int quotes = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != "```c++") continue;
    size_t end = i + 1;
    while (end < text.size() && text[end].rfind("```", 0) != 0) ++end;
    REQUIRE(end > i + 2);
    REQUIRE(text[i + 1].rfind("// ", 0) == 0);
    const std::string path = text[i + 1].substr(3);
    const std::vector<std::string> quote(text.begin() + long(i) + 2, text.begin() + long(end));
    std::ifstream source(root + "/" + path);
    INFO("docs/new_op.md line " << i + 2 << " quotes " << path);
    REQUIRE(source.good());
    const std::vector<std::string> lines = read_lines(source);
    bool found = false;
    for (size_t k = 0; k + quote.size() <= lines.size() && !found; ++k)
      found = std::equal(quote.begin(), quote.end(), lines.begin() + long(k));
    CHECK(found);
    ++quotes;
    i = end;
  }
  CHECK(quotes >= 5);
}
