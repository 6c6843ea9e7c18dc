// DistributedDataParallel at the job's rank count: W ranks with batches of B / W take the steps
// one process takes with batches of B (each rank runs that one process too, as the reference),
// whatever seed each rank built its model from; no_sync accumulation; overlap and bucket sizes
// change nothing; construction, buffers, unused parameters, models that differ; and a warm
// step allocates nothing. Every collective comes before the checks (see test_collectives.cpp).
#include <catch2/catch.hpp>

#include <descent/distributed.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

using namespace descent;
namespace dist = descent::distributed;

// Every operator new of the process, to check that a warm step makes none.
static std::atomic<int64_t> g_news{0};
void* operator new(size_t n) {
  ++g_news;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {

constexpr int64_t kIn = 8, kClasses = 3;

std::shared_ptr<nn::Sequential> make_model(Dtype dtype) {
  auto m = std::make_shared<nn::Sequential>(nn::Linear(kIn, 32), nn::Tanh(), nn::Linear(32, 16), nn::ReLU(),
                                            nn::Linear(16, kClasses));
  m->to(dtype);
  return m;
}

// The same architecture with `from`'s values: the one-process reference.
std::shared_ptr<nn::Sequential> copy_of(const nn::Module& from, Dtype dtype) {
  auto m = make_model(dtype);
  NoGradGuard no_grad;
  auto dst = m->parameters();
  auto src = from.parameters();
  for (size_t i = 0; i < dst.size(); ++i) dst[i].copy_(src[i]);
  return m;
}

// Step `step`'s global batch, the same on every rank: B examples, class targets.
std::pair<Tensor, Tensor> global_batch(int step, int64_t B, Dtype dtype) {
  manual_seed(1000 + uint64_t(step));
  return {randn({B, kIn}, dtype), randint(0, kClasses, {B})};
}

std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name, const std::vector<Tensor>& params) {
  if (name == "adam") return std::make_unique<optim::Adam>(params, optim::AdamOptions(1e-2));
  return std::make_unique<optim::SGD>(params, optim::SGDOptions(0.1).momentum(0.9));
}

double max_relative_error(const std::vector<Tensor>& got, const std::vector<Tensor>& want) {
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    std::vector<double> g = got[i].to_vector<double>(), w = want[i].to_vector<double>();
    double diff = 0, scale = 1e-300;
    for (size_t k = 0; k < g.size(); ++k) {
      diff = std::max(diff, std::fabs(g[k] - w[k]));
      scale = std::max(scale, std::fabs(w[k]));
    }
    worst = std::max(worst, diff / scale);
  }
  return worst;
}

// True when every rank holds bit-identical parameters.
bool identical_across_ranks(const std::vector<Tensor>& params) {
  bool same = true;
  for (const Tensor& p : params) {
    std::vector<Tensor> all;
    dist::all_gather(all, p.detach());
    for (const Tensor& q : all) same = same && q.to_vector<double>() == p.to_vector<double>();
  }
  return same;
}

struct Outcome {
  double error = 0;      // parameters after training vs the one-process reference
  bool identical = false;  // across ranks
};

// 10 steps at global batch B = 12 (2, 3 and 4 ranks divide it), each rank's model first built
// from its own seed, against one process on the whole batches.
Outcome train_both(Dtype dtype, const std::string& optimizer, dist::DDPOptions options) {
  const int rank = dist::get_rank(), world = dist::get_world_size();
  const int64_t B = 12, b = B / world;
  manual_seed(100 + uint64_t(rank));
  auto model = make_model(dtype);
  dist::DistributedDataParallel ddp(model, options);
  auto reference = copy_of(*model, dtype);  // rank 0's initial weights, which ddp gave every rank
  auto opt = make_optimizer(optimizer, ddp.parameters());
  auto ref_opt = make_optimizer(optimizer, reference->parameters());
  nn::CrossEntropyLoss criterion;
  for (int step = 0; step < 10; ++step) {
    auto [x, y] = global_batch(step, B, dtype);
    opt->zero_grad();
    criterion.forward(ddp.forward(x.slice(0, rank * b, (rank + 1) * b)), y.slice(0, rank * b, (rank + 1) * b)).backward();
    opt->step();
    ref_opt->zero_grad();
    criterion.forward(reference->forward(x), y).backward();
    ref_opt->step();
  }
  return {max_relative_error(model->parameters(), reference->parameters()), identical_across_ranks(model->parameters())};
}

}  // namespace

TEST_CASE("DDP equals one process at the same global batch: float64, SGD with momentum and Adam, 10 steps", "[ddp]") {
  // Buckets of 25 MB (one here) and of 1 KB (several, launched in order), with and without
  // the communication thread.
  for (const char* optimizer : {"sgd", "adam"})
    for (bool overlap : {false, true})
      for (double cap : {25.0, 0.001}) {
        Outcome o = train_both(kFloat64, optimizer, dist::DDPOptions().overlap(overlap).bucket_cap_mb(cap));
        if (dist::get_rank() == 0)
          std::printf("ddp vs one process, float64, %d ranks, %s, overlap %d, bucket %g MB: max relative error %.3g\n",
                      dist::get_world_size(), optimizer, int(overlap), cap, o.error);
        INFO(optimizer << " overlap " << overlap << " bucket_cap_mb " << cap << ": max relative error " << o.error);
        REQUIRE(o.error <= 1e-12);
        REQUIRE(o.identical);
      }
}

TEST_CASE("DDP equals one process at the same global batch: float32 within 1e-5", "[ddp]") {
  for (const char* optimizer : {"sgd", "adam"}) {
    Outcome o = train_both(kFloat32, optimizer, dist::DDPOptions());
    if (dist::get_rank() == 0)
      std::printf("ddp vs one process, float32, %d ranks, %s: max relative error %.3g\n", dist::get_world_size(),
                  optimizer, o.error);
    INFO(optimizer << ": max relative error " << o.error);
    REQUIRE(o.error <= 1e-5);
    REQUIRE(o.identical);
  }
}

TEST_CASE("overlap on and off give bit-identical parameters", "[ddp]") {
  auto run = [](bool overlap) {
    manual_seed(7);
    auto model = make_model(kFloat64);
    dist::DistributedDataParallel ddp(model, dist::DDPOptions().overlap(overlap).bucket_cap_mb(0.002));
    optim::SGD opt(ddp.parameters(), optim::SGDOptions(0.1).momentum(0.9));
    nn::CrossEntropyLoss criterion;
    const int rank = dist::get_rank();
    for (int step = 0; step < 5; ++step) {
      auto [x, y] = global_batch(step, 4 * dist::get_world_size(), kFloat64);
      opt.zero_grad();
      criterion.forward(ddp.forward(x.slice(0, 4 * rank, 4 * rank + 4)), y.slice(0, 4 * rank, 4 * rank + 4)).backward();
      opt.step();
    }
    return model->parameters();
  };
  auto a = run(false), b = run(true);
  for (size_t i = 0; i < a.size(); ++i) REQUIRE(a[i].to_vector<double>() == b[i].to_vector<double>());
}

TEST_CASE("no_sync: k micro-batches, the first k - 1 under no_sync, equal one step on all of them", "[ddp]") {
  const int rank = dist::get_rank(), world = dist::get_world_size();
  const int k = 3;
  const int64_t m = 2;  // examples per micro-batch and rank
  manual_seed(200 + uint64_t(rank));
  auto model = make_model(kFloat64);
  dist::DistributedDataParallel ddp(model, dist::DDPOptions());
  auto reference = copy_of(*model, kFloat64);
  optim::SGD opt(ddp.parameters(), optim::SGDOptions(0.5).momentum(0.9));
  optim::SGD ref_opt(reference->parameters(), optim::SGDOptions(0.5).momentum(0.9));
  nn::CrossEntropyLoss criterion;
  for (int step = 0; step < 3; ++step) {
    // The global batch: k micro-batches of m · W; rank r's part of micro-batch j is rows
    // j·m·W + r·m ... + m.
    auto [x, y] = global_batch(step, k * m * world, kFloat64);
    opt.zero_grad();
    for (int j = 0; j < k; ++j) {
      const int64_t begin = j * m * world + rank * m;
      auto micro = [&] {
        (criterion.forward(ddp.forward(x.slice(0, begin, begin + m)), y.slice(0, begin, begin + m)) / double(k)).backward();
      };
      if (j < k - 1) {
        auto guard = ddp.no_sync();
        micro();
      } else {
        micro();
      }
    }
    opt.step();
    ref_opt.zero_grad();
    criterion.forward(reference->forward(x), y).backward();
    ref_opt.step();
  }
  const double error = max_relative_error(model->parameters(), reference->parameters());
  const bool identical = identical_across_ranks(model->parameters());
  if (rank == 0) std::printf("no_sync accumulation vs one step, float64, %d ranks: max relative error %.3g\n", world, error);
  INFO("max relative error " << error);
  REQUIRE(error <= 1e-12);
  REQUIRE(identical);
}

TEST_CASE("construction gives every rank rank 0's parameters and buffers, and forward rank 0's buffers", "[ddp]") {
  const int rank = dist::get_rank();
  manual_seed(300 + uint64_t(rank));
  auto model = std::make_shared<nn::Sequential>(nn::Linear(4, 6), nn::BatchNorm1d(6), nn::ReLU(), nn::Linear(6, 2));
  {
    NoGradGuard no_grad;  // buffers that differ per rank before wrapping
    for (Tensor b : model->buffers())
      if (is_floating(b.dtype())) b.fill_(double(rank + 1));
  }
  dist::DistributedDataParallel ddp(model);
  const bool params_equal = identical_across_ranks(model->parameters());
  const bool buffers_equal = identical_across_ranks(model->buffers());
  const double running_mean_0 = model->buffers()[0].to_vector<double>()[0];
  // A training forward on rank-specific data moves each rank's running statistics its own way;
  // the next forward starts from rank 0's again, so one on the same data makes them equal.
  manual_seed(400 + uint64_t(rank));
  ddp.forward(randn({5, 4}));
  const bool differ_after_local = !identical_across_ranks(model->buffers());
  manual_seed(500);
  ddp.forward(randn({5, 4}));
  const bool equal_after_same = identical_across_ranks(model->buffers());
  REQUIRE(params_equal);
  REQUIRE(buffers_equal);
  REQUIRE(running_mean_0 == 1.0);  // rank 0 filled its buffers with 1
  REQUIRE((differ_after_local || dist::get_world_size() == 1));
  REQUIRE(equal_after_same);
}

TEST_CASE("a parameter that gets no gradient on some ranks is averaged with zeros there", "[ddp]") {
  const int rank = dist::get_rank(), world = dist::get_world_size();
  manual_seed(600);
  auto a = std::make_shared<nn::Linear>(3, 1, /*bias=*/false);
  auto b = std::make_shared<nn::Linear>(3, 1, /*bias=*/false);
  auto model = std::make_shared<nn::Sequential>();
  model->push_back(a);
  model->push_back(b);
  dist::DistributedDataParallel ddp(model);
  Tensor x = full({1, 3}, 1.0);
  Tensor out = a->forward(x);
  if (rank == 0) out = out + b->forward(x);  // only rank 0 reaches b
  out.sum().backward();
  REQUIRE(a->weight.grad().to_vector<float>() == std::vector<float>(3, 1.0f));
  REQUIRE(b->weight.grad().defined());
  REQUIRE(b->weight.grad().to_vector<float>() == std::vector<float>(3, 1.0f / float(world)));
}

TEST_CASE("ranks holding different models are refused, naming both", "[ddp]") {
  if (dist::get_world_size() == 1) return;
  const int rank = dist::get_rank();
  auto model = rank == 1 ? std::make_shared<nn::Sequential>(nn::Linear(4, 5), nn::Linear(5, 2))
                         : std::make_shared<nn::Sequential>(nn::Linear(4, 2));
  REQUIRE_THROWS_WITH(dist::DistributedDataParallel(model), Catch::Contains("the ranks hold different models"));
}

TEST_CASE("a module without forward(x) is wrapped, and ddp.forward then says what to call", "[ddp]") {
  struct TwoInputs : nn::Module {
    TwoInputs() { fc = register_module("fc", std::make_shared<nn::Linear>(2, 1)); }
    Tensor forward(const Tensor& x, const Tensor& y) { return fc->forward(x) + fc->forward(y); }
    std::shared_ptr<nn::Linear> fc;
  };
  auto model = std::make_shared<TwoInputs>();
  dist::DistributedDataParallel ddp(model);
  REQUIRE_THROWS_WITH(ddp.forward(ones({1, 2})), Catch::StartsWith("DistributedDataParallel::forward: the module has no forward"));
  model->forward(ones({1, 2}), ones({1, 2})).sum().backward();
  REQUIRE(model->fc->bias.grad().item<float>() == 2.0f);  // averaged: every rank had 2
  REQUIRE(ddp.stats().passes == 1);
}

TEST_CASE("a warm DDP step asks the system for no memory, with and without overlap", "[ddp]") {
  for (bool overlap : {false, true}) {
    manual_seed(9);
    auto model = make_model(kFloat32);
    dist::DistributedDataParallel ddp(model, dist::DDPOptions().overlap(overlap).bucket_cap_mb(0.002));
    optim::Adam opt(ddp.parameters(), optim::AdamOptions(1e-3));
    nn::CrossEntropyLoss criterion;
    Tensor x = randn({4, kIn}), y = randint(0, kClasses, {4});
    auto step = [&] {
      opt.zero_grad();
      criterion.forward(ddp.forward(x), y).backward();
      opt.step();
    };
    for (int i = 0; i < 3; ++i) step();
    const int64_t news = g_news.load(), system = allocator_stats().system_allocations;
    for (int i = 0; i < 5; ++i) step();
    const int64_t new_news = g_news.load() - news, new_system = allocator_stats().system_allocations - system;
    INFO("overlap " << overlap << ": operator new " << new_news << ", system blocks " << new_system);
    REQUIRE(new_news == 0);
    REQUIRE(new_system == 0);
    REQUIRE(ddp.stats().passes == 8);
  }
}
