// DistributedSampler against torch's own split (tests/golden/sampler.txt, from
// tools/golden_sampler.py), and with the DataLoader: the shares of all ranks make up the epoch,
// and the global batches at W ranks are those of one process. No process group is needed.
#include "helpers.h"

#include <descent/distributed.h>

#include <algorithm>
#include <set>

using namespace descent;
namespace dist = descent::distributed;

TEST_CASE("DistributedSampler's split equals torch's (padding, drop_last, shuffle, seed, epoch, N < W)") {
  const auto cases = test::load_golden("sampler.txt");
  REQUIRE(cases.size() == 11);
  for (const auto& [name, c] : cases) {
    INFO(name);
    const int64_t n = int64_t(c.scalars.at("n")), w = int64_t(c.scalars.at("w"));
    for (int64_t r = 0; r < w; ++r) {
      dist::DistributedSampler sampler(n, dist::DistributedSamplerOptions()
                                              .num_replicas(w)
                                              .rank(r)
                                              .drop_last(c.scalars.at("drop_last") != 0)
                                              .shuffle(c.scalars.at("shuffle") != 0)
                                              .seed(uint64_t(c.scalars.at("seed"))));
      sampler.set_epoch(int64_t(c.scalars.at("epoch")));
      const std::vector<int64_t> want = c["rank" + std::to_string(r)].to_vector<int64_t>();
      INFO("rank " << r);
      REQUIRE(sampler.indices() == want);
      REQUIRE(sampler.size() == int64_t(want.size()));
    }
  }
}

TEST_CASE("DistributedSampler: options are checked, and without a process group it is one replica") {
  REQUIRE_THROWS_WITH(dist::DistributedSampler(10, dist::DistributedSamplerOptions().num_replicas(2).rank(2)),
                      "DistributedSampler: rank must be in [0, 2), got 2");
  REQUIRE_THROWS_WITH(dist::DistributedSampler(10, dist::DistributedSamplerOptions().num_replicas(0)),
                      "DistributedSampler: num_replicas must be >= 1, got 0");
  dist::DistributedSampler alone(5, dist::DistributedSamplerOptions().shuffle(false));
  REQUIRE(alone.num_replicas() == 1);
  REQUIRE(alone.indices() == std::vector<int64_t>{0, 1, 2, 3, 4});
  REQUIRE_THROWS_WITH(alone.set_epoch(-1), "DistributedSampler::set_epoch: expected an epoch >= 0, got -1");
}

TEST_CASE("DataLoader with DistributedSamplers: the ranks' batches make up one process's global batches") {
  // 48 examples whose data is their index; global batch 8, at 1 and at 4 ranks (local batch 2).
  Tensor x = arange(0, 48, 1, kFloat64).view({48, 1}), y = arange(48);
  data::TensorDataset dataset(x, y);
  auto loader_at = [&](int64_t world, int64_t rank) {
    auto sampler = std::make_shared<dist::DistributedSampler>(
        48, dist::DistributedSamplerOptions().num_replicas(world).rank(rank).seed(3));
    return data::DataLoader(dataset, data::DataLoaderOptions(8 / world).sampler(sampler).prefetch(0));
  };
  data::DataLoader single = loader_at(1, 0);
  std::vector<data::DataLoader> ranks;
  for (int64_t r = 0; r < 4; ++r) ranks.push_back(loader_at(4, r));
  REQUIRE(single.size() == 6);
  REQUIRE(ranks[0].size() == 6);
  for (int epoch = 0; epoch < 2; ++epoch) {  // the loader's epoch drives the sampler's
    std::vector<std::vector<int64_t>> global;
    for (auto& batch : single) global.push_back(batch.target.to_vector<int64_t>());
    std::vector<std::vector<int64_t>> parts(6);
    for (auto& loader : ranks) {
      int64_t k = 0;
      for (auto& batch : loader) {
        auto v = batch.target.to_vector<int64_t>();
        parts[size_t(k)].insert(parts[size_t(k)].end(), v.begin(), v.end());
        ++k;
      }
    }
    std::set<int64_t> seen;
    for (size_t k = 0; k < 6; ++k) {
      INFO("epoch " << epoch << " batch " << k);
      REQUIRE(std::multiset<int64_t>(parts[k].begin(), parts[k].end()) ==
              std::multiset<int64_t>(global[k].begin(), global[k].end()));
      seen.insert(global[k].begin(), global[k].end());
    }
    REQUIRE(seen.size() == 48);
  }
  // Epoch 1's order differs from epoch 0's (set_epoch's job in torch).
  auto sampler = dist::DistributedSampler(48, dist::DistributedSamplerOptions().seed(3));
  REQUIRE(sampler.indices(0) != sampler.indices(1));
}

TEST_CASE("collectives before init_process_group say so") {
  Tensor t = ones({2});
  REQUIRE_FALSE(dist::is_initialized());
  REQUIRE_THROWS_WITH(dist::all_reduce(t), "all_reduce: call init_process_group() first");
  REQUIRE_THROWS_WITH(dist::get_rank(), "distributed: call init_process_group() first");
  auto model = std::make_shared<nn::Linear>(2, 2);
  REQUIRE_THROWS_WITH(dist::DistributedDataParallel(model),
                      "DistributedDataParallel: call distributed::init_process_group() first");
}
