#pragma once
// Element types a Tensor can hold, and the one place that turns a runtime Dtype into a C++
// type (`dispatch`). Read tensor.h next.
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace descent {

enum class Dtype : uint8_t { Float32, Float64, Int64, Bool };
inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;
inline constexpr Dtype kInt64 = Dtype::Int64;
inline constexpr Dtype kBool = Dtype::Bool;

const char* dtype_name(Dtype dtype);  // "float32", as PyTorch prints it without "torch."
inline size_t element_size(Dtype dtype) {
  return dtype == Dtype::Bool ? 1 : dtype == Dtype::Float32 ? 4 : 8;
}
inline bool is_floating(Dtype dtype) { return dtype == kFloat32 || dtype == kFloat64; }

// The dtype of `a op b` under PyTorch's promotion order: bool < int64 < float32 < float64.
inline Dtype promote_types(Dtype a, Dtype b) {
  if (a == kFloat64 || b == kFloat64) return kFloat64;
  if (a == kFloat32 || b == kFloat32) return kFloat32;
  if (a == kInt64 || b == kInt64) return kInt64;
  return kBool;
}

template <class T> constexpr Dtype dtype_of() {
  if constexpr (std::is_same_v<T, float>) return kFloat32;
  else if constexpr (std::is_same_v<T, double>) return kFloat64;
  else if constexpr (std::is_same_v<T, int64_t>) return kInt64;
  else { static_assert(std::is_same_v<T, bool>, "descent tensors hold float, double, int64_t or bool"); return kBool; }
}

// Calls f(T{}) with T the C++ type of `dtype`; kernels write one template and switch here.
template <class F> decltype(auto) dispatch(Dtype dtype, F&& f) {
  switch (dtype) {
    case kFloat32: return f(float{});
    case kFloat64: return f(double{});
    case kInt64: return f(int64_t{});
    default: return f(bool{});
  }
}
// The same for kernels that only make sense on floating point (exp, softmax, matmul).
template <class F> decltype(auto) dispatch_floating(Dtype dtype, F&& f) {
  if (dtype == kFloat64) return f(double{});
  return f(float{});
}

}  // namespace descent
