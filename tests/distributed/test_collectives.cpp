// Collectives at the job's rank count (CTest runs this at 2, 3 and 4 ranks, and at 2 over
// TCP): every op and dtype, sizes 0, 1, odd and above a million elements, every root, strided
// tensors, and the errors that name the op. Each rank knows what every rank holds (a formula of
// rank and position), so it checks the exact result itself. The values are integers and
// halves, exact in float32, so the order of MPI's additions cannot change a sum. Checks come
// after the collectives, so a failure never leaves the ranks' collectives unpaired.
#include <catch2/catch.hpp>

#include <descent/distributed.h>

#include <algorithm>
#include <cmath>
#include <string>

using namespace descent;
namespace dist = descent::distributed;
using dist::ReduceOp;

namespace {

// Rank r's element i, rounded down for int64: spread so that MAX and MIN come from different
// ranks at different positions.
double value(int r, int64_t i, Dtype dtype) {
  const double v = double((i * 7 + r * 13) % 29) - 14.0 + (r % 2) * 0.5;
  return dtype == kInt64 ? std::floor(v) : v;
}

Tensor rank_tensor(int r, int64_t n, Dtype dtype) {
  Tensor t = empty({n}, kFloat64);
  double* p = t.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i) p[i] = value(r, i, dtype);
  return t.to(dtype);
}

// What op over the ranks gives, computed in float64 and stored in dtype.
Tensor expected(ReduceOp op, int64_t n, Dtype dtype) {
  const int world = dist::get_world_size();
  Tensor e = empty({n}, kFloat64);
  double* p = e.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0, hi = -INFINITY, lo = INFINITY;
    for (int r = 0; r < world; ++r) {
      const double x = value(r, i, dtype);
      sum += x;
      hi = std::max(hi, x);
      lo = std::min(lo, x);
    }
    p[i] = op == ReduceOp::SUM ? sum : op == ReduceOp::MAX ? hi : op == ReduceOp::MIN ? lo : sum / world;
  }
  return e.to(dtype);
}

bool same(const Tensor& a, const Tensor& b) {
  return a.sizes() == b.sizes() && a.dtype() == b.dtype() && a.to_vector<double>() == b.to_vector<double>();
}

}  // namespace

TEST_CASE("all_reduce: SUM, AVG, MAX and MIN on float32, float64 and int64 of 0, 1, 1001 and 2^20 + 3 elements",
          "[collectives]") {
  const int rank = dist::get_rank();
  std::vector<std::string> wrong;
  int checked = 0;
  for (Dtype dtype : {kFloat32, kFloat64, kInt64})
    for (ReduceOp op : {ReduceOp::SUM, ReduceOp::AVG, ReduceOp::MAX, ReduceOp::MIN})
      for (int64_t n : {int64_t(0), int64_t(1), int64_t(1001), (int64_t(1) << 20) + 3}) {
        if (op == ReduceOp::AVG && dtype == kInt64) continue;  // an error, tested below
        Tensor t = rank_tensor(rank, n, dtype);
        dist::all_reduce(t, op);
        ++checked;
        if (!same(t, expected(op, n, dtype)))
          wrong.push_back(std::string(dist::reduce_op_name(op)) + " " + dtype_name(dtype) + " n=" + std::to_string(n));
      }
  INFO("rank " << rank << " of " << dist::get_world_size() << "; wrong: " << wrong.size());
  for (const auto& w : wrong) INFO(w);
  REQUIRE(checked == 44);
  REQUIRE(wrong.empty());
}

TEST_CASE("broadcast: every root, every dtype, sizes 0 to 2^20 + 3", "[collectives]") {
  const int rank = dist::get_rank(), world = dist::get_world_size();
  std::vector<std::string> wrong;
  for (int root = world - 1; root >= 0; --root)  // the last rank first: a root other than 0
    for (Dtype dtype : {kFloat32, kFloat64, kInt64})
      for (int64_t n : {int64_t(0), int64_t(1), int64_t(777), (int64_t(1) << 20) + 3}) {
        if (n > 1000 && root != world - 1) continue;  // the large size once is enough
        Tensor t = rank_tensor(rank, n, dtype);
        dist::broadcast(t, root);
        if (!same(t, rank_tensor(root, n, dtype)))
          wrong.push_back("root " + std::to_string(root) + " " + dtype_name(dtype) + " n=" + std::to_string(n));
      }
  for (const auto& w : wrong) INFO(w);
  REQUIRE(wrong.empty());
}

TEST_CASE("all_gather: into new tensors and into given ones, every dtype", "[collectives]") {
  const int rank = dist::get_rank(), world = dist::get_world_size();
  bool ok = true;
  for (Dtype dtype : {kFloat32, kFloat64, kInt64})
    for (int64_t n : {int64_t(0), int64_t(1), int64_t(1001)}) {
      Tensor mine = rank_tensor(rank, n, dtype).view({1, n});
      std::vector<Tensor> fresh;
      dist::all_gather(fresh, mine);
      std::vector<Tensor> given;
      for (int r = 0; r < world; ++r) given.push_back(full({1, n}, -1.0, dtype));
      const void* before = given[0].raw_data();
      dist::all_gather(given, mine);
      ok = ok && int(fresh.size()) == world && given[0].raw_data() == before;
      for (int r = 0; r < world; ++r) {
        ok = ok && same(fresh[size_t(r)], rank_tensor(r, n, dtype).view({1, n}));
        ok = ok && same(given[size_t(r)], rank_tensor(r, n, dtype).view({1, n}));
      }
    }
  REQUIRE(ok);
}

TEST_CASE("collectives on strided tensors write the result into the tensor's own elements", "[collectives]") {
  const int rank = dist::get_rank();
  // A transposed view (not contiguous) and every other column of a matrix.
  Tensor base = rank_tensor(rank, 15, kFloat64).view({3, 5});
  Tensor view = base.t();
  dist::all_reduce(view, ReduceOp::SUM);
  Tensor wide = rank_tensor(rank, 24, kFloat32).view({4, 6});
  Tensor columns = wide.slice(1, 0, 6, 2);
  dist::broadcast(columns, dist::get_world_size() - 1);
  Tensor gathered_from = wide.slice(1, 1, 6, 2);  // the other columns, still rank-specific
  std::vector<Tensor> out;
  dist::all_gather(out, gathered_from);

  REQUIRE(same(base, expected(ReduceOp::SUM, 15, kFloat64).view({3, 5})));
  Tensor last = rank_tensor(dist::get_world_size() - 1, 24, kFloat32).view({4, 6});
  REQUIRE(same(wide.slice(1, 0, 6, 2).contiguous(), last.slice(1, 0, 6, 2).contiguous()));
  REQUIRE(same(wide.slice(1, 1, 6, 2).contiguous(), rank_tensor(rank, 24, kFloat32).view({4, 6}).slice(1, 1, 6, 2).contiguous()));
  for (int r = 0; r < dist::get_world_size(); ++r)
    REQUIRE(same(out[size_t(r)], rank_tensor(r, 24, kFloat32).view({4, 6}).slice(1, 1, 6, 2).contiguous()));
}

TEST_CASE("collectives on a parameter record no history and bump its version", "[collectives]") {
  Tensor w = full({3}, double(dist::get_rank()), kFloat64).requires_grad_();
  const uint32_t version = w.version();
  dist::all_reduce(w, ReduceOp::MAX);
  REQUIRE(w.is_leaf());
  REQUIRE(w.requires_grad());
  REQUIRE(w.version() > version);
  REQUIRE(w.to_vector<double>() == std::vector<double>(3, double(dist::get_world_size() - 1)));
}

TEST_CASE("unsupported input is an error naming the op, raised before anything is sent", "[collectives]") {
  Tensor flags = ones({4}, kBool);
  REQUIRE_THROWS_WITH(dist::all_reduce(flags), "all_reduce: unsupported dtype bool (float32, float64 and int64 are supported)");
  REQUIRE_THROWS_WITH(dist::broadcast(flags, 0), "broadcast: unsupported dtype bool (float32, float64 and int64 are supported)");
  std::vector<Tensor> out;
  REQUIRE_THROWS_WITH(dist::all_gather(out, flags), "all_gather: unsupported dtype bool (float32, float64 and int64 are supported)");
  Tensor counts = ones({4}, kInt64);
  REQUIRE_THROWS_WITH(dist::all_reduce(counts, ReduceOp::AVG), "all_reduce: ReduceOp::AVG needs a floating dtype, got int64");
  const int world = dist::get_world_size();
  Tensor x = ones({2});
  REQUIRE_THROWS_WITH(dist::broadcast(x, world),
                      "broadcast: src must be a rank in [0, " + std::to_string(world) + "), got " + std::to_string(world));
  std::vector<Tensor> too_few(1, ones({2}));
  REQUIRE_THROWS_WITH(dist::all_gather(too_few, x), "all_gather: expected an empty output list or one of " +
                                                        std::to_string(world) + " tensors (one per rank), got 1");
  std::vector<Tensor> wrong_shape(size_t(world), ones({3}));
  REQUIRE_THROWS_WITH(dist::all_gather(wrong_shape, x),
                      "all_gather: output 0 must have the input's shape [2] and dtype float32, got [3] float32");
  Tensor undefined;
  REQUIRE_THROWS_WITH(dist::all_reduce(undefined), "all_reduce: the tensor is undefined");
  REQUIRE_THROWS_WITH(dist::init_process_group(), "init_process_group: the default process group is already initialized");
}

TEST_CASE("every collective has the next sequence number, barrier included", "[collectives]") {
  const uint64_t before = dist::default_group().sequence();
  dist::barrier();
  Tensor x = ones({5});
  dist::all_reduce(x);
  REQUIRE(dist::default_group().sequence() == before + 2);
  REQUIRE(x.to_vector<float>() == std::vector<float>(5, float(dist::get_world_size())));
  REQUIRE(dist::default_group().local_size() >= 1);
  REQUIRE(dist::default_group().local_rank() < dist::default_group().local_size());
}
