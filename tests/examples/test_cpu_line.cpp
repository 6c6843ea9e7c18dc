// Every example's first line of output names the kernel set it runs, the CPU and the threads
// (examples/common/cpu_line.h):   cpu: avx2 (AMD EPYC 7B13 64-Core Processor, 2 threads)
// so that a time or an accuracy copied from the output says where it was measured. The line
// follows --threads and DESCENT_CPU; --help and flag errors stay as they were.
#include <fstream>
#include <regex>
#include <sstream>

#include "programs.h"
#include "small_datasets.h"

using test::Outcome;
using test::run_example;
using test::scratch;

namespace {

struct CpuLine {
  std::string capability, model;
  int threads = 0;
};

// The first stdout line, which must have the form above (the model left out where the system
// does not say it).
CpuLine first_line(const Outcome& o) {
  INFO("status " << o.status << "\nstdout:\n" << o.out << "stderr:\n" << o.err);
  REQUIRE(o.status == 0);
  REQUIRE(!o.out_lines().empty());
  static const std::regex form(R"(cpu: (baseline|avx2|avx512|neon) \((?:(.+), )?(\d+) threads?\))");
  std::smatch m;
  const std::string line = o.out_lines().front();
  INFO("first line: " << line);
  REQUIRE(std::regex_match(line, m, form));
  return {m[1].str(), m[2].str(), std::stoi(m[3].str())};
}

// /proc/cpuinfo's first "model name", one space between words; empty where there is none.
std::string model_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::string name, word;
    while (words >> word) name += (name.empty() ? "" : " ") + word;
    return name;
  }
  return "";
}

}  // namespace

TEST_CASE("a training program's first line names the CPU path, the CPU model and the threads") {
  const CpuLine two = first_line(run_example("iris_hinge", "--epochs 1 --threads 2"));
  CHECK(two.threads == 2);
  CHECK(two.model == model_name());
  CHECK(first_line(run_example("iris_hinge", "--epochs 1 --threads 1")).threads == 1);
}

TEST_CASE("with DESCENT_CPU=baseline the first line says baseline") {
  Outcome o = run_example("iris_hinge", "--epochs 1", "DESCENT_CPU=baseline");
  CHECK(first_line(o).capability == "baseline");
  CHECK(o.err.empty());  // the plain path runs on every CPU: nothing to warn about
}

TEST_CASE("every example program starts with the cpu line") {
  const std::string mnist = scratch("cpu_line_mnist"), cifar = scratch("cpu_line_cifar");
  test::write_mnist_folder(mnist, 64, 20);
  test::write_cifar_binary(cifar, 10, 20);
  const std::string text = scratch("cpu_line_text.txt");
  std::ofstream(text) << std::string(200, 'a') + std::string(200, 'b');
  const std::vector<std::pair<std::string, std::string>> runs = {
      {"linear_regression", "--epochs 1 --variant batch"},
      {"iris_hinge", "--epochs 1"},
      {"mnist_mlp", "--epochs 1 --data " + mnist},
      {"mnist_cnn", "--epochs 1 --model lenet5 --data " + mnist},
      {"cifar_cnn", "--epochs 1 --data " + cifar},
      {"optimizer_paths", "--out " + scratch("cpu_line_paths")},
      {"autograd_tour", "--out " + scratch("cpu_line_tour")},
      {"char_gpt", "--data " + text + " --max-iters 1 --n-layer 1 --n-head 1 --n-embd 8 --block-size 8 --eval-iters 1"},
      {"maml_sinusoid", "--iterations 1 --meta-batch 1"}};
  for (const auto& [program, args] : runs) {
    INFO(program << " " << args);
    first_line(run_example(program, args));
  }
}

TEST_CASE("--help and a flag error print no cpu line") {
  Outcome help = run_example("mnist_mlp", "--help");
  REQUIRE(help.status == 0);
  CHECK(help.out.rfind("usage: mnist_mlp", 0) == 0);
  Outcome bad = run_example("iris_hinge", "--l2 much");
  test::require_usage_error(bad, "iris_hinge", "--l2");
  CHECK(bad.out.empty());
}

TEST_CASE("DESCENT_CPU asking for more than the CPU has falls back to the best it has, with one warning line") {
  // /proc/cpuinfo says whether this CPU has AVX-512; where it does, avx512 is no fallback.
  std::ifstream in("/proc/cpuinfo");
  const std::string info((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const bool has_avx2 = info.find(" avx2") != std::string::npos, has_avx512 = info.find(" avx512f") != std::string::npos;
  if (has_avx512 || !has_avx2) {
    std::printf("skipped: this CPU %s\n", has_avx512 ? "has AVX-512" : "has no AVX2");
    return;
  }
  Outcome o = run_example("iris_hinge", "--epochs 1", "DESCENT_CPU=avx512");
  CHECK(first_line(o).capability == "avx2");
  CHECK(o.err == "descent: DESCENT_CPU=avx512: this CPU lacks avx512, using avx2\n");
}

TEST_CASE("an unknown DESCENT_CPU is named in one warning line and the best path runs") {
  Outcome o = run_example("iris_hinge", "--epochs 1", "DESCENT_CPU=sse9");
  const CpuLine line = first_line(o);
  CHECK(o.err == "descent: DESCENT_CPU=sse9 is not one of baseline|avx2|avx512, using " + line.capability + "\n");
}
