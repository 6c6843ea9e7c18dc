// distributed_bench: the cost of data-parallel training over MPI, run under mpirun.
//
//   mpirun -np 2 build/bench/distributed_bench --case allreduce
//     all_reduce (SUM, float32) of 4 KiB to 64 MiB: descent's distributed::all_reduce against
//     MPI_Allreduce called directly on the same buffer, interleaved, median of --repeats each.
//     One JSON line per size: bytes, seconds and GB/s (bytes / seconds) of both, and the ratio.
//   mpirun -np W build/bench/distributed_bench --case train --model cnn|lenet5|mlp [--overlap 1] [--bucket-mb M]
//     training steps at a global batch of 64 (64 / W per rank), synthetic data, as descent_bench's
//     cnn_train / lenet5_train / mlp_train; --ddp 0 at one rank runs without the wrapper. One
//     JSON line: steps per second (median step), the seconds of a step spent waiting for the
//     gradients' all_reduce and inside it, and heap allocations per warm step.
// This program calls MPI_Allreduce itself (the reference descent is measured against); the
// library's own MPI calls are all in distributed/process_group_mpi.cpp. Ranks run one thread
// each unless --threads says otherwise.
#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <new>
#include <string>
#include <vector>

#include <descent/distributed.h>

using namespace descent;
namespace dist = descent::distributed;
using Clock = std::chrono::steady_clock;

static std::atomic<int64_t> g_heap_allocations{0};
void* operator new(size_t n) {
  ++g_heap_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

std::map<std::string, std::string> parse(int argc, char** argv) {
  std::map<std::string, std::string> args = {{"case", "allreduce"}, {"model", "cnn"}, {"steps", "0"},
                                             {"repeats", "0"}, {"overlap", "0"}, {"threads", "1"}, {"ddp", "1"},
                                             {"bucket-mb", "25"}};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strncmp(argv[i], "--", 2) != 0 || !args.count(argv[i] + 2)) {
      std::fprintf(stderr, "distributed_bench: unknown flag %s\n", argv[i]);
      std::exit(2);
    }
    args[argv[i] + 2] = argv[i + 1];
  }
  return args;
}

// Both all_reduces on the same buffer, alternating which goes first, each after a barrier so that
// every rank starts together; the buffer is refilled before each so that sums stay finite. The
// raw calls go to a copy of MPI_COMM_WORLD, as descent's do (a communicator of its own).
void bench_allreduce(int repeats) {
  const int rank = dist::get_rank();
  MPI_Comm comm;
  MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  for (int64_t bytes = 4096; bytes <= (int64_t(64) << 20); bytes *= 4) {
    const int64_t n = bytes / 4;
    Tensor t = ones({n});
    float* p = t.data_ptr<float>();
    const int reps = repeats > 0 ? repeats : bytes >= (int64_t(16) << 20) ? 10 : bytes >= (1 << 20) ? 30 : 200;
    std::vector<double> ours, raw;
    auto time_ours = [&] {
      std::fill(p, p + n, 1.0f);
      dist::barrier();
      const auto t0 = Clock::now();
      dist::all_reduce(t);
      return seconds_since(t0);
    };
    auto time_raw = [&] {
      std::fill(p, p + n, 1.0f);
      dist::barrier();
      const auto t0 = Clock::now();
      MPI_Allreduce(MPI_IN_PLACE, p, int(n), MPI_FLOAT, MPI_SUM, comm);
      return seconds_since(t0);
    };
    for (int r = -2; r < reps; ++r) {  // two warm-up rounds
      double a, b;
      if (r % 2 == 0) a = time_ours(), b = time_raw();
      else b = time_raw(), a = time_ours();
      if (r >= 0) ours.push_back(a), raw.push_back(b);
    }
    const double a = median(ours), b = median(raw);
    if (rank == 0)
      std::printf("{\"case\": \"allreduce\", \"ranks\": %d, \"bytes\": %lld, \"descent_seconds\": %.4g, "
                  "\"mpi_seconds\": %.4g, \"descent_gbps\": %.4g, \"mpi_gbps\": %.4g, \"ratio\": %.4g}\n",
                  dist::get_world_size(), (long long)bytes, a, b, double(bytes) / a / 1e9, double(bytes) / b / 1e9, b / a);
  }
  MPI_Comm_free(&comm);
}

std::shared_ptr<nn::Sequential> make_model(const std::string& name) {
  if (name == "mlp")
    return std::make_shared<nn::Sequential>(nn::Flatten(), nn::Linear(784, 512), nn::ReLU(), nn::Linear(512, 256),
                                            nn::ReLU(), nn::Linear(256, 10));
  if (name == "lenet5")
    return std::make_shared<nn::Sequential>(
        nn::Conv2d(nn::Conv2dOptions(1, 6, 5).padding(2)), nn::ReLU(), nn::MaxPool2d(2), nn::Conv2d(6, 16, 5),
        nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(400, 120), nn::ReLU(), nn::Linear(120, 84),
        nn::ReLU(), nn::Linear(84, 10));
  return std::make_shared<nn::Sequential>(nn::Conv2d(1, 32, 3), nn::ReLU(), nn::Conv2d(32, 64, 3), nn::ReLU(),
                                          nn::MaxPool2d(2), nn::Dropout(0.25), nn::Flatten(), nn::Linear(9216, 128),
                                          nn::ReLU(), nn::Dropout(0.5), nn::Linear(128, 10));
}

void bench_train(const std::map<std::string, std::string>& args) {
  const int rank = dist::get_rank(), world = dist::get_world_size();
  const std::string name = args.at("model");
  const bool overlap = args.at("overlap") == "1", wrap = args.at("ddp") == "1" || world > 1;
  const int64_t global = 64, local = global / world;
  int steps = std::atoi(args.at("steps").c_str());
  if (steps <= 0) steps = name == "cnn" ? 30 : name == "lenet5" ? 200 : 300;
  manual_seed(1);
  auto model = make_model(name);
  std::unique_ptr<dist::DistributedDataParallel> ddp;
  const double bucket_mb = std::atof(args.at("bucket-mb").c_str());
  if (wrap)
    ddp = std::make_unique<dist::DistributedDataParallel>(model, dist::DDPOptions().overlap(overlap).bucket_cap_mb(bucket_mb));
  std::unique_ptr<optim::Optimizer> opt;
  if (name == "mlp") opt = std::make_unique<optim::SGD>(model->parameters(), optim::SGDOptions(0.05).momentum(0.9));
  else opt = std::make_unique<optim::Adam>(model->parameters(), optim::AdamOptions(1e-3));
  manual_seed(100 + uint64_t(rank));
  Tensor x = randn({local, 1, 28, 28}), y = randint(0, 10, {local});
  nn::CrossEntropyLoss criterion;
  auto step = [&] {
    opt->zero_grad();
    Tensor loss = criterion.forward(ddp ? ddp->forward(x) : model->forward(x), y);
    loss.backward();
    opt->step();
  };
  for (int i = 0; i < 3; ++i) step();  // warm: buffers cached, optimizer state made
  const dist::ReducerStats before = ddp ? ddp->stats() : dist::ReducerStats();
  const int64_t heap_before = g_heap_allocations.load(), system_before = allocator_stats().system_allocations;
  std::vector<double> times;
  times.reserve(size_t(steps));  // no allocation of ours inside the timed loop
  dist::barrier();
  for (int i = 0; i < steps; ++i) {
    const auto t0 = Clock::now();
    step();
    times.push_back(seconds_since(t0));
  }
  const double heap = double(g_heap_allocations.load() - heap_before) / steps;
  const double system = double(allocator_stats().system_allocations - system_before) / steps;
  const dist::ReducerStats after = ddp ? ddp->stats() : dist::ReducerStats();
  // The slowest rank decides a step: every rank reports, rank 0 prints the worst median.
  Tensor medians = tensor({median(times)}, {1}, kFloat64);
  dist::all_reduce(medians, dist::ReduceOp::MAX);
  const double s = medians.item<double>();
  const double waiting = (after.waiting_seconds - before.waiting_seconds) / steps;
  const double communication = (after.communication_seconds - before.communication_seconds) / steps;
  if (rank == 0)
    std::printf("{\"case\": \"train\", \"model\": \"%s\", \"ranks\": %d, \"threads\": %d, \"ddp\": %d, \"overlap\": %d, \"bucket_mb\": %g, "
                "\"seconds_per_step\": %.4g, \"steps_per_second\": %.4g, \"waiting_seconds_per_step\": %.4g, "
                "\"communication_seconds_per_step\": %.4g, \"waiting_share\": %.3f, \"gradient_bytes\": %lld, "
                "\"buckets\": %lld, \"heap_allocations_per_step\": %.2f, \"system_blocks_per_step\": %.2f}\n",
                name.c_str(), world, get_num_threads(), int(bool(ddp)), int(overlap), bucket_mb, s, 1.0 / s, waiting, communication,
                waiting / s, (long long)after.bytes, (long long)after.buckets, heap, system);
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = parse(argc, argv);
  set_num_threads(std::atoi(args.at("threads").c_str()));
  dist::init_process_group();
  if (args.at("case") == "allreduce") bench_allreduce(std::atoi(args.at("repeats").c_str()));
  else if (args.at("case") == "train") bench_train(args);
  else {
    std::fprintf(stderr, "distributed_bench: unknown case %s (allreduce, train)\n", args.at("case").c_str());
    return 2;
  }
  dist::destroy_process_group();
  return 0;
}
