// nn::utils around the optimizers (clipping, penalties) and the Cholesky kernel behind Newton.
#include <cmath>
#include <cstring>

#include "helpers.h"
#include "tensor/kernels/cholesky.h"

using namespace descent;
using namespace descent::optim;
using Params = std::vector<Tensor>;

TEST_CASE("clip_grad_norm_ skips parameters without gradients and leaves small gradients alone") {
  Tensor a = tensor({3.0, 4.0}, {2}, kFloat64).requires_grad_(), b = zeros({2}, kFloat64).requires_grad_();
  a.mutable_grad() = tensor({3.0, 4.0}, {2}, kFloat64);
  CHECK(nn::utils::clip_grad_norm_(Params{a, b}, 10.0) == 5.0);  // b has no gradient
  CHECK(a.grad().to_vector<double>() == std::vector<double>{3.0, 4.0});
  CHECK(nn::utils::clip_grad_norm_(Params{b}, 1.0) == 0.0);  // nothing to clip
  CHECK(nn::utils::clip_grad_norm_(a, 1.0) == 5.0);
  CHECK(test::relative_error(a.grad(), tensor({0.6, 0.8}, {2}, kFloat64)) < 1e-6);  // 1e-6 in the divisor
}

namespace {
// Gradients compared bit for bit, NaN included (NaN != NaN, so == would not do).
bool same_bits(const Tensor& a, const std::vector<double>& want) {
  const std::vector<double> got = a.to_vector<double>();
  return got.size() == want.size() && std::memcmp(got.data(), want.data(), got.size() * sizeof(double)) == 0;
}
}  // namespace

TEST_CASE("clip_grad_norm_ can refuse a non-finite norm, naming it, and then leaves every gradient alone") {
  Tensor a = zeros({2}, kFloat64).requires_grad_(), b = zeros({2}, kFloat64).requires_grad_();
  const std::vector<double> b_grad = {3.0, 4.0};
  b.mutable_grad() = tensor(b_grad, {2}, kFloat64);
  auto refuse = [&](const std::vector<double>& a_grad, double norm_type, const std::string& message) {
    a.mutable_grad() = tensor(a_grad, {2}, kFloat64);
    REQUIRE_THROWS_MATCHES(nn::utils::clip_grad_norm_(Params{a, b}, 1.0, norm_type, /*error_if_nonfinite=*/true),
                           std::runtime_error, Catch::Message(message));
    CHECK(same_bits(a.grad(), a_grad));
    CHECK(same_bits(b.grad(), b_grad));
  };
  const std::string hint = "), so it cannot be clipped; pass error_if_nonfinite = false to scale by it anyway";
  SECTION("an infinite gradient") {
    refuse({1.0, INFINITY}, 2.0, "clip_grad_norm_: the total norm of order 2.000000 of the gradients is non-finite (inf" + hint);
    refuse({-INFINITY, 1.0}, nn::utils::kInfNorm,
           "clip_grad_norm_: the total norm of order inf of the gradients is non-finite (inf" + hint);
  }
  SECTION("a NaN gradient") {
    refuse({NAN, 1.0}, 2.0, "clip_grad_norm_: the total norm of order 2.000000 of the gradients is non-finite (nan" + hint);
    refuse({1.0, NAN}, 1.0, "clip_grad_norm_: the total norm of order 1.000000 of the gradients is non-finite (nan" + hint);
    // The ∞-norm is a max, and a max must not skip the NaN.
    refuse({NAN, 1.0}, nn::utils::kInfNorm,
           "clip_grad_norm_: the total norm of order inf of the gradients is non-finite (nan" + hint);
  }
  SECTION("without the error, the gradients are scaled by the non-finite norm, as in torch") {
    a.mutable_grad() = tensor({1.0, INFINITY}, {2}, kFloat64);
    CHECK(std::isinf(nn::utils::clip_grad_norm_(Params{a, b}, 1.0)));
    const std::vector<double> ga = a.grad().to_vector<double>();
    CHECK((ga[0] == 0.0 && std::isnan(ga[1])));  // scaled by 1/∞ = 0, and ∞·0 is NaN
    CHECK(b.grad().to_vector<double>() == std::vector<double>{0.0, 0.0});
    a.mutable_grad() = tensor({NAN, 2.0}, {2}, kFloat64);
    b.mutable_grad() = tensor(b_grad, {2}, kFloat64);
    CHECK(std::isnan(nn::utils::clip_grad_norm_(Params{a, b}, 1.0, nn::utils::kInfNorm)));
    for (double g : b.grad().to_vector<double>()) CHECK(std::isnan(g));
  }
  REQUIRE_THROWS_WITH(nn::utils::clip_grad_norm_(a, 1.0, -1.0), "clip_grad_norm_: norm_type must be > 0 (or infinity), got -1");
}

TEST_CASE("the L2 penalty's gradient is the coupled weight decay") {
  manual_seed(5);
  Tensor target = randn({6}, kFloat64);
  Tensor w1 = randn({6}, kFloat64).requires_grad_();
  Tensor w2 = w1.detach().clone().requires_grad_();
  SGD decayed({w1}, SGDOptions(0.1).momentum(0.9).weight_decay(0.2));  // λ·θ added to the gradient
  SGD penalized({w2}, SGDOptions(0.1).momentum(0.9));                 // (λ/2)·Σθ² added to the loss
  for (int i = 0; i < 10; ++i) {
    decayed.zero_grad();
    sum(pow(w1 - target, 2.0)).backward();
    decayed.step();
    penalized.zero_grad();
    (sum(pow(w2 - target, 2.0)) + 0.5 * 0.2 * nn::utils::l2_penalty({w2})).backward();
    penalized.step();
  }
  CHECK(test::relative_error(w2, w1) < 1e-14);
}

TEST_CASE("penalties are sums over all parameters and differentiable") {
  Tensor a = tensor({1.0, -2.0}, {2}, kFloat64).requires_grad_(), b = tensor({-3.0}, {1}, kFloat64).requires_grad_();
  CHECK(nn::utils::l2_penalty({a, b}).item<double>() == 14.0);
  Tensor l1 = nn::utils::l1_penalty({a, b});
  CHECK(l1.item<double>() == 6.0);
  l1.backward();
  CHECK(a.grad().to_vector<double>() == std::vector<double>{1.0, -1.0});  // sign(θ)
  CHECK(b.grad().to_vector<double>() == std::vector<double>{-1.0});
  CHECK(nn::utils::l2_penalty({}).item<double>() == 0.0);
}

TEST_CASE("LAPACK's Cholesky matches the textbook loop and solves the system") {
  manual_seed(9);
  const int64_t n = 6;
  Tensor M = randn({n, n}, kFloat64);
  Tensor A = matmul(M, M.t()) + 0.5 * eye(n, kFloat64);  // symmetric positive definite
  Tensor L1 = A.clone(), L2 = A.clone();
  REQUIRE(kernels::cholesky_(L1));
  REQUIRE(kernels::cholesky_naive_(L2));
  // Compare the lower triangles: both hold L.
  const std::vector<double> l1 = L1.to_vector<double>(), l2 = L2.to_vector<double>();
  double diff = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j <= i; ++j) diff = std::max(diff, std::abs(l1[size_t(i * n + j)] - l2[size_t(i * n + j)]));
  CHECK(diff < 1e-12);
  Tensor x_true = randn({n}, kFloat64);
  Tensor b = matmul(A, x_true);
  kernels::cholesky_solve_(L1, b);
  CHECK(test::relative_error(b, x_true) < 1e-12);
  // Several right-hand sides at once, row-major [n, k].
  Tensor X_true = randn({n, 3}, kFloat64);
  Tensor B = matmul(A, X_true);
  kernels::cholesky_solve_(L1, B);
  CHECK(test::relative_error(B, X_true) < 1e-12);
  // An indefinite matrix is reported, not factored.
  Tensor indefinite = tensor({1.0, 2.0, 2.0, 1.0}, {2, 2}, kFloat64);
  CHECK_FALSE(kernels::cholesky_(indefinite.clone()));
  CHECK_FALSE(kernels::cholesky_naive_(indefinite.clone()));
}
