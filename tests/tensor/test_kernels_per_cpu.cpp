// The kernels with a tuned variant per instruction set (GEMM, conv2d and its two gradients, 2×2
// max pooling), on the path this process runs, against the plain path and against float64, and
// across thread counts. CTest runs the tests tagged [per-cpu] once per instruction set of the
// architecture with DESCENT_CPU forced (tests/CMakeLists.txt); where the CPU lacks that set, the
// test says "skipped:". Shapes cover every class the rules in tensor/kernels/simd/isa/table.cpp
// can route differently: first layers, wide layers, stride 2, dilation, padding, 1×1, odd sizes,
// few taps, images small enough that junk columns make the direct kernels lose.
#include "helpers.h"

#include <cstdlib>

#include "tensor/kernels/conv.h"
#include "tensor/kernels/matmul.h"
#include "tensor/kernels/pool.h"
#include "tensor/kernels/simd/kernels.h"

using namespace descent;
namespace simd = descent::kernels::simd;

namespace {

// Prints "skipped: ..." (and returns true) when DESCENT_CPU asks for a path this CPU cannot run,
// so that the forced copy of the test is reported as skipped rather than repeating another path.
bool skip_if_path_unavailable() {
  const char* wanted = std::getenv("DESCENT_CPU");
  if (!wanted || cpu_capability() == wanted) return false;
  std::printf("skipped: DESCENT_CPU=%s, but this CPU runs %s\n", wanted, cpu_capability().c_str());
  return true;
}

// f() under the plain path (no tuned kernel), whatever path the process runs.
template <class F> auto on_plain_path(F&& f) {
  simd::ScopedIsa plain(simd::Isa::baseline);
  return f();
}

std::vector<float> filled(int64_t n, double phase) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = float(std::sin(phase * double(i + 1)));
  return v;
}

}  // namespace

TEST_CASE("the path in use is the one DESCENT_CPU asks for, or the best this CPU has", "[per-cpu]") {
  if (skip_if_path_unavailable()) return;
  const std::string name = cpu_capability();
  INFO("cpu_capability() = " << name);
  REQUIRE((name == "baseline" || name == "avx2" || name == "avx512" || name == "neon"));
  if (!std::getenv("DESCENT_CPU")) REQUIRE(name == simd::isa_name(simd::best_supported()));
  REQUIRE(name == simd::isa_name(simd::active().isa));
  REQUIRE((simd::active().sgemm == nullptr) == (name == "baseline"));
}

TEST_CASE("float32 GEMMs on this path match the plain path and float64 for every transpose, alpha and beta",
          "[per-cpu]") {
  if (skip_if_path_unavailable()) return;
  // Sizes past the tile and block edges of every instruction set's kernel (isa/isa.h: tiles 6×16,
  // 12×8, 8×32, 16×16, 8×12, 16×4; blocks of 96 or 128 rows, 256-deep, 1024-wide), products one
  // vector wide, deep ones split into equal slices, and the shapes of the benchmarks' layers
  // (64×256×512: an MLP's hidden layer, cut into two halves of 128 columns).
  struct Case { int64_t m, n, k; };
  for (Case c : {Case{37, 70, 300}, Case{150, 45, 600}, Case{13, 1100, 40}, Case{150, 16, 560}, Case{16, 150, 300},
                 Case{97, 8, 130}, Case{64, 128, 1100}, Case{129, 33, 1}, Case{64, 512, 784},
                 Case{64, 256, 512}}) {
    const std::vector<float> a = filled(c.m * c.k, 0.37), b = filled(c.k * c.n, 0.11), c0 = filled(c.m * c.n, 0.05);
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (float beta : {0.0f, 0.5f}) {
          const float alpha = 1.5f;
          const int64_t lda = ta ? c.m : c.k, ldb = tb ? c.k : c.n;
          auto run = [&] {
            std::vector<float> out = c0;
            if (beta == 0) std::fill(out.begin(), out.end(), NAN);  // beta = 0 must not read C
            kernels::gemm(ta, tb, c.m, c.n, c.k, alpha, a.data(), lda, b.data(), ldb, beta, out.data(), c.n);
            return out;
          };
          std::vector<float> got[2];
          for (int threads : {1, 2}) {
            set_num_threads(threads);
            got[threads - 1] = run();
          }
          const std::vector<float> plain = on_plain_path(run);
          double worst_exact = 0, worst_plain = 0;
          for (int64_t i = 0; i < c.m; ++i)
            for (int64_t j = 0; j < c.n; ++j) {
              double s = 0;
              for (int64_t l = 0; l < c.k; ++l)
                s += double(ta ? a[size_t(l * lda + i)] : a[size_t(i * lda + l)]) *
                     double(tb ? b[size_t(j * ldb + l)] : b[size_t(l * ldb + j)]);
              const double want = alpha * s + beta * double(c0[size_t(i * c.n + j)]);
              const size_t at = size_t(i * c.n + j);
              worst_exact = std::max(worst_exact, std::abs(double(got[0][at]) - want));
              worst_plain = std::max(worst_plain, std::abs(double(got[0][at]) - double(plain[at])));
            }
          INFO(cpu_capability() << ": m " << c.m << " n " << c.n << " k " << c.k << " ta " << ta << " tb " << tb
                                << " beta " << beta << ": off float64 by " << worst_exact << ", off plain by "
                                << worst_plain);
          REQUIRE(worst_exact < 1e-4 * std::sqrt(double(c.k)));
          REQUIRE(worst_plain < 2e-4 * std::sqrt(double(c.k)));
          REQUIRE(got[0] == got[1]);  // the same bits however the threads cut C
        }
  }
  set_num_threads(2);
}

namespace {
struct ConvCase {
  const char* what;
  Shape x, w;
  kernels::Conv2dParams p;
};
kernels::Conv2dParams conv_params(int64_t kh, int64_t kw, int64_t stride, int64_t pad, int64_t dilation) {
  return {kh, kw, stride, stride, pad, pad, dilation, dilation};
}
// Every class of layer the rules tell apart (conv_tuned.cpp, isa/table.cpp).
const std::vector<ConvCase> kConvCases = {
    {"first layer, 9 taps", {5, 1, 14, 13}, {8, 1, 3, 3}, conv_params(3, 3, 1, 0, 1)},
    {"LeNet's first layer, 25 taps, padding 2", {6, 1, 16, 16}, {6, 1, 5, 5}, conv_params(5, 5, 1, 2, 1)},
    {"wide layer, 3x3", {5, 16, 12, 11}, {24, 16, 3, 3}, conv_params(3, 3, 1, 0, 1)},
    {"padding 1", {6, 8, 10, 10}, {16, 8, 3, 3}, conv_params(3, 3, 1, 1, 1)},
    {"stride 2, padding 1", {5, 6, 11, 12}, {10, 6, 3, 3}, conv_params(3, 3, 2, 1, 1)},
    {"dilation 2", {5, 4, 13, 12}, {7, 4, 3, 3}, conv_params(3, 3, 1, 2, 2)},
    {"1x1", {5, 12, 7, 9}, {9, 12, 1, 1}, conv_params(1, 1, 1, 0, 1)},
    {"1x1 with padding (the input gradient cannot be a convolution)", {5, 6, 7, 9}, {5, 6, 1, 1},
     conv_params(1, 1, 1, 1, 1)},
    {"odd sizes, 3x2 kernel", {7, 3, 9, 7}, {5, 3, 3, 2}, conv_params(3, 2, 1, 0, 1)},
    {"small images: junk columns outweigh the work", {6, 32, 4, 4}, {32, 32, 3, 3}, conv_params(3, 3, 1, 1, 1)},
};
}  // namespace

TEST_CASE("conv2d and both its gradients on this path match the plain path and float64 on every shape class",
          "[per-cpu]") {
  if (skip_if_path_unavailable()) return;
  manual_seed(40);
  for (const ConvCase& c : kConvCases) {
    for (bool with_bias : {true, false}) {
      INFO(cpu_capability() << ": " << c.what << (with_bias ? ", with bias" : ", no bias"));
      Tensor x = randn(c.x), w = randn(c.w), b = with_bias ? randn({c.w[0]}) : Tensor();
      auto run = [&](const Tensor& xi, const Tensor& wi, const Tensor& bi) {
        Tensor y = kernels::conv2d(xi, wi, bi, c.p);
        Tensor g = cos(y * 0.7);
        auto [gx, gw, gb] = kernels::conv2d_backward(xi, wi, g, c.p, true, true, with_bias);
        return std::vector<Tensor>{y, gx, gw, with_bias ? gb : zeros({1})};
      };
      const std::vector<Tensor> got = run(x, w, b);
      const std::vector<Tensor> plain = on_plain_path([&] { return run(x, w, b); });
      const Tensor b64 = with_bias ? b.to(kFloat64) : Tensor();
      const std::vector<Tensor> exact = run(x.to(kFloat64), w.to(kFloat64), b64);
      const char* names[] = {"output", "input gradient", "weight gradient", "bias gradient"};
      for (size_t i = 0; i < got.size(); ++i) {
        INFO(names[i] << ": off float64 by " << test::relative_error(got[i], exact[i]) << ", off plain by "
                      << test::relative_error(got[i], plain[i]));
        REQUIRE(got[i].sizes() == exact[i].sizes());
        REQUIRE(test::relative_error(got[i], exact[i]) < 1e-5);
        REQUIRE(test::relative_error(got[i], plain[i]) < 1e-5);
      }
      // the float64 plain path itself, against the seven loops
      REQUIRE(test::relative_error(exact[0], kernels::conv2d_naive(x.to(kFloat64), w.to(kFloat64), b64, c.p)) < 1e-12);
    }
  }
}

TEST_CASE("conv2d and its gradients on this path give the same bits on 1 and 2 threads", "[per-cpu]") {
  if (skip_if_path_unavailable()) return;
  manual_seed(41);
  for (const ConvCase& c : kConvCases) {
    INFO(cpu_capability() << ": " << c.what);
    Shape shape = c.x;
    shape[0] = 13;  // several groups of images, split unevenly between the threads
    Tensor x = randn(shape), w = randn(c.w), b = randn({c.w[0]});
    std::vector<std::vector<float>> runs[2];
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      Tensor y = kernels::conv2d(x, w, b, c.p);
      auto [gx, gw, gb] = kernels::conv2d_backward(x, w, sin(y), c.p, true, true, true);
      runs[threads - 1] = {y.to_vector<float>(), gx.to_vector<float>(), gw.to_vector<float>(), gb.to_vector<float>()};
    }
    set_num_threads(2);
    for (size_t i = 0; i < 4; ++i) REQUIRE(runs[0][i] == runs[1][i]);
  }
}

TEST_CASE("2x2 max pooling on this path gives the plain loop's values and indices, with ties, NaNs and odd sizes",
          "[per-cpu]") {
  if (skip_if_path_unavailable()) return;
  manual_seed(42);
  // rows of 70 (several vectors and a tail), 11 and 9 (odd: the last column is dropped), 2
  for (Shape shape : {Shape{2, 3, 8, 70}, Shape{3, 2, 9, 11}, Shape{1, 1, 2, 2}, Shape{4, 5, 24, 24}}) {
    Tensor x = randint(-3, 3, shape).to(kFloat32);  // many ties
    std::vector<float> v = x.to_vector<float>();
    for (size_t i = 0; i < v.size(); i += 13) v[i] = NAN;
    x = tensor(std::vector<double>(v.begin(), v.end()), shape);
    const kernels::Pool2dParams p{2, 2, 2, 2, 0, 0, true};
    auto [values, indices] = kernels::max_pool2d(x, p);
    auto [plain_values, plain_indices] = on_plain_path([&] { return kernels::max_pool2d(x, p); });
    INFO(cpu_capability() << ": shape " << Dims(shape));
    REQUIRE(indices.to_vector<int64_t>() == plain_indices.to_vector<int64_t>());
    const std::vector<float> got = values.to_vector<float>(), want = plain_values.to_vector<float>();
    for (size_t i = 0; i < got.size(); ++i) REQUIRE((std::isnan(want[i]) ? std::isnan(got[i]) : got[i] == want[i]));
  }
}
