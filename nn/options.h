#pragma once
// Options, spelled as in libtorch. Every layer takes a small struct whose setters return the
// struct itself, so that `nn::Conv2dOptions(1, 32, 3).stride(2).padding(1)` reads like Python's
// keyword arguments; `options.stride()` reads a value back. 2-D sizes are ExpandingArray<2>:
// `.stride(2)` means {2, 2}, `.stride({2, 1})` gives both. The option structs themselves live
// beside their layers (nn/conv.h, nn/pooling.h, ...).
#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

// Declares an option: a private member `name_` (give it a default with `= value;` after the
// macro), the setter `name(value)` returning the options, and the getter `name()`.
#define DESCENT_ARG(T, name)                        \
 public:                                            \
  auto& name(const T& new_value) {                  \
    this->name##_ = new_value;                      \
    return *this;                                   \
  }                                                 \
  const T& name() const noexcept { return name##_; } \
                                                    \
 private:                                           \
  T name##_

namespace descent::nn {

// D sizes, from one number (repeated) or from exactly D numbers. Kept as a std::vector so that
// a layer's forward can hand `shape()` to an op taking a Shape without making a new vector at
// every call.
template <size_t D> class ExpandingArray {
 public:
  ExpandingArray(int64_t value) : values_(D, value) {}  // NOLINT: implicit on purpose
  ExpandingArray(std::initializer_list<int64_t> values) : ExpandingArray(std::vector<int64_t>(values)) {}
  ExpandingArray(const std::vector<int64_t>& values) : values_(values) {  // NOLINT: implicit on purpose
    if (values.size() != D)
      throw std::invalid_argument("expected " + std::to_string(D) + " sizes, got " + std::to_string(values.size()));
  }
  int64_t operator[](size_t i) const { return values_[i]; }
  const std::vector<int64_t>& shape() const { return values_; }
  std::vector<int64_t> vec() const { return values_; }
  friend bool operator==(const ExpandingArray& a, const ExpandingArray& b) { return a.values_ == b.values_; }

 private:
  std::vector<int64_t> values_;
};

}  // namespace descent::nn
