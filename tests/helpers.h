#pragma once
// Helpers shared by the tests: comparing tensors with a readable report, and reading the
// golden files under tests/golden/ that the scripts in tools/ write from PyTorch
// (golden_core.py: core.txt; golden_nn.py: nn.txt; golden_optim.py: optim*.txt and sched.txt).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <descent/descent.h>

namespace test {

using namespace descent;

// max |got - want| / max(max |want|, 1e-12): the measure the acceptance criteria use.
inline double relative_error(const Tensor& got, const Tensor& want) {
  std::vector<double> g = got.to_vector<double>(), w = want.to_vector<double>();
  double diff = 0, scale = 1e-12;
  for (size_t i = 0; i < w.size(); ++i) {
    diff = std::max(diff, std::fabs(g[i] - w[i]));
    if (std::isnan(g[i]) != std::isnan(w[i])) diff = INFINITY;
    scale = std::max(scale, std::fabs(w[i]));
  }
  return diff / scale;
}

// Describes the first mismatches and the largest difference (for INFO/FAIL messages).
inline std::string mismatch_report(const Tensor& got, const Tensor& want, double atol, double rtol) {
  std::ostringstream os;
  std::vector<double> g = got.to_vector<double>(), w = want.to_vector<double>();
  double max_diff = 0;
  int shown = 0;
  for (size_t i = 0; i < w.size() && i < g.size(); ++i) {
    double d = std::fabs(g[i] - w[i]);
    max_diff = std::max(max_diff, d);
    if (!(d <= atol + rtol * std::fabs(w[i])) && shown < 5) {
      os << "  [" << i << "] got " << g[i] << " want " << w[i] << '\n';
      ++shown;
    }
  }
  os << "  max |diff| = " << max_diff << " (shapes " << got.sizes() << " vs " << want.sizes() << ")";
  return os.str();
}

inline bool allclose(const Tensor& got, const Tensor& want, double atol = 1e-6, double rtol = 1e-5) {
  if (!(got.sizes() == want.sizes())) return false;
  std::vector<double> g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < w.size(); ++i)
    if (!(std::fabs(g[i] - w[i]) <= atol + rtol * std::fabs(w[i]))) return false;
  return true;
}

#define REQUIRE_CLOSE(got, want, ...)                                                   \
  do {                                                                                  \
    INFO("shapes " << (got).sizes() << " vs " << (want).sizes() << "\n"                 \
                   << ::test::mismatch_report((got), (want), 1e-6, 1e-5));              \
    REQUIRE(::test::allclose((got), (want), ##__VA_ARGS__));                            \
  } while (0)

// Golden files: blocks of
//   tensor <name> <dtype> <ndim> <sizes...>
//   <values, whitespace separated, row-major; 'nan'/'inf' allowed>
// grouped into cases by lines `case <name>`. Other keys are `scalar <name> <value>`.
struct GoldenCase {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, double> scalars;
  const Tensor& operator[](const std::string& name) const {
    auto it = tensors.find(name);
    if (it == tensors.end()) throw std::runtime_error("golden: no tensor '" + name + "'");
    return it->second;
  }
};

inline double parse_number(const std::string& s) {
  if (s == "nan") return NAN;
  if (s == "inf") return INFINITY;
  if (s == "-inf") return -INFINITY;
  return std::stod(s);
}

inline std::map<std::string, GoldenCase> load_golden(const std::string& file) {
  std::string path = std::string(DESCENT_GOLDEN_DIR) + "/" + file;
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error("golden: cannot open " + path +
                             " (written from PyTorch by a tools/golden_*.py script)");
  std::map<std::string, GoldenCase> cases;
  GoldenCase* current = nullptr;
  std::string word;
  while (in >> word) {
    if (word == "case") {
      std::string name;
      in >> name;
      current = &cases[name];
    } else if (word == "scalar") {
      std::string name, value;
      in >> name >> value;
      current->scalars[name] = parse_number(value);
    } else if (word == "tensor") {
      std::string name, dtype;
      int64_t ndim;
      in >> name >> dtype >> ndim;
      Shape shape(static_cast<size_t>(ndim));
      int64_t n = 1;
      for (auto& s : shape) { in >> s; n *= s; }
      std::vector<double> values(static_cast<size_t>(n));
      for (auto& v : values) { std::string tok; in >> tok; v = parse_number(tok); }
      Dtype d = dtype == "float64" ? kFloat64 : dtype == "float32" ? kFloat32 : dtype == "int64" ? kInt64 : kBool;
      current->tensors[name] = tensor(values, shape, d);
    } else {
      throw std::runtime_error("golden: unexpected '" + word + "' in " + path);
    }
  }
  return cases;
}

// A golden case's float inputs x0, x1, ... as fresh leaves requiring grad.
inline std::vector<Tensor> golden_inputs(const GoldenCase& c) {
  std::vector<Tensor> inputs;
  for (int i = 0; c.tensors.count("x" + std::to_string(i)); ++i)
    inputs.push_back(c["x" + std::to_string(i)].clone().requires_grad_());
  return inputs;
}

// The golden tests' comparison: same shape, and max|got − want| / max|want| below `tolerance`.
inline void require_golden_match(const Tensor& got, const Tensor& want, const std::string& what,
                                 double tolerance = 1e-10) {
  INFO(what << ": shapes " << got.sizes() << " vs " << want.sizes() << "\n"
            << mismatch_report(got, want, 0, tolerance));
  REQUIRE(got.sizes() == want.sizes());
  REQUIRE(relative_error(got, want) < tolerance);
}

// A float64 tensor requiring grad with values drawn from N(0, 1) (seeded by the caller).
inline Tensor leaf(const Shape& shape) { return randn(shape, kFloat64).requires_grad_(); }

}  // namespace test
