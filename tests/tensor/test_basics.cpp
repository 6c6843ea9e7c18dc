// Tensor handles, factories, views and printing.
#include "helpers.h"

using namespace descent;

TEST_CASE("a copied handle shares data and clone() does not") {
  Tensor a = zeros({2, 3});
  Tensor b = a;
  b.fill_(2.0);
  REQUIRE(a.to_vector<float>() == std::vector<float>(6, 2.0f));
  Tensor c = a.clone();
  c.fill_(5.0);
  REQUIRE(a.to_vector<float>() == std::vector<float>(6, 2.0f));
}

TEST_CASE("factories make the requested shape, dtype and values") {
  Tensor t = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, kFloat64);
  REQUIRE(t.sizes() == Shape{2, 3});
  REQUIRE(t.dtype() == kFloat64);
  REQUIRE(t.strides() == Shape{3, 1});
  REQUIRE(t.to_vector<double>() == std::vector<double>{1, 2, 3, 4, 5, 6});
  REQUIRE(scalar_tensor(2.5).dim() == 0);
  REQUIRE(scalar_tensor(2.5).item<double>() == 2.5);
  REQUIRE(arange(5).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2, 3, 4});
  REQUIRE(arange(5).dtype() == kInt64);
  REQUIRE(arange(0.0, 1.0, 0.25).to_vector<double>() == std::vector<double>{0, 0.25, 0.5, 0.75});
  REQUIRE(ones({2}, kInt64).to_vector<int64_t>() == std::vector<int64_t>{1, 1});
  REQUIRE(full({3}, 7.0).to_vector<float>() == std::vector<float>{7, 7, 7});
  REQUIRE(eye(2).to_vector<float>() == std::vector<float>{1, 0, 0, 1});
  REQUIRE_THROWS_WITH(tensor({1, 2, 3}, {2, 2}), "tensor: 3 values do not fill shape [2, 2]");
}

TEST_CASE("manual_seed makes random draws reproducible") {
  manual_seed(7);
  Tensor a = randn({1000});
  Tensor u = rand({1000});
  manual_seed(7);
  Tensor b = randn({1000});
  REQUIRE(a.to_vector<float>() == b.to_vector<float>());
  double m = a.mean().item<double>(), s = a.pow(2.0).mean().item<double>();
  REQUIRE(std::fabs(m) < 0.1);
  REQUIRE(std::fabs(s - 1.0) < 0.1);
  REQUIRE(u.min().item<double>() >= 0.0);
  REQUIRE(u.max().item<double>() < 1.0);
  REQUIRE(std::fabs(u.mean().item<double>() - 0.5) < 0.05);
}

TEST_CASE("random fills do not depend on the thread count") {
  set_num_threads(1);
  manual_seed(3);
  std::vector<float> one = randn({100000}).to_vector<float>();
  set_num_threads(2);
  manual_seed(3);
  std::vector<float> two = randn({100000}).to_vector<float>();
  REQUIRE(one == two);
}

TEST_CASE("transpose, permute, slice, select, expand and view are views") {
  Tensor a = arange(0.0, 24.0, 1.0).view({2, 3, 4});
  Tensor tr = a.transpose(0, 2);
  REQUIRE(tr.sizes() == Shape{4, 3, 2});
  REQUIRE(tr.impl()->storage == a.impl()->storage);
  REQUIRE(!tr.is_contiguous());
  Tensor p = a.permute({1, 2, 0});
  REQUIRE(p.sizes() == Shape{3, 4, 2});
  REQUIRE(p.contiguous().to_vector<float>()[1] == 12.0f);
  Tensor s = a.slice(2, 1, 4, 2);
  REQUIRE(s.sizes() == Shape{2, 3, 2});
  REQUIRE(s.contiguous().to_vector<float>() == std::vector<float>{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23});
  Tensor row = a.select(1, 2);
  REQUIRE(row.sizes() == Shape{2, 4});
  REQUIRE(row.to_vector<float>() == std::vector<float>{8, 9, 10, 11, 20, 21, 22, 23});
  Tensor e = tensor({1, 2, 3}).view({3, 1}).expand({3, 4});
  REQUIRE(e.strides() == Shape{1, 0});
  REQUIRE(e.sum().item<double>() == 24.0);
  // writing through a view changes the base
  row.fill_(0.0);
  REQUIRE(a.sum().item<double>() == 276.0 - (8 + 9 + 10 + 11 + 20 + 21 + 22 + 23));
}

TEST_CASE("view of a non-contiguous tensor fails where reshape copies") {
  Tensor a = zeros({3, 4}).t();
  REQUIRE_THROWS_WITH(a.view({12}), Catch::Contains("view: shape [12] cannot view a tensor of shape [4, 3]") &&
                                        Catch::Contains("use reshape()"));
  Tensor r = a.reshape({12});
  REQUIRE(r.sizes() == Shape{12});
  REQUIRE(zeros({2, 6}).view({3, -1}).sizes() == Shape{3, 4});
}

TEST_CASE("out-of-range dims and indices name the op") {
  Tensor a = zeros({2, 3});
  REQUIRE_THROWS_WITH(a.sum({2}), "sum: dim 2 is out of range for a 2-d tensor (expected in [-2, 1])");
  REQUIRE_THROWS_WITH(a.select(0, 5), "select: index 5 is out of range for dim 0 of size 2");
  REQUIRE_THROWS_WITH(a.index_select(1, tensor({0, 3}, {2}, kInt64)),
                      "index_select: index 3 is out of range for dim 1 of size 3");
  REQUIRE_THROWS_WITH(a.transpose(0, -3), Catch::StartsWith("transpose: dim -3 is out of range"));
}

TEST_CASE("tensors print like PyTorch") {
  std::ostringstream os;
  os << tensor({1, 2.5, -3, 4}, {2, 2});
  REQUIRE(os.str() == "tensor([[ 1.0000,  2.5000],\n        [-3.0000,  4.0000]])");
  os.str("");
  os << tensor({1, 2, 3}, {3}, kFloat64);
  REQUIRE(os.str() == "tensor([1., 2., 3.], dtype=float64)");
  os.str("");
  os << arange(3);
  REQUIRE(os.str() == "tensor([0, 1, 2])");
  os.str("");
  os << tensor({1e-5, 1.0});
  REQUIRE(os.str() == "tensor([1.0000e-05, 1.0000e+00])");
  os.str("");
  os << scalar_tensor(0.5).requires_grad_();
  REQUIRE(os.str() == "tensor(0.5000, requires_grad=True)");
}

TEST_CASE("an undefined tensor answers shape queries as libtorch does and refuses everything else by name") {
  const Tensor u;  // a Linear's missing bias, a grad() before any backward
  REQUIRE(!u.defined());
  REQUIRE(u.sizes() == Dims{});
  REQUIRE(u.strides() == Dims{});
  REQUIRE(u.dim() == 0);
  REQUIRE(u.numel() == 0);
  REQUIRE(u.storage_offset() == 0);
  REQUIRE_THROWS_WITH(u.dtype(), "dtype: got an undefined tensor");
  REQUIRE_THROWS_WITH(u.element_size(), "dtype: got an undefined tensor");
  REQUIRE_THROWS_WITH(u.size(0), "size: got an undefined tensor");
  REQUIRE_THROWS_WITH(u.stride(-1), "stride: got an undefined tensor");
  REQUIRE_THROWS_WITH(u.is_contiguous(), "is_contiguous: got an undefined tensor");
  REQUIRE_THROWS_WITH(u.raw_data(), "raw_data: got an undefined tensor");
  REQUIRE_THROWS_WITH(u.data_ptr<float>(), "data_ptr: got an undefined tensor");
  REQUIRE_THROWS_WITH(u.item<float>(), "item: got an undefined tensor");
  REQUIRE_THROWS_WITH(u.to_vector<float>(), "to_vector: got an undefined tensor");
  REQUIRE_THROWS_WITH(u.version(), "version: got an undefined tensor");
  // a parameter's gradient before any backward, and a Linear built without bias
  Tensor w = zeros({2, 3}).requires_grad_();
  REQUIRE(w.grad().sizes() == Dims{});
  REQUIRE(w.grad().numel() == 0);
  nn::Linear no_bias(3, 2, /*bias=*/false);
  REQUIRE(no_bias.bias.dim() == 0);
}

TEST_CASE("size and stride of a 0-d tensor name the call instead of reading past its dims") {
  Tensor s = scalar_tensor(2.5);
  REQUIRE(s.dim() == 0);
  REQUIRE_THROWS_WITH(s.size(0), "size: dim 0 of a 0-d tensor, which has no dims");
  REQUIRE_THROWS_WITH(s.stride(-1), "stride: dim -1 of a 0-d tensor, which has no dims");
  REQUIRE(zeros({4, 5}).size(-1) == 5);
}
