// operator<< for tensors, laid out as PyTorch prints them:
//   tensor([[ 1.0000, -2.5000],
//           [ 3.0000,  4.0000]], dtype=float64, requires_grad=True)
// Floats print with 4 decimals, in scientific notation when magnitudes span more than 1000x
// (or leave [1e-4, 1e8)), and as "1." when every value is whole. Long dims are summarized
// with "..." (first and last three) once the tensor has more than 1000 elements.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "tensor/kernels/elementwise.h"
#include "tensor/tensor.h"

namespace descent {
namespace {

constexpr int64_t kSummarizeAbove = 1000;
constexpr int64_t kEdgeItems = 3;

struct Format {
  enum Mode { Integer, Fixed, Scientific, Exact } mode = Exact;  // Exact: ints and bools
  size_t width = 0;

  std::string str(double v, Dtype dtype) const {
    char buf[64];
    if (dtype == kBool) return v != 0 ? "True" : "False";
    if (mode == Exact) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    else if (!std::isfinite(v)) std::snprintf(buf, sizeof buf, "%s", std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
    else if (mode == Integer) std::snprintf(buf, sizeof buf, "%.0f.", v);
    else if (mode == Fixed) std::snprintf(buf, sizeof buf, "%.4f", v);
    else std::snprintf(buf, sizeof buf, "%.4e", v);
    return buf;
  }
};

Format choose_format(const std::vector<double>& values, Dtype dtype) {
  Format f;
  if (is_floating(dtype)) {
    double lo = INFINITY, hi = 0;
    bool whole = true;
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      double a = std::fabs(v);
      if (a != 0) { lo = std::min(lo, a); hi = std::max(hi, a); }
      whole = whole && v == std::nearbyint(v);
    }
    bool sci = hi > 0 && (hi / lo > 1000.0 || hi >= 1e8 || lo < 1e-4);
    f.mode = whole && hi < 1e8 ? Format::Integer : (sci ? Format::Scientific : Format::Fixed);
  }
  for (double v : values) f.width = std::max(f.width, f.str(v, dtype).size());
  return f;
}

// Index lists per dim: all of them, or the first and last kEdgeItems with -1 for "...".
std::vector<int64_t> shown(int64_t size, bool summarize) {
  std::vector<int64_t> idx;
  if (summarize && size > 2 * kEdgeItems) {
    for (int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
    idx.push_back(-1);
    for (int64_t i = size - kEdgeItems; i < size; ++i) idx.push_back(i);
  } else {
    for (int64_t i = 0; i < size; ++i) idx.push_back(i);
  }
  return idx;
}

struct Printer {
  const double* data;
  const Dims& sizes;
  Dims strides;
  Dtype dtype;
  bool summarize;
  Format fmt;

  std::string pad(std::string s) const { return std::string(fmt.width - std::min(fmt.width, s.size()), ' ') + s; }

  void print(std::ostream& os, size_t dim, int64_t offset, size_t indent) const {
    if (dim == sizes.size()) { os << pad(fmt.str(data[offset], dtype)); return; }
    os << '[';
    std::vector<int64_t> idx = shown(sizes[dim], summarize);
    for (size_t k = 0; k < idx.size(); ++k) {
      if (k > 0) {
        os << ',';
        if (dim + 1 == sizes.size()) os << ' ';
        else os << std::string(sizes.size() - dim - 1, '\n') << std::string(indent + 1, ' ');
      }
      if (idx[k] < 0) { os << "..."; continue; }
      print(os, dim + 1, offset + idx[k] * strides[dim], indent + 1);
    }
    os << ']';
  }
};

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  std::vector<double> values = t.to_vector<double>();
  bool summarize = t.numel() > kSummarizeAbove;
  // Pick the format from the values that will be shown.
  std::vector<double> visible;
  if (summarize) {
    for (size_t i = 0; i < values.size(); ++i) if (i < 3 || i + 3 >= values.size()) visible.push_back(values[i]);
  }
  Printer p{values.data(), t.sizes(), contiguous_strides(t.sizes()), t.dtype(), summarize,
            choose_format(summarize ? visible : values, t.dtype())};
  os << "tensor(";
  p.print(os, 0, 0, 7);
  if (t.dtype() != kFloat32 && t.dtype() != kInt64) os << ", dtype=" << dtype_name(t.dtype());
  if (t.requires_grad()) os << ", requires_grad=True";
  return os << ')';
}

}  // namespace descent
