// Elementwise kernels over strided, broadcast operands. Each op is a lambda handed to one of
// three loop templates (map1: out = f(a), map2: out = f(a, b), map3 for where); the loops take
// the unit-stride path whenever for_each_run allows it, so the common contiguous case is a
// plain `for` the compiler vectorizes.
#include "tensor/kernels/elementwise.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <type_traits>

#include "tensor/factory.h"
#include "tensor/kernels/fast_math.h"
#include "tensor/kernels/loop.h"

namespace descent::kernels {
namespace {

template <class T> const char* cptr(const T* p) { return reinterpret_cast<const char*>(p); }

// out[i] = f(a[i]); `a` may be a scalar on the stack (all strides 0).
template <class O, class A, class F>
void map1(const Dims& shape, char* o, const Dims& so, const char* a, const Dims& sa, const F& f) {
  for_each_run<2>(shape, {o, const_cast<char*>(a)}, {so, sa}, [&](Ptrs<2> p, Steps<2> s, int64_t n) {
    O* out = reinterpret_cast<O*>(p[0]);
    const A* x = reinterpret_cast<const A*>(p[1]);
    if (s[0] == int64_t(sizeof(O)) && s[1] == int64_t(sizeof(A))) {
      for (int64_t i = 0; i < n; ++i) out[i] = f(x[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<O*>(p[0] + i * s[0]) = f(*reinterpret_cast<const A*>(p[1] + i * s[1]));
    }
  });
}

// out[i] = f(a[i], b[i]), with fast paths for one side broadcast along the run.
template <class O, class A, class B, class F>
void map2(const Dims& shape, char* o, const Dims& so, const char* a, const Dims& sa, const char* b,
          const Dims& sb, const F& f) {
  for_each_run<3>(shape, {o, const_cast<char*>(a), const_cast<char*>(b)}, {so, sa, sb},
                  [&](Ptrs<3> p, Steps<3> s, int64_t n) {
    O* out = reinterpret_cast<O*>(p[0]);
    const A* x = reinterpret_cast<const A*>(p[1]);
    const B* y = reinterpret_cast<const B*>(p[2]);
    const bool out_unit = s[0] == int64_t(sizeof(O));
    if (out_unit && s[1] == int64_t(sizeof(A)) && s[2] == int64_t(sizeof(B))) {
      for (int64_t i = 0; i < n; ++i) out[i] = f(x[i], y[i]);
    } else if (out_unit && s[1] == int64_t(sizeof(A)) && s[2] == 0) {
      const B yv = *y;
      for (int64_t i = 0; i < n; ++i) out[i] = f(x[i], yv);
    } else if (out_unit && s[1] == 0 && s[2] == int64_t(sizeof(B))) {
      const A xv = *x;
      for (int64_t i = 0; i < n; ++i) out[i] = f(xv, y[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<O*>(p[0] + i * s[0]) =
            f(*reinterpret_cast<const A*>(p[1] + i * s[1]), *reinterpret_cast<const B*>(p[2] + i * s[2]));
    }
  });
}

// Calls visit(f) with f the scalar function of `op` on T.
template <class T, class Visit> void with_binary(Binary op, const Visit& visit) {
  constexpr bool integral = !std::is_floating_point_v<T>;
  switch (op) {
    case Binary::Add: return visit([](T x, T y) { return T(x + y); });
    case Binary::Sub: return visit([](T x, T y) { return T(x - y); });
    case Binary::Mul: return visit([](T x, T y) { return T(x * y); });
    case Binary::Div:  // integers divide as doubles: never a trap on division by zero
      if constexpr (integral) return visit([](T x, T y) { return T(double(x) / double(y)); });
      else return visit([](T x, T y) { return T(x / y); });
    case Binary::Pow: return visit([](T x, T y) { return T(std::pow(double(x), double(y))); });
    // NaN wins, as in torch.maximum
    case Binary::Maximum: return visit([](T x, T y) { return x != x ? x : (x > y ? x : y); });
    case Binary::Minimum: return visit([](T x, T y) { return x != x ? x : (x < y ? x : y); });
    case Binary::Eq: return visit([](T x, T y) { return x == y; });
    case Binary::Ne: return visit([](T x, T y) { return x != y; });
    case Binary::Lt: return visit([](T x, T y) { return x < y; });
    case Binary::Le: return visit([](T x, T y) { return x <= y; });
    case Binary::Gt: return visit([](T x, T y) { return x > y; });
    case Binary::Ge: return visit([](T x, T y) { return x >= y; });
  }
}

template <class T> T sigmoid(T x) { return T(1) / (T(1) + std::exp(-x)); }

template <class T, class Visit> void with_unary(Unary op, double param, const Visit& visit) {
  const T c = T(param);
  switch (op) {
    case Unary::Neg: return visit([](T x) { return T(-x); });
    // A bool is its own absolute value and its own sign (and comparing it with 0 warns).
    case Unary::Abs:
      return visit([](T x) {
        if constexpr (std::is_same_v<T, bool>) return x;
        else return T(x < 0 ? -x : x);
      });
    case Unary::Sign:
      return visit([](T x) {
        if constexpr (std::is_same_v<T, bool>) return x;
        else return T((T(0) < x) - (x < T(0)));
      });
    case Unary::Square: return visit([](T x) { return T(x * x); });
    case Unary::LogicalNot: return visit([](T x) { return T(!x); });
    default: break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case Unary::Exp: return visit([](T x) { return std::exp(x); });
      case Unary::Log: return visit([](T x) { return std::log(x); });
      case Unary::Log1p: return visit([](T x) { return std::log1p(x); });
      case Unary::Expm1: return visit([](T x) { return std::expm1(x); });
      case Unary::Sqrt: return visit([](T x) { return std::sqrt(x); });
      case Unary::Rsqrt: return visit([](T x) { return T(1) / std::sqrt(x); });
      case Unary::Sin: return visit([](T x) { return std::sin(x); });
      case Unary::Cos: return visit([](T x) { return std::cos(x); });
      case Unary::Erf: return visit([](T x) { return std::erf(x); });
      case Unary::Reciprocal: return visit([](T x) { return T(1) / x; });
      case Unary::Relu: return visit([](T x) { return x > T(0) ? x : T(0); });
      case Unary::Sigmoid: return visit([](T x) { return sigmoid(x); });
      case Unary::Tanh: return visit([](T x) { return std::tanh(x); });
      case Unary::PowScalar:
        if (param == 2.0) return visit([](T x) { return x * x; });
        return visit([c](T x) { return T(std::pow(x, c)); });
      case Unary::LeakyRelu: return visit([c](T x) { return x > T(0) ? x : c * x; });
      case Unary::Softplus: return visit([](T x) { return x > T(20) ? x : std::log1p(std::exp(x)); });
      // (fast:: keeps these loops vectorized in float32; for double it is std::, fast_math.h)
      case Unary::Gelu:
        return visit([](T x) DESCENT_FAST_LAMBDA {
          return T(0.5) * x * (T(1) + fast::erf(x * T(std::numbers::sqrt2 / 2)));
        });
      case Unary::GeluTanh:
        return visit([](T x) DESCENT_FAST_LAMBDA {
          const T k = T(std::numbers::sqrt2 * std::numbers::inv_sqrtpi);  // sqrt(2/pi)
          return T(0.5) * x * (T(1) + fast::tanh(k * (x + T(0.044715) * x * x * x)));
        });
      default: break;
    }
  }
  throw std::invalid_argument("unary kernel: op not defined for this dtype");
}

Dims strides_of(const Tensor& t) { return broadcast_byte_strides(t, t.sizes()); }

}  // namespace

Tensor empty_strided_like(const Tensor& t) { return empty(t.sizes(), t.dtype()); }

Tensor binary(Binary op, const Tensor& a, const Tensor& b) {
  if (a.sizes() == b.sizes() && a.is_contiguous() && b.is_contiguous()) {
    // The common case, without stride bookkeeping: one flat loop over three buffers.
    Tensor out = empty(a.sizes(), is_comparison(op) ? kBool : a.dtype());
    dispatch(a.dtype(), [&](auto tag) {
      using T = decltype(tag);
      with_binary<T>(op, [&](const auto& f) {
        using O = decltype(f(T{}, T{}));
        const T* x = static_cast<const T*>(a.raw_data());
        const T* y = static_cast<const T*>(b.raw_data());
        O* o = static_cast<O*>(out.raw_data());
        parallel_for(0, a.numel(), kParallelGrain, [&](int64_t lo, int64_t hi) {
          for (int64_t i = lo; i < hi; ++i) o[i] = f(x[i], y[i]);
        });
      });
    });
    return out;
  }
  Dims shape = broadcast_shapes(a.sizes(), b.sizes(), "binary");
  Tensor out = empty(shape, is_comparison(op) ? kBool : a.dtype());
  Dims so = broadcast_byte_strides(out, shape);
  Dims sa = broadcast_byte_strides(a, shape), sb = broadcast_byte_strides(b, shape);
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    with_binary<T>(op, [&](const auto& f) {
      using O = decltype(f(T{}, T{}));
      map2<O, T, T>(shape, first_byte(out), so, first_byte(a), sa, first_byte(b), sb, f);
    });
  });
  return out;
}

Tensor binary(Binary op, const Tensor& a, double b) {
  Tensor out = empty(a.sizes(), is_comparison(op) ? kBool : a.dtype());
  Dims zero(a.sizes().size(), 0);
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T bv = T(b);
    with_binary<T>(op, [&](const auto& f) {
      using O = decltype(f(T{}, T{}));
      map2<O, T, T>(a.sizes(), first_byte(out), strides_of(out), first_byte(a), strides_of(a), cptr(&bv), zero, f);
    });
  });
  return out;
}

Tensor binary(Binary op, double a, const Tensor& b) {
  Tensor out = empty(b.sizes(), is_comparison(op) ? kBool : b.dtype());
  Dims zero(b.sizes().size(), 0);
  dispatch(b.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T av = T(a);
    with_binary<T>(op, [&](const auto& f) {
      using O = decltype(f(T{}, T{}));
      map2<O, T, T>(b.sizes(), first_byte(out), strides_of(out), cptr(&av), zero, first_byte(b), strides_of(b), f);
    });
  });
  return out;
}

void binary_(Binary op, const Tensor& self, const Tensor& b) {
  Dims ss = strides_of(self), sb = broadcast_byte_strides(b, self.sizes());
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    with_binary<T>(op, [&](const auto& f) {
      map2<T, T, T>(self.sizes(), first_byte(self), ss, first_byte(self), ss, first_byte(b), sb,
                    [&](T x, T y) { return T(f(x, y)); });
    });
  });
}

void binary_(Binary op, const Tensor& self, double b) {
  Dims ss = strides_of(self), zero(self.sizes().size(), 0);
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T bv = T(b);
    with_binary<T>(op, [&](const auto& f) {
      map2<T, T, T>(self.sizes(), first_byte(self), ss, first_byte(self), ss, cptr(&bv), zero,
                    [&](T x, T y) { return T(f(x, y)); });
    });
  });
}

void add_scaled_(const Tensor& self, const Tensor& b, double alpha) {
  Dims ss = strides_of(self), sb = broadcast_byte_strides(b, self.sizes());
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T a = T(alpha);
    map2<T, T, T>(self.sizes(), first_byte(self), ss, first_byte(self), ss, first_byte(b), sb,
                  [a](T x, T y) { return T(x + a * y); });
  });
}

Tensor unary(Unary op, const Tensor& a, double param) {
  Tensor out = empty(a.sizes(), a.dtype());
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    with_unary<T>(op, param, [&](const auto& f) {
      map1<T, T>(a.sizes(), first_byte(out), strides_of(out), first_byte(a), strides_of(a), f);
    });
  });
  return out;
}

void unary_(Unary op, const Tensor& self, double param) {
  Dims ss = strides_of(self);
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    with_unary<T>(op, param, [&](const auto& f) {
      map1<T, T>(self.sizes(), first_byte(self), ss, first_byte(self), ss, f);
    });
  });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  Dims shape = broadcast_shapes(broadcast_shapes(cond.sizes(), a.sizes(), "where"), b.sizes(), "where");
  Tensor out = empty(shape, a.dtype());
  std::array<Dims, 4> strides = {broadcast_byte_strides(out, shape), broadcast_byte_strides(cond, shape),
                                 broadcast_byte_strides(a, shape), broadcast_byte_strides(b, shape)};
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for_each_run<4>(shape, {first_byte(out), first_byte(cond), first_byte(a), first_byte(b)}, strides,
                    [](Ptrs<4> p, Steps<4> s, int64_t n) {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<T*>(p[0] + i * s[0]) = *reinterpret_cast<const bool*>(p[1] + i * s[1])
                                                     ? *reinterpret_cast<const T*>(p[2] + i * s[2])
                                                     : *reinterpret_cast<const T*>(p[3] + i * s[3]);
    });
  });
  return out;
}

Tensor gelu_backward(const Tensor& grad, const Tensor& input, bool tanh_approximation) {
  Tensor out = empty(grad.sizes(), grad.dtype());
  dispatch_floating(grad.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T k = T(std::numbers::sqrt2 * std::numbers::inv_sqrtpi);  // sqrt(2/pi)
    const T inv_sqrt2 = T(std::numbers::sqrt2 / 2), inv_sqrt2pi = T(std::numbers::inv_sqrtpi / std::numbers::sqrt2);
    auto run = [&](auto f) {
      map2<T, T, T>(grad.sizes(), first_byte(out), strides_of(out), first_byte(grad), strides_of(grad),
                    first_byte(input), broadcast_byte_strides(input, grad.sizes()), f);
    };
    if (tanh_approximation) {
      run([=](T g, T x) DESCENT_FAST_LAMBDA {
        const T t = fast::tanh(k * (x + T(0.044715) * x * x * x));
        return g * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * k * (T(1) + T(3 * 0.044715) * x * x));
      });
    } else {
      run([=](T g, T x) DESCENT_FAST_LAMBDA {  // Φ(x) + x·φ(x)
        return g * (T(0.5) * (T(1) + fast::erf(x * inv_sqrt2)) + x * fast::exp(T(-0.5) * x * x) * inv_sqrt2pi);
      });
    }
  });
  return out;
}

Tensor threshold_backward(const Tensor& grad, const Tensor& input, double threshold) {
  Tensor out = empty(grad.sizes(), grad.dtype());
  dispatch_floating(grad.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T t = T(threshold);
    map2<T, T, T>(grad.sizes(), first_byte(out), strides_of(out), first_byte(grad), strides_of(grad), first_byte(input),
                  broadcast_byte_strides(input, grad.sizes()), [t](T g, T x) { return x > t ? g : T(0); });
  });
  return out;
}

namespace {
// A bound as a T, saturating at T's range. Infinite bounds stay infinite for floats (so that
// clamp_min(x, 0) leaves +inf alone); for integers they, and anything past the range, become its
// ends: double(INT64_MAX) rounds up to 2^63, which is no int64, so the test is v < that.
template <class T> T clamp_bound(double v) {
  using limits = std::numeric_limits<T>;
  if constexpr (std::is_floating_point_v<T>) {
    return std::isinf(v) ? T(v) : T(std::clamp(v, double(limits::lowest()), double(limits::max())));
  } else {
    if (!(v < double(limits::max()))) return limits::max();
    return v <= double(limits::lowest()) ? limits::lowest() : T(v);
  }
}
template <class T> auto clamp_fn(double lo, double hi) {
  // NaN passes through, as in torch.clamp
  return [l = clamp_bound<T>(lo), h = clamp_bound<T>(hi)](T x) { return x < l ? l : (x > h ? h : x); };
}
}  // namespace

Tensor clamp(const Tensor& a, double lo, double hi) {
  Tensor out = empty(a.sizes(), a.dtype());
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    map1<T, T>(a.sizes(), first_byte(out), strides_of(out), first_byte(a), strides_of(a), clamp_fn<T>(lo, hi));
  });
  return out;
}

void clamp_(const Tensor& self, double lo, double hi) {
  Dims ss = strides_of(self);
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    map1<T, T>(self.sizes(), first_byte(self), ss, first_byte(self), ss, clamp_fn<T>(lo, hi));
  });
}

void copy_(const Tensor& dst, const Tensor& src) {
  Dims sd = strides_of(dst), ss = broadcast_byte_strides(src, dst.sizes());
  dispatch(dst.dtype(), [&](auto dtag) {
    using D = decltype(dtag);
    dispatch(src.dtype(), [&](auto stag) {
      using S = decltype(stag);
      map1<D, S>(dst.sizes(), first_byte(dst), sd, first_byte(src), ss, [](S x) { return D(x); });
    });
  });
}

void fill_(const Tensor& dst, double value) {
  Dims zero(dst.sizes().size(), 0);
  dispatch(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T v = T(value);
    map1<T, T>(dst.sizes(), first_byte(dst), strides_of(dst), cptr(&v), zero, [](T x) { return x; });
  });
}

Tensor contiguous(const Tensor& a) {
  if (a.is_contiguous()) return a;
  Tensor out = empty(a.sizes(), a.dtype());
  copy_(out, a);
  return out;
}

Tensor cast(const Tensor& a, Dtype dtype) {
  Tensor out = empty(a.sizes(), dtype);
  copy_(out, a);
  return out;
}

}  // namespace descent::kernels
