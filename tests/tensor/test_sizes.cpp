// Sizes that do not fit: element and byte counts that overflow int64, ranges with too many
// elements, and allocations the system refuses. Each is an error naming the call and the shape,
// never a wrapped count (which used to give an empty tensor that crashed when indexed).
#include <cstdint>

#include "child.h"
#include "helpers.h"

using namespace descent;

namespace {
constexpr int64_t k40 = int64_t(1) << 40;  // 1099511627776
constexpr int64_t k61 = int64_t(1) << 61;  // 2305843009213693952
constexpr int64_t k62 = int64_t(1) << 62;  // 4611686018427387904
const std::string kTooMany = " has too many elements (the count overflows int64)";
}  // namespace

TEST_CASE("a shape whose element count overflows int64 is refused by the factory that was called") {
  // Before: numel() wrapped to 0 and reading the tensor crashed; a crash here must not end the run.
  REQUIRE(test::in_child([] { zeros({k40, k40}).select(0, 5).sum(); }) ==
          "threw: zeros: shape [1099511627776, 1099511627776]" + kTooMany);
  REQUIRE_THROWS_WITH(empty({k40, k40}), "empty: shape [1099511627776, 1099511627776]" + kTooMany);
  REQUIRE_THROWS_WITH(ones({k40, k40, 2}), "ones: shape [1099511627776, 1099511627776, 2]" + kTooMany);
  REQUIRE_THROWS_WITH(full({k40, k40}, 1.0), "full: shape [1099511627776, 1099511627776]" + kTooMany);
  REQUIRE_THROWS_WITH(rand({k40, k40}), "rand: shape [1099511627776, 1099511627776]" + kTooMany);
  REQUIRE_THROWS_WITH(randn({k40, k40}), "randn: shape [1099511627776, 1099511627776]" + kTooMany);
  REQUIRE_THROWS_WITH(randint(0, 5, {k40, k40}), "randint: shape [1099511627776, 1099511627776]" + kTooMany);
  REQUIRE_THROWS_WITH(tensor({}, {k40, k40, 0}), "tensor: shape [1099511627776, 1099511627776, 0]" + kTooMany);
  // With a zero the count is 0, but the strides of the other dims still overflow.
  REQUIRE_THROWS_WITH(zeros({0, k40, k40}), "zeros: shape [0, 1099511627776, 1099511627776]" + kTooMany);
  // Four bytes per element: 2^62 elements fit in int64, their bytes do not.
  REQUIRE_THROWS_WITH(zeros({k62}), "zeros: shape [4611686018427387904] of float32 has too many bytes (the count "
                                    "overflows int64)");
  REQUIRE_THROWS_WITH(zeros({-1, 2}), "zeros: negative size in shape [-1, 2]");
  REQUIRE_THROWS_WITH(eye(int64_t(1) << 32), "eye: shape [4294967296, 4294967296]" + kTooMany);
  REQUIRE_THROWS_WITH(eye(-1), "eye: n must be >= 0, got -1");
  REQUIRE_THROWS_WITH(randint(3, 3, {2}), "randint: expected low < high, got low=3 high=3");
}

TEST_CASE("a failed allocation says how many bytes for which shape, and is a std::bad_alloc") {
  // 2^50 bytes: more than any machine has and more than a 47-bit address space maps.
  REQUIRE_THROWS_WITH(zeros({k40, 1024}), "zeros: cannot allocate 4503599627370496 bytes for a float32 tensor of "
                                          "shape [1099511627776, 1024] (out of memory)");
  REQUIRE_THROWS_AS(empty({k40, 512}, kFloat64), std::bad_alloc);
  REQUIRE_THROWS_WITH(linspace(0, 1, int64_t(1) << 48, kFloat64),
                      "linspace: cannot allocate 2251799813685248 bytes for a float64 tensor of shape "
                      "[281474976710656] (out of memory)");
  REQUIRE(zeros({3}).numel() == 3);  // and the allocator still works afterwards
}

TEST_CASE("arange and linspace refuse counts that overflow and ranges that go the wrong way") {
  REQUIRE_THROWS_WITH(arange(0.0, 1e30, 1e-10),
                      "arange: 0 to 1e+30 in steps of 1e-10" + kTooMany);  // used to return an empty tensor
  REQUIRE_THROWS_WITH(arange(INT64_MIN, INT64_MAX, int64_t(1)),
                      "arange: -9223372036854775808 to 9223372036854775807 in steps of 1" + kTooMany);
  REQUIRE_THROWS_WITH(arange(int64_t(5), int64_t(0)),
                      "arange: upper bound and larger bound inconsistent with step sign, got start 5, end 0, step 1");
  REQUIRE_THROWS_WITH(arange(0.0, 1.0, -0.5),
                      "arange: upper bound and larger bound inconsistent with step sign, got start 0, end 1, step -0.5");
  REQUIRE_THROWS_WITH(arange(NAN, 1.0, 1.0), "arange: unsupported range: start nan, end 1, step 1 (each must be finite)");
  REQUIRE_THROWS_WITH(arange(0.0, INFINITY, 1.0),
                      "arange: unsupported range: start 0, end inf, step 1 (each must be finite)");
  REQUIRE_THROWS_WITH(arange(0.0, 1.0, 0.0), "arange: step must be nonzero");
  REQUIRE_THROWS_WITH(linspace(0, 1, -1), "linspace: steps must be >= 0, got -1");
  // The ordinary cases are unchanged, the largest int64 range included.
  REQUIRE(arange(int64_t(3), int64_t(-3), int64_t(-2)).to_vector<int64_t>() == std::vector<int64_t>{3, 1, -1});
  REQUIRE(arange(INT64_MAX - 2, INT64_MAX, int64_t(1)).to_vector<int64_t>() ==
          std::vector<int64_t>{INT64_MAX - 2, INT64_MAX - 1});
  REQUIRE(arange(0.0, 1.0, 0.25).numel() == 4);
  REQUIRE(arange(int64_t(0)).numel() == 0);
  REQUIRE(linspace(0, 1, 0).numel() == 0);
}

TEST_CASE("views and broadcasts of expanded tensors cannot claim more elements than int64 counts") {
  const Tensor one = zeros({1});
  REQUIRE_THROWS_WITH(one.expand({k40, k40}), "expand: shape [1099511627776, 1099511627776]" + kTooMany);
  const Tensor column = one.expand({k40, 1}), row = one.view({1, 1}).expand({1, k40});
  REQUIRE(column.numel() == k40);  // a view of one float: no memory is asked for
  REQUIRE_THROWS_WITH(column + row, "add: shape [1099511627776, 1099511627776]" + kTooMany);
  const Tensor mask = zeros({1}, kBool).expand({k40, 1});
  REQUIRE_THROWS_WITH(where(mask, column, row), "where: shape [1099511627776, 1099511627776]" + kTooMany);
  REQUIRE_THROWS_WITH(matmul(column, row), "matmul: shape [1099511627776, 1099511627776]" + kTooMany);
  REQUIRE_THROWS_WITH(zeros({0}).view({0, k40, k40}), "view: shape [0, 1099511627776, 1099511627776]" + kTooMany);
  REQUIRE_THROWS_WITH(zeros({0}).reshape({-1, k40, k40}),
                      "reshape: shape [-1, 1099511627776, 1099511627776] is invalid for input of size 0");
  const Tensor huge = one.expand({k62});
  REQUIRE_THROWS_WITH(cat({huge, huge}, 0), "cat: the sizes in dim 0 add up to more than int64 holds");
  REQUIRE_THROWS_WITH(one_hot(zeros({4}, kInt64), k62), "one_hot: shape [4, 4611686018427387904]" + kTooMany);
}

TEST_CASE("convolution and pooling sizes that overflow name the op and the input shape") {
  const Tensor x = zeros({1, 1, 3, 3}), w = zeros({1, 1, 1, 1});
  REQUIRE_THROWS_WITH(conv2d(x, w, {}, {1}, {k62}),
                      "conv2d: padding 4611686018427387904x4611686018427387904 and dilation 1x1 overflow int64 for the "
                      "input shape [1, 1, 3, 3] and kernel 1x1");
  REQUIRE_THROWS_WITH(conv2d(x, zeros({1, 1, 3, 3}), {}, {1}, {0}, {k62}),
                      "conv2d: padding 0x0 and dilation 4611686018427387904x4611686018427387904 overflow int64 for the "
                      "input shape [1, 1, 3, 3] and kernel 3x3");
  // 2^32 of padding: each output side is 2^33 + 3, the output 2^66 elements.
  REQUIRE_THROWS_WITH(conv2d(x, w, {}, {1}, {int64_t(1) << 32}),
                      "conv2d: the output [1, 1, 8589934595, 8589934595]" + kTooMany + " for the input shape [1, 1, 3, 3]");
  REQUIRE_THROWS_WITH(im2col(x, {k40, k40}, {1}, {k40}, {1}),
                      Catch::StartsWith("im2col: the output [N, C, kH, kW, HO, WO] [1, 1, 1099511627776, 1099511627776, "));
  const Tensor tall = zeros({1}).expand({1, 1, k62, 1});
  REQUIRE_THROWS_WITH(max_pool2d(tall, {k62}, {1}, {k61}),
                      "max_pool2d: the padded input overflows int64 (input shape [1, 1, 4611686018427387904, 1], "
                      "padding [2305843009213693952])");
  REQUIRE_THROWS_WITH(max_pool2d_backward(zeros({1, 1, 1, 1}), zeros({1, 1, 1, 1}, kInt64), {1, 1, k40, k40}),
                      "max_pool2d_backward: shape [1, 1, 1099511627776, 1099511627776]" + kTooMany);
}
