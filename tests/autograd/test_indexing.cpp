// Index semantics as torch's: index_select, index_add, gather, scatter_add and one_hot refuse
// negative indices (they used to wrap them, reading from the end without a word), and each
// error names the op the user called, in torch's words.
#include "helpers.h"

using namespace descent;

namespace {
Tensor idx(std::vector<double> values) { return tensor(values, {int64_t(values.size())}, kInt64); }
}  // namespace

TEST_CASE("index_select and index_add refuse negative and too large indices") {
  const Tensor a = arange(0.0, 6.0, 1.0).view({3, 2});
  REQUIRE_THROWS_WITH(index_select(a, 0, idx({0, -1})), "index_select: index -1 is out of range for dim 0 of size 3");
  REQUIRE_THROWS_WITH(index_select(a, 1, idx({2})), "index_select: index 2 is out of range for dim 1 of size 2");
  REQUIRE_THROWS_WITH(index_add(a, 0, idx({-3}), ones({1, 2})), "index_add: index -3 is out of range for dim 0 of size 3");
  REQUIRE_THROWS_WITH(index_add(a, 0, idx({3}), ones({1, 2})), "index_add: index 3 is out of range for dim 0 of size 3");
  REQUIRE(index_select(a, 0, idx({2, 0})).to_vector<float>() == std::vector<float>{4, 5, 0, 1});
  REQUIRE(index_add(zeros({3}), 0, idx({2, 2}), ones({2})).to_vector<float>() == std::vector<float>{0, 0, 2});
}

TEST_CASE("gather and scatter_add refuse negative and too large indices in torch's words") {
  const Tensor a = arange(0.0, 3.0, 1.0);
  REQUIRE_THROWS_WITH(gather(a, 0, idx({-1})), "gather: index -1 is out of bounds for dimension 0 with size 3");
  REQUIRE_THROWS_WITH(gather(a, 0, idx({3})), "gather: index 3 is out of bounds for dimension 0 with size 3");
  REQUIRE_THROWS_WITH(scatter_add(a, 0, idx({-1}), ones({1})),
                      "scatter_add: index -1 is out of bounds for dimension 0 with size 3");
  REQUIRE_THROWS_WITH(gather(zeros({2, 2}), 1, tensor({0, 1, 1, -2}, {2, 2}, kInt64)),
                      "gather: index -2 is out of bounds for dimension 1 with size 2");
  REQUIRE(gather(a, 0, idx({2, 0})).to_vector<float>() == std::vector<float>{2, 0});
}

TEST_CASE("one_hot names itself for labels out of range, negative ones included") {
  // -1 used to become the last class, and 3 was blamed on scatter_add.
  REQUIRE_THROWS_WITH(one_hot(idx({0, -1}), 3), "one_hot: class values must be non-negative, got -1");
  REQUIRE_THROWS_WITH(one_hot(idx({3}), 3), "one_hot: class values must be smaller than num_classes (3), got 3");
  REQUIRE_THROWS_WITH(one_hot(idx({0}), 0), "one_hot: num_classes must be positive, got 0");
  REQUIRE_THROWS_WITH(one_hot(zeros({2}), 3), "one_hot: labels must be int64, got float32");
  Tensor h = one_hot(tensor({2, 0, 1, 2}, {2, 2}, kInt64), 3);
  REQUIRE(h.sizes() == Shape{2, 2, 3});
  REQUIRE(h.dtype() == kInt64);
  REQUIRE(h.to_vector<int64_t>() == std::vector<int64_t>{0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1});
  REQUIRE(one_hot(scalar_tensor(1, kInt64), 2).to_vector<int64_t>() == std::vector<int64_t>{0, 1});
}

TEST_CASE("the other indexing ops keep torch's rules: select wraps, class targets do not") {
  const Tensor a = arange(0.0, 6.0, 1.0).view({3, 2});
  REQUIRE(select(a, 0, -1).to_vector<float>() == std::vector<float>{4, 5});  // as a[-1] in torch
  REQUIRE_THROWS_WITH(select(a, 0, -4), "select: index -4 is out of range for dim 0 of size 3");
  REQUIRE_THROWS_WITH(cross_entropy(zeros({2, 3}), idx({0, -1})), "cross_entropy: target -1 is out of bounds for 3 classes");
  REQUIRE(std::isfinite(cross_entropy(zeros({2, 3}), idx({0, -1}), kMean, /*ignore_index=*/-1).item<double>()));
  REQUIRE_THROWS_WITH(nn::functional::nll_loss(zeros({2, 3}), idx({-1, 0})),
                      Catch::StartsWith("nll_loss: target -1 is out of bounds"));
  REQUIRE_THROWS_WITH(max_pool2d_backward(ones({1, 1, 1, 1}), tensor({-1}, {1, 1, 1, 1}, kInt64), {1, 1, 2, 2}),
                      "max_pool2d_backward: index -1 is out of range for a plane of 4 elements");
}
