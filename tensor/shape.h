#pragma once
// Shapes and strides. `Shape` is the public spelling (a std::vector, as in the contract);
// `Dims` is what a tensor stores: the same numbers inline, so that making a tensor does not
// allocate twice more for its sizes and strides. Shapes are outermost-first: [N, C, H, W].
#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <vector>

namespace descent {

using Shape = std::vector<int64_t>;

class Dims {
 public:
  static constexpr size_t kMaxDims = 8;

  Dims() = default;
  Dims(std::initializer_list<int64_t> values) { assign(values.begin(), values.end()); }
  Dims(const Shape& values) { assign(values.begin(), values.end()); }  // NOLINT: implicit on purpose
  explicit Dims(size_t count, int64_t value = 0) { resize(count, value); }
  template <class It> Dims(It first, It last) { assign(first, last); }

  operator Shape() const { return Shape(begin(), end()); }  // NOLINT: implicit on purpose
  Shape vec() const { return Shape(begin(), end()); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t& operator[](size_t i) { return data_[i]; }
  int64_t operator[](size_t i) const { return data_[i]; }
  int64_t back() const { return data_[size_ - 1]; }
  int64_t* begin() { return data_.data(); }
  int64_t* end() { return data_.data() + size_; }
  const int64_t* begin() const { return data_.data(); }
  const int64_t* end() const { return data_.data() + size_; }
  const int64_t* data() const { return data_.data(); }

  void push_back(int64_t v);
  void pop_back() { --size_; }
  void insert(size_t pos, int64_t v);
  void erase(size_t pos);
  void resize(size_t count, int64_t value = 0);

  friend bool operator==(const Dims& a, const Dims& b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }
  friend bool operator==(const Dims& a, const Shape& b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

 private:
  template <class It> void assign(It first, It last) {
    size_ = 0;
    for (; first != last; ++first) push_back(static_cast<int64_t>(*first));
  }
  std::array<int64_t, kMaxDims> data_;  // only the first size_ are meaningful (left uninitialized: hot path)
  size_t size_ = 0;
};

// One flag per dim of a tensor (for a reduction: is the dim summed away?), inline like Dims.
class DimMask {
 public:
  DimMask() = default;
  DimMask(size_t count, bool value) : size_(count) { flags_.fill(value); }
  DimMask(const std::vector<bool>& flags) : size_(flags.size()) {  // NOLINT: implicit on purpose
    std::copy(flags.begin(), flags.end(), flags_.begin());
  }
  size_t size() const { return size_; }
  bool operator[](size_t d) const { return flags_[d]; }
  bool& operator[](size_t d) { return flags_[d]; }

 private:
  std::array<bool, Dims::kMaxDims> flags_{};
  size_t size_ = 0;
};

int64_t numel_of(const Dims& sizes);
Dims contiguous_strides(const Dims& sizes);
// numel_of after checking that the count and every contiguous stride fit in int64 (the product
// of the sizes, a 0 counted as 1, as contiguous_strides multiplies them). Shapes from the user
// are checked once, where a tensor or view is made; numel_of then never wraps.
// Throws "<op>: shape [1099511627776, 1099511627776] has too many elements (the count overflows int64)".
int64_t checked_numel(const Dims& sizes, const char* op);
std::string shape_str(const Dims& sizes);  // "[3, 4]"
std::ostream& operator<<(std::ostream& os, const Dims& dims);

// Wraps a possibly negative dim into [0, ndim); the error names `op` and the tensor's rank.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);

// NumPy broadcasting: align trailing dims; each pair must be equal or contain a 1.
// Throws "<op>: shapes [3, 4] and [5] cannot be broadcast".
Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op);

// True when `from` broadcasts to exactly `to` (what the engine needs to sum a gradient back).
bool is_expandable_to(const Dims& from, const Dims& to);

}  // namespace descent
