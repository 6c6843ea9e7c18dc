#pragma once
// The small problems the optim tests share: the 3-5-2 tanh network of tests/golden/optim.txt
// (data and initial parameters read from the golden file, written by tools/golden_optim.py),
// and a bitwise comparison of parameter lists.
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "helpers.h"

namespace test {

struct TanhNet {
  Tensor X, Y;
  std::vector<Tensor> init;  // W1 [3, 5], b1 [5], W2 [5, 2], b2 [2]
  static inline const std::vector<std::string> names = {"W1", "b1", "W2", "b2"};

  explicit TanhNet(const GoldenCase& problem) : X(problem["X"]), Y(problem["Y"]) {
    for (const auto& name : names) init.push_back(problem[name]);
  }
  // Fresh leaves holding the initial values.
  std::vector<Tensor> fresh_params() const {
    std::vector<Tensor> params;
    for (const Tensor& t : init) params.push_back(t.clone().requires_grad_());
    return params;
  }
  // mean((tanh(X·W1 + b1)·W2 + b2 − Y)²), as in tools/golden_optim.py.
  Tensor loss(const std::vector<Tensor>& p) const {
    Tensor h = tanh(matmul(X, p[0]) + p[1]);
    return mean(pow(matmul(h, p[2]) + p[3] - Y, 2.0));
  }
};

// A checkpoint path in the temporary folder, unique to this process (test runs may overlap).
inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("descent_optim_" + name + "_" + std::to_string(::getpid()) + ".ckpt")).string();
}

inline bool bitwise_equal(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    std::vector<double> x = a[i].to_vector<double>(), y = b[i].to_vector<double>();
    if (x.size() != y.size() || std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) != 0) return false;
  }
  return true;
}

}  // namespace test
