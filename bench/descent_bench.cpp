// descent_bench --case NAME --threads T [--steps N]
// Runs one workload on synthetic data (fixed seed) and prints one JSON object:
//   {"case": ..., "threads": ..., "cpu": "avx2", "seconds_per_step": ..., "samples_per_second": ...,
//    "peak_rss_mb": ..., ...}
// "cpu" is the kernel set that ran (descent::cpu_capability(); DESCENT_CPU forces one), and
// "openblas_coretype" appears when OPENBLAS_CORETYPE forced OpenBLAS's kernels: both decide the
// speed as much as the code does.
// Each case has a twin in bench/torch_bench.py doing the same work in PyTorch; compare.sh runs
// both, interleaved, and prints the ratios. Cases are listed in ../shared/CONTRACT.md.
#include <cblas.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <string>

#include <descent/descent.h>

#include "common/language_models.h"  // examples/common: char_gpt's model, for gpt_train

using namespace descent;
using Clock = std::chrono::steady_clock;

// Every C++ heap allocation of the process (the library's included) is counted, to check that a
// warm training step asks the system allocator for nothing.
static std::atomic<int64_t> g_heap_allocations{0};
void* operator new(size_t n) {
  ++g_heap_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {

struct Case {
  int default_steps;
  int batch;  // samples per step, for samples_per_second
  // Builds the workload and returns one training/evaluation step.
  std::function<std::function<void()>()> setup;
};

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Plain SGD with momentum on raw tensors, for cases that exist before the optim module is used.
struct RawParams {
  std::vector<Tensor> params;
  Tensor add(const Shape& shape, double bound) {
    Tensor p = rand(shape) * (2 * bound) - bound;
    p.requires_grad_();
    params.push_back(p);
    return p;
  }
  void zero_grad() {
    for (Tensor& p : params) p.mutable_grad() = Tensor();
  }
};

// A classification training step: cross-entropy on synthetic data, then the optimizer.
template <class Model, class Opt>
std::function<void()> train_step(std::shared_ptr<Model> model, std::shared_ptr<Opt> opt, const Shape& input) {
  Shape shape = input;
  shape.insert(shape.begin(), 64);
  Tensor x = randn(shape), y = randint(0, 10, {64});
  auto criterion = std::make_shared<nn::CrossEntropyLoss>();
  return [=] {
    opt->zero_grad();
    Tensor loss = criterion->forward(model->forward(x), y);
    loss.backward();
    opt->step();
  };
}

std::shared_ptr<nn::Sequential> mlp() {
  return std::make_shared<nn::Sequential>(nn::Linear(784, 512), nn::ReLU(), nn::Linear(512, 256), nn::ReLU(),
                                          nn::Linear(256, 10));
}
std::shared_ptr<nn::Sequential> small_cnn() {
  return std::make_shared<nn::Sequential>(
      nn::Conv2d(1, 32, 3), nn::ReLU(), nn::Conv2d(32, 64, 3), nn::ReLU(), nn::MaxPool2d(nn::MaxPool2dOptions(2)),
      nn::Dropout(0.25), nn::Flatten(), nn::Linear(9216, 128), nn::ReLU(), nn::Dropout(0.5), nn::Linear(128, 10));
}
std::shared_ptr<nn::Sequential> lenet5() {
  return std::make_shared<nn::Sequential>(
      nn::Conv2d(nn::Conv2dOptions(1, 6, 5).padding(2)), nn::ReLU(), nn::MaxPool2d(nn::MaxPool2dOptions(2)),
      nn::Conv2d(6, 16, 5), nn::ReLU(), nn::MaxPool2d(nn::MaxPool2dOptions(2)), nn::Flatten(), nn::Linear(400, 120),
      nn::ReLU(), nn::Linear(120, 84), nn::ReLU(), nn::Linear(84, 10));
}

std::map<std::string, Case> cases() {
  std::map<std::string, Case> c;

  c["mlp_train"] = {300, 64, [] {
    auto model = mlp();
    auto opt = std::make_shared<optim::SGD>(model->parameters(), optim::SGDOptions(0.05).momentum(0.9));
    return train_step(model, opt, {784});
  }};
  c["cnn_train"] = {30, 64, [] {
    auto model = small_cnn();
    auto opt = std::make_shared<optim::Adam>(model->parameters(), optim::AdamOptions(1e-3));
    return train_step(model, opt, {1, 28, 28});
  }};
  c["lenet5_train"] = {200, 64, [] {
    auto model = lenet5();
    auto opt = std::make_shared<optim::Adam>(model->parameters(), optim::AdamOptions(1e-3));
    return train_step(model, opt, {1, 28, 28});
  }};
  // The small CNN's two convolutions, forward and backward at batch 64: conv 1→32 3×3, then
  // 32→64 3×3, backward from a given gradient (the input needs none, as in training).
  c["cnn_convs"] = {30, 64, [] {
    auto conv1 = std::make_shared<nn::Conv2d>(1, 32, 3), conv2 = std::make_shared<nn::Conv2d>(32, 64, 3);
    Tensor x = randn({64, 1, 28, 28}), g = randn({64, 64, 24, 24});
    return std::function<void()>([=] {
      conv1->zero_grad();
      conv2->zero_grad();
      conv2->forward(conv1->forward(x)).backward(g);
    });
  }};
  c["adam_step"] = {50, 1, [] {
    Tensor p = zeros({10000000}).requires_grad_();
    p.mutable_grad() = randn({10000000});
    auto opt = std::make_shared<optim::Adam>(std::vector<Tensor>{p}, optim::AdamOptions(1e-3));
    return std::function<void()>([opt] { opt->step(); });
  }};

  c["tiny_add"] = {200000, 1, [] {
    auto x = std::make_shared<Tensor>(randn({16}));
    return std::function<void()>([x] { Tensor y = *x + *x; });
  }};

  c["tiny_mlp"] = {50000, 1, [] {
    auto p = std::make_shared<RawParams>();
    Tensor w1 = p->add({8, 4}, 0.5), b1 = p->add({8}, 0.5), w2 = p->add({2, 8}, 0.35), b2 = p->add({2}, 0.35);
    Tensor x = randn({1, 4});
    return std::function<void()>([=] {
      p->zero_grad();
      Tensor out = linear(tanh(linear(x, w1, b1)), w2, b2);
      out.sum().backward();
    });
  }};

  // The char_gpt default model (nanoGPT's CPU configuration), one AdamW step on 12 × 64 tokens,
  // as char_gpt trains it: weight decay on the 2-D weights only, clipping at norm 1.
  c["gpt_train"] = {20, 12, [] {
    auto model = std::make_shared<examples::GPT>(examples::ModelConfig());
    std::vector<Tensor> decay, no_decay;
    for (const Tensor& p : model->parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
    auto opt = std::make_shared<optim::AdamW>(decay, optim::AdamWOptions(1e-3).betas({0.9, 0.99}).weight_decay(0.1));
    opt->add_param_group(no_decay, optim::AdamWOptions(1e-3).betas({0.9, 0.99}).weight_decay(0.0));
    const std::vector<Tensor> params = model->parameters();
    Tensor x = randint(0, 65, {12, 64}), y = randint(0, 65, {12, 64});
    return std::function<void()>([=] {
      opt->zero_grad();
      Tensor loss = nn::functional::cross_entropy(model->forward(x).view({-1, 65}), y.view({-1}));
      loss.backward();
      nn::utils::clip_grad_norm_(params, 1.0);
      opt->step();
    });
  }};
  // LSTM 2 layers 65 → 256, sequence 64, batch 32, Linear 256 → 65, cross-entropy, Adam.
  c["lstm_train"] = {10, 32, [] {
    auto lstm = std::make_shared<nn::LSTM>(nn::LSTMOptions(65, 256).num_layers(2).batch_first(true));
    auto head = std::make_shared<nn::Linear>(256, 65);
    std::vector<Tensor> params = lstm->parameters();
    for (const Tensor& p : head->parameters()) params.push_back(p);
    auto opt = std::make_shared<optim::Adam>(params, optim::AdamOptions(1e-3));
    Tensor x = randn({32, 64, 65}), y = randint(0, 65, {32, 64});
    return std::function<void()>([=] {
      opt->zero_grad();
      Tensor logits = head->forward(std::get<0>(lstm->forward(x)));
      Tensor loss = nn::functional::cross_entropy(logits.reshape({-1, 65}), y.reshape({-1}));
      loss.backward();
      opt->step();
    });
  }};

  c["linear_gemm"] = {200, 256, [] {
    auto p = std::make_shared<RawParams>();
    Tensor w = p->add({512, 784}, 1.0 / 28), b = p->add({512}, 1.0 / 28);
    Tensor x = randn({256, 784}).requires_grad_();  // so that backward computes dL/dx too
    Tensor g = randn({256, 512});
    return std::function<void()>([=]() mutable {
      p->zero_grad();
      x.mutable_grad() = Tensor();
      linear(x, w, b).backward(g);
    });
  }};
  return c;
}

// The same three products as linear_gemm, straight through cblas_sgemm on one thread:
// forward x·wᵀ [256×784]·[784×512], dL/dw = gᵀ·x, dL/dx = g·w.
double raw_gemm_seconds(int steps) {
  std::vector<float> x(256 * 784, 0.5f), w(512 * 784, 0.25f), g(256 * 512, 1.0f), y(256 * 512), dw(512 * 784),
      dx(256 * 784);
  auto run = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 256, 512, 784, 1, x.data(), 784, w.data(), 784, 0, y.data(), 512);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 512, 784, 256, 1, g.data(), 512, x.data(), 784, 0, dw.data(), 784);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 256, 784, 512, 1, g.data(), 512, w.data(), 784, 0, dx.data(), 784);
  };
  for (int i = 0; i < 5; ++i) run();
  auto t0 = Clock::now();
  for (int i = 0; i < steps; ++i) run();
  return seconds_since(t0) / steps;
}

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "descent_bench: " << problem << "\nusage: descent_bench --case NAME --threads T [--steps N]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string name;
  int threads = 1, steps = -1;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) usage("missing value for " + flag);
    std::string value = argv[++i];
    try {
      if (flag == "--case") name = value;
      else if (flag == "--threads") threads = std::stoi(value);
      else if (flag == "--steps") steps = std::stoi(value);
      else usage("unknown flag " + flag);
    } catch (const std::logic_error&) {
      usage("bad value '" + value + "' for " + flag);
    }
  }
  auto all = cases();
  auto it = all.find(name);
  if (it == all.end()) {
    std::string names;
    for (auto& [n, c] : all) names += " " + n;
    usage("unknown case '" + name + "' (cases:" + names + ")");
  }
  if (threads < 1) usage("--threads must be at least 1");
  set_num_threads(threads);
  manual_seed(0);
  const Case& c = it->second;
  if (steps < 1) steps = c.default_steps;
  std::function<void()> step = c.setup();
  const int warmup = std::max(3, steps / 10);
  for (int i = 0; i < warmup; ++i) step();
  const int64_t allocs_before = allocator_stats().system_allocations;
  const int64_t heap_before = g_heap_allocations.load();
  auto t0 = Clock::now();
  for (int i = 0; i < steps; ++i) step();
  const double per_step = seconds_since(t0) / steps;
  const int64_t allocs = allocator_stats().system_allocations - allocs_before;
  const int64_t heap = g_heap_allocations.load() - heap_before;
  std::printf("{\"case\": \"%s\", \"threads\": %d, \"cpu\": \"%s\", \"steps\": %d, \"seconds_per_step\": %.9g, "
              "\"samples_per_second\": %.6g, \"peak_rss_mb\": %.1f, \"buffer_allocations_per_step\": %.3g, "
              "\"heap_allocations_per_step\": %.3g",
              name.c_str(), threads, cpu_capability().c_str(), steps, per_step, c.batch / per_step, peak_rss_mb(),
              double(allocs) / steps, double(heap) / steps);
  if (const char* coretype = std::getenv("OPENBLAS_CORETYPE"); coretype && *coretype)
    std::printf(", \"openblas_coretype\": \"%s\"", coretype);
  if (name == "linear_gemm") std::printf(", \"raw_sgemm_seconds_per_step\": %.9g", raw_gemm_seconds(steps));
  std::printf("}\n");
  return 0;
}
