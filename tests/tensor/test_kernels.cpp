// Kernels against their plain reference loops, on sizes large enough to take the parallel
// paths, on strided and broadcast operands, and with 1 and 2 threads.
#include "helpers.h"

#include "tensor/kernels/matmul.h"
#include "tensor/kernels/reduce.h"

using namespace descent;

TEST_CASE("elementwise kernels give the same numbers serially, in parallel and on strided inputs") {
  manual_seed(11);
  Tensor a = randn({300, 400}, kFloat64), b = randn({400}, kFloat64);
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Tensor c = a * b + a.t().contiguous().t() - exp(a * 0.1);
    std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>(), z = c.to_vector<double>();
    for (size_t i = 0; i < x.size(); i += 997) {
      double want = x[i] * y[i % 400] + x[i] - std::exp(x[i] * 0.1);
      REQUIRE(z[i] == Approx(want).epsilon(1e-14));
    }
  }
  // a transposed view: the result follows logical order
  Tensor t = arange(0.0, 6.0, 1.0, kFloat64).view({2, 3}).t() * 1.0;
  REQUIRE(t.to_vector<double>() == std::vector<double>{0, 3, 1, 4, 2, 5});
}

TEST_CASE("sum over any dims matches the naive loop, for contiguous and permuted inputs") {
  manual_seed(12);
  Tensor base = randn({6, 5, 40, 30}, kFloat64);
  std::vector<std::vector<bool>> masks = {{true, true, true, true}, {true, false, false, false},
                                          {false, false, false, true}, {true, false, true, true},
                                          {false, true, false, true}, {false, false, false, false}};
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (Tensor a : {base, base.permute({2, 0, 3, 1}), base.slice(2, 0, 40, 3)}) {
      for (const auto& mask : masks) {
        for (bool keepdim : {false, true}) {
          Tensor got = kernels::sum(a, mask, keepdim);
          Tensor want = kernels::sum_naive(a, mask, keepdim);
          INFO("shape " << a.sizes() << " strides " << a.strides() << " keepdim " << keepdim);
          REQUIRE(got.sizes() == want.sizes());
          REQUIRE(test::relative_error(got, want) < 1e-13);
        }
      }
    }
  }
}

TEST_CASE("a full sum gives identical bits on 1 and 2 threads") {
  manual_seed(13);
  Tensor a = randn({1000003});
  set_num_threads(1);
  float one = a.sum().item<float>();
  set_num_threads(2);
  float two = a.sum().item<float>();
  REQUIRE(one == two);
}

TEST_CASE("integer and bool sums give int64") {
  REQUIRE(arange(5).sum().dtype() == kInt64);
  REQUIRE(arange(5).sum().item<int64_t>() == 10);
  REQUIRE((arange(5) > int64_t(1)).sum().item<int64_t>() == 3);
}

TEST_CASE("max and min along a dim return values and first indices, NaN wins") {
  Tensor a = tensor({3, 1, 3, 2, 5, -1, 0, 5, 4}, {3, 3});
  auto [v, i] = a.max(1);
  REQUIRE(v.to_vector<float>() == std::vector<float>{3, 5, 5});
  REQUIRE(i.to_vector<int64_t>() == std::vector<int64_t>{0, 1, 1});
  auto [mv, mi] = a.min(0, true);
  REQUIRE(mv.sizes() == Shape{1, 3});
  REQUIRE(mi.to_vector<int64_t>() == std::vector<int64_t>{2, 0, 1});
  REQUIRE(a.argmax().item<int64_t>() == 4);
  Tensor n = tensor({1, NAN, 3});
  REQUIRE(std::isnan(n.max().item<float>()));
  REQUIRE(std::get<1>(n.max(0)).item<int64_t>() == 1);
}

TEST_CASE("argmax and argmin along a dim give int64 indices, the first one on ties, with or without keepdim") {
  // the values and indices below are torch.argmax / torch.argmin's on the same tensors
  Tensor a = tensor({1, 5, 5, 2, 7, 0, 7, 7, 3, 3, 3, 3}, {3, 4});
  Tensor rows = argmax(a, 1);
  REQUIRE(rows.dtype() == kInt64);
  REQUIRE(rows.sizes() == Shape{3});
  REQUIRE(rows.to_vector<int64_t>() == std::vector<int64_t>{1, 0, 0});
  REQUIRE(argmax(a, -1).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 0});
  Tensor cols = argmax(a, 0, /*keepdim=*/true);
  REQUIRE(cols.sizes() == Shape{1, 4});
  REQUIRE(cols.to_vector<int64_t>() == std::vector<int64_t>{1, 0, 1, 1});
  REQUIRE(argmax(a, 1, true).sizes() == Shape{3, 1});
  REQUIRE(a.argmax(1).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 0});  // the method form
  REQUIRE(argmin(a, 1).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 0});
  REQUIRE(argmin(a, 0, true).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2, 0});
  // 3-D, a middle dim, a transposed view, int64 input and NaN (which wins, as in torch)
  Tensor b = tensor({1, 4, 4, 0, 2, 2, 9, 1}, {2, 2, 2}, kFloat64);
  REQUIRE(argmax(b, 1).sizes() == Shape{2, 2});
  REQUIRE(argmax(b, 1).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 1, 0});
  REQUIRE(argmax(b, 2, true).sizes() == Shape{2, 2, 1});
  REQUIRE(argmax(b, 0).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 1, 1});
  REQUIRE(argmax(a.t(), 0).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 0});
  REQUIRE(argmax(arange(5), 0).item<int64_t>() == 4);
  REQUIRE(argmax(tensor({1, NAN, 3, NAN}), 0).item<int64_t>() == 1);
  // a 0-d tensor has one element, index 0 along dim 0 or -1
  REQUIRE(argmax(scalar_tensor(2.5), 0).item<int64_t>() == 0);
  REQUIRE(argmax(scalar_tensor(2.5), -1, true).dim() == 0);
  // no graph: indices are not differentiable
  REQUIRE(!argmax(a.clone().requires_grad_(), 1).requires_grad());
}

TEST_CASE("argmax and argmin name themselves when the dim is out of range") {
  Tensor a = zeros({3, 4});
  REQUIRE_THROWS_WITH(argmax(a, 2), "argmax: dim 2 is out of range for a 2-d tensor (expected in [-2, 1])");
  REQUIRE_THROWS_WITH(argmax(a, -3, true), "argmax: dim -3 is out of range for a 2-d tensor (expected in [-2, 1])");
  REQUIRE_THROWS_WITH(argmin(a, 2), "argmin: dim 2 is out of range for a 2-d tensor (expected in [-2, 1])");
  REQUIRE_THROWS_WITH(argmax(scalar_tensor(1.0), 1), "argmax: dim 1 is out of range for a 0-d tensor (expected in [-1, 0])");
}

TEST_CASE("softmax rows sum to one and survive huge logits") {
  Tensor a = tensor({1000, 1001, 1002, -INFINITY, 0, 0}, {2, 3});
  Tensor s = softmax(a, 1);
  std::vector<float> v = s.to_vector<float>();
  REQUIRE(v[0] + v[1] + v[2] == Approx(1.0));
  REQUIRE(v[3] == 0.0f);
  REQUIRE(v[4] == Approx(0.5));
  Tensor l = log_softmax(a, 1);
  REQUIRE(std::isfinite(l.to_vector<float>()[0]));
  REQUIRE(l.to_vector<float>()[2] == Approx(-std::log1p(std::exp(-1.0) + std::exp(-2.0))).margin(1e-4));  // float32 ulp at 1000
}

TEST_CASE("matmul passes transposed views to BLAS and matches the triple loop") {
  manual_seed(14);
  Tensor a = randn({70, 50}, kFloat64), b = randn({50, 90}, kFloat64);
  Tensor want = kernels::matmul_naive(a, b);
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    REQUIRE(test::relative_error(matmul(a, b), want) < 1e-13);
    Tensor at = a.t().contiguous().t(), bt = b.t().contiguous().t();  // column-major storage
    REQUIRE(!at.is_contiguous());
    REQUIRE(test::relative_error(matmul(at, bt), want) < 1e-13);
    REQUIRE(test::relative_error(matmul(a.slice(1, 0, 50), b), want) < 1e-13);
    // a big product takes the row-split path
    Tensor c = randn({512, 256}), d = randn({256, 300});
    REQUIRE(test::relative_error(matmul(c, d), kernels::matmul_naive(c, d)) < 1e-5);
  }
  Tensor x = randn({3, 4, 5}), y = randn({5, 2});
  Tensor batched = matmul(x, y);
  for (int64_t i = 0; i < 3; ++i)
    REQUIRE(test::relative_error(batched.select(0, i), kernels::matmul_naive(x.select(0, i).contiguous(), y)) < 1e-6);
}

namespace {
// Buffers asked of the allocator while f runs. Every buffer over 32 KiB is counted (allocator
// stats), so with operands that large a contiguous copy of one shows up as an extra request.
template <class F> int64_t buffers_requested(F&& f) {
  f();  // warm up: the small objects a call makes then come from this thread's free list
  AllocatorStats before = allocator_stats();
  f();
  AllocatorStats after = allocator_stats();
  return (after.system_allocations - before.system_allocations) + (after.cache_hits - before.cache_hits);
}
}  // namespace

TEST_CASE("matmul hands transposed views to BLAS without copying them") {
  manual_seed(15);
  set_num_threads(1);
  // 100·60 and 60·90 float64 operands, 100·90 result: each over the 32 KiB that stats count.
  Tensor a = randn({100, 60}, kFloat64), b = randn({60, 90}, kFloat64);
  Tensor at = a.t().contiguous().t(), bt = b.t().contiguous().t();  // column-major storage
  REQUIRE(!at.is_contiguous());
  REQUIRE(!bt.is_contiguous());
  REQUIRE(buffers_requested([&] { matmul(a, b); }) == 1);  // the result only
  REQUIRE(buffers_requested([&] { matmul(at, b); }) == 1);
  REQUIRE(buffers_requested([&] { matmul(a, bt); }) == 1);
  REQUIRE(buffers_requested([&] { matmul(at, bt); }) == 1);
  REQUIRE(buffers_requested([&] { matmul(bt.t(), at.t()); }) == 1);  // plain views of transposed storage
  // A column slice keeps unit stride along rows: a leading dimension BLAS takes as it is.
  REQUIRE(buffers_requested([&] { matmul(a.slice(1, 0, 60), b); }) == 1);
  // Every other column has no unit stride: that operand is copied first, and the count sees it.
  Tensor every_other = randn({100, 120}, kFloat64).slice(1, 0, 120, 2);
  REQUIRE(buffers_requested([&] { matmul(every_other, b); }) == 2);
  REQUIRE(test::relative_error(matmul(at, bt), kernels::matmul_naive(a, b)) < 1e-13);
  set_num_threads(2);
}

TEST_CASE("large float32 GEMMs match the triple loop for every transpose, alpha and beta") {
  // Sizes past the block edges of the blocked kernels (tensor/kernels/simd/isa/isa.h) and big
  // enough to take them; with the transposes, each of the two 16-wide cases also runs swapped.
  // tests/tensor/test_kernels_per_cpu.cpp runs such cases on every path the CPU has.
  struct Case { int64_t m, n, k; };
  for (Case c : {Case{37, 70, 300}, Case{150, 45, 600}, Case{13, 1100, 40}, Case{150, 16, 560}, Case{16, 150, 300}}) {
    std::vector<float> a(size_t(c.m * c.k)), b(size_t(c.k * c.n)), c0(size_t(c.m * c.n));
    for (size_t i = 0; i < a.size(); ++i) a[i] = float(std::sin(0.37 * double(i)));
    for (size_t i = 0; i < b.size(); ++i) b[i] = float(std::cos(0.11 * double(i)));
    for (size_t i = 0; i < c0.size(); ++i) c0[i] = float(std::sin(0.05 * double(i)));
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (float beta : {0.0f, 0.5f}) {
          const float alpha = 1.5f;
          const int64_t lda = ta ? c.m : c.k, ldb = tb ? c.k : c.n;
          std::vector<float> got[2];
          for (int threads : {1, 2}) {
            set_num_threads(threads);
            got[threads - 1] = c0;
            kernels::gemm(ta, tb, c.m, c.n, c.k, alpha, a.data(), lda, b.data(), ldb, beta, got[threads - 1].data(), c.n);
          }
          double worst = 0;
          for (int64_t i = 0; i < c.m; ++i)
            for (int64_t j = 0; j < c.n; ++j) {
              double s = 0;
              for (int64_t l = 0; l < c.k; ++l)
                s += double(ta ? a[size_t(l * lda + i)] : a[size_t(i * lda + l)]) *
                     double(tb ? b[size_t(j * ldb + l)] : b[size_t(l * ldb + j)]);
              const double want = alpha * s + beta * double(c0[size_t(i * c.n + j)]);
              worst = std::max(worst, std::abs(double(got[0][size_t(i * c.n + j)]) - want));
            }
          INFO("m " << c.m << " n " << c.n << " k " << c.k << " ta " << ta << " tb " << tb << " beta " << beta);
          REQUIRE(worst < 1e-4 * std::sqrt(double(c.k)));
          REQUIRE(got[0] == got[1]);  // the same bits however the threads cut C
        }
  }
  set_num_threads(2);
}

TEST_CASE("in-place ops change the tensor, bump its version and respect views") {
  Tensor a = zeros({2, 3});
  uint32_t v0 = a.version();
  a.add_(1.0).mul_(3.0);
  REQUIRE(a.version() == v0 + 2);
  a.select(1, 0).fill_(-1.0);
  REQUIRE(a.to_vector<float>() == std::vector<float>{-1, 3, 3, -1, 3, 3});
  a.add_(tensor({1, 2, 3}), 2.0);
  REQUIRE(a.to_vector<float>() == std::vector<float>{1, 7, 9, 1, 7, 9});
  a.clamp_(2.0, 8.0);
  REQUIRE(a.to_vector<float>() == std::vector<float>{2, 7, 8, 2, 7, 8});
  a.copy_(tensor({5, 6, 7}, {3}, kFloat64));
  REQUIRE(a.to_vector<float>() == std::vector<float>{5, 6, 7, 5, 6, 7});
  a.zero_();
  REQUIRE(a.sum().item<float>() == 0.0f);
}

TEST_CASE("cat, stack, index_select, gather and one_hot place the right elements") {
  Tensor a = tensor({1, 2, 3, 4}, {2, 2}), b = tensor({5, 6}, {1, 2});
  REQUIRE(cat({a, b}, 0).to_vector<float>() == std::vector<float>{1, 2, 3, 4, 5, 6});
  REQUIRE(cat({a, b.t()}, 1).to_vector<float>() == std::vector<float>{1, 2, 5, 3, 4, 6});
  REQUIRE(stack({a, a}, 2).sizes() == Shape{2, 2, 2});
  REQUIRE(index_select(a, 1, tensor({1, 1, 0}, {3}, kInt64)).to_vector<float>() == std::vector<float>{2, 2, 1, 4, 4, 3});
  REQUIRE(gather(a, 1, tensor({1, 0}, {2, 1}, kInt64)).to_vector<float>() == std::vector<float>{2, 3});
  REQUIRE(one_hot(tensor({2, 0}, {2}, kInt64), 3).to_vector<int64_t>() == std::vector<int64_t>{0, 0, 1, 1, 0, 0});
  REQUIRE_THROWS_WITH(cat({a, tensor({1, 2, 3}, {1, 3})}, 0),
                      "cat: sizes must match except in dim 0: tensor 1 has shape [1, 3], tensor 0 has shape [2, 2]");
}

TEST_CASE("the caching allocator reuses freed blocks") {
  { Tensor warm = empty({1 << 20}); }
  AllocatorStats before = allocator_stats();
  for (int i = 0; i < 10; ++i) { Tensor t = empty({1 << 20}); }
  AllocatorStats after = allocator_stats();
  REQUIRE(after.system_allocations == before.system_allocations);
  REQUIRE(after.cache_hits >= before.cache_hits + 10);
}
