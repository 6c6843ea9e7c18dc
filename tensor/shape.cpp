// Shape arithmetic shared by every op: element counts, contiguous strides, broadcasting.
#include "tensor/shape.h"

#include <ostream>
#include <sstream>

#include "tensor/check.h"

namespace descent {

void Dims::push_back(int64_t v) {
  CHECK(size_ < kMaxDims, "tensor: at most ", kMaxDims, " dims are supported");
  data_[size_++] = v;
}

void Dims::insert(size_t pos, int64_t v) {
  push_back(0);
  for (size_t i = size_ - 1; i > pos; --i) data_[i] = data_[i - 1];
  data_[pos] = v;
}

void Dims::erase(size_t pos) {
  for (size_t i = pos; i + 1 < size_; ++i) data_[i] = data_[i + 1];
  --size_;
}

void Dims::resize(size_t count, int64_t value) {
  CHECK(count <= kMaxDims, "tensor: at most ", kMaxDims, " dims are supported, got ", count);
  for (size_t i = size_; i < count; ++i) data_[i] = value;
  size_ = count;
}

int64_t numel_of(const Dims& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

int64_t checked_numel(const Dims& sizes, const char* op) {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t s : sizes) overflow |= __builtin_mul_overflow(n, std::max<int64_t>(s, 1), &n);
  CHECK(!overflow, op, ": shape ", sizes, " has too many elements (the count overflows int64)");
  return numel_of(sizes);
}

Dims contiguous_strides(const Dims& sizes) {
  Dims strides(sizes.size());
  int64_t stride = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= std::max<int64_t>(sizes[i], 1);
  }
  return strides;
}

std::string shape_str(const Dims& sizes) {
  std::ostringstream os;
  os << sizes;
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Dims& dims) {
  os << '[';
  for (size_t i = 0; i < dims.size(); ++i) os << (i ? ", " : "") << dims[i];
  return os << ']';
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t range = std::max<int64_t>(ndim, 1);  // a 0-d tensor accepts dim 0 and -1, as in PyTorch
  CHECK(dim >= -range && dim < range, op, ": dim ", dim, " is out of range for a ", ndim,
        "-d tensor (expected in [", -range, ", ", range - 1, "])");
  return dim < 0 ? dim + range : dim;
}

Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op) {
  if (a == b) return a;
  size_t n = std::max(a.size(), b.size());
  Dims out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    CHECK(da == db || da == 1 || db == 1, op, ": shapes ", a, " and ", b, " cannot be broadcast");
    out[i] = da == 1 ? db : da;
  }
  checked_numel(out, op);  // two expanded views can broadcast to more elements than int64 counts
  return out;
}

bool is_expandable_to(const Dims& from, const Dims& to) {
  if (from.size() > to.size()) return false;
  size_t lead = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i)
    if (from[i] != to[lead + i] && from[i] != 1) return false;
  return true;
}

}  // namespace descent
