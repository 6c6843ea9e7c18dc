// The training programs when things go wrong during a run: a loss that turns NaN or infinite
// stops the run within its epoch with one line naming the epoch, the step, the learning rate
// and where the first non-finite value came from; a run killed at any moment (mid-epoch or
// mid-checkpoint) leaves checkpoints that load and resume exactly; files given as folders are
// named in one line.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <regex>
#include <thread>

#include "programs.h"
#include "small_datasets.h"

using test::Outcome;
using test::require_usage_error;
using test::run_example;
using test::scratch;
namespace fs = std::filesystem;

namespace {

// The one stderr line of a run stopped by a non-finite loss (common/training.h, check_finite).
const std::regex kNonFinite(
    R"((\w+): the (loss|gradient norm) is (-?nan|-?inf) at epoch (\d+), step (\d+) \(lr ([^)]+)\): )"
    R"((parameter '[\w.]+' already holds NaN or Inf \(the previous update overflowed; try a smaller --lr\))"
    R"(|under anomaly mode (backward of )?'\w+' produced (nan|inf) in [^;]*)(; \S+ still holds epoch (\d+))?)");

// Starts build/examples/<program> with `args`, its stdout into a pipe; returns the pid.
pid_t start(const std::string& program, const std::vector<std::string>& args, int* stdout_fd) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const std::string path = std::string(DESCENT_BINARY_DIR) + "/examples/" + program;
  std::vector<char*> argv{const_cast<char*>(path.c_str())};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  *stdout_fd = fds[0];
  return pid;
}

// Reads the child's stdout until a line starts with `prefix`; false at end of output.
bool wait_for_line(int fd, const std::string& prefix) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1) {
    if (c != '\n') {
      line += c;
      continue;
    }
    if (line.rfind(prefix, 0) == 0) return true;
    line.clear();
  }
  return false;
}

}  // namespace

TEST_CASE("mnist_mlp with --lr 1e6 stops within the epoch the loss turns non-finite, naming where it came from") {
  const std::string dir = scratch("nonfinite_mnist");
  test::write_mnist_folder(dir, 640, 200);
  const std::string ckpt = scratch("nonfinite.ckpt"), metrics = scratch("nonfinite.csv");
  // A checkpoint of an earlier, healthy run at the same path must survive untouched.
  REQUIRE(run_example("mnist_mlp", "--data " + dir + " --epochs 1 --threads 2 --checkpoint " + ckpt).status == 0);
  const std::string before = test::slurp(ckpt);
  Outcome o = run_example("mnist_mlp", "--data " + dir + " --epochs 3 --threads 2 --lr 1e6 --checkpoint " + ckpt +
                                           " --metrics " + metrics);
  INFO("status " << o.status << "\nstdout:\n" << o.out << "stderr:\n" << o.err);
  REQUIRE(o.status == 2);
  const std::vector<std::string> err = o.err_lines();  // (kept: the match points into it)
  REQUIRE(err.size() == 1);
  std::smatch m;
  REQUIRE(std::regex_match(err[0], m, kNonFinite));
  REQUIRE(m[1] == "mnist_mlp");
  REQUIRE(m[4] == "1");  // within the first epoch: no epoch line, no metrics row, no checkpoint
  REQUIRE(m[6] == "1e+06");
  REQUIRE(o.out.find("epoch 1/3") == std::string::npos);
  REQUIRE(test::slurp(ckpt) == before);
  REQUIRE(!fs::exists(metrics));
}

TEST_CASE("mnist_mlp killed at random moments with --checkpoint resumes exactly from its last complete epoch") {
  const std::string dir = scratch("kill_mnist");
  test::write_mnist_folder(dir, 3000, 200);
  const std::vector<std::string> flags = {"--data", dir, "--epochs", "4", "--threads", "2", "--batch-size", "32"};
  const std::string straight = scratch("kill_straight.csv");
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> all = flags;
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  };
  std::string command;
  for (const std::string& f : with({"--metrics", straight})) command += " " + f;
  REQUIRE(run_example("mnist_mlp", command).status == 0);
  const auto expected = test::csv_without_seconds(straight);
  REQUIRE(expected.size() == 5);

  std::mt19937 random(42);
  for (int round = 0; round < 4; ++round) {
    const std::string ckpt = scratch("kill_" + std::to_string(round) + ".ckpt");
    int out = -1;
    const pid_t pid = start("mnist_mlp", with({"--checkpoint", ckpt}), &out);
    // Wait for the first epoch's line (its checkpoint is being written right after it), then
    // kill at a random moment of the epochs that follow.
    REQUIRE(wait_for_line(out, "epoch 1/4"));
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 300)(random)));
    ::kill(pid, SIGKILL);
    ::close(out);
    int status = 0;
    ::waitpid(pid, &status, 0);
    // On a fast machine the run may have ended before the kill: then there is nothing to resume
    // (its last checkpoint is epoch 4), and the round only checks that the file is whole.
    const bool killed = WIFSIGNALED(status);
    const std::string resumed_csv = scratch("kill_resumed_" + std::to_string(round) + ".csv");
    std::string resume;
    for (const std::string& f : with({"--resume", ckpt, "--metrics", resumed_csv})) resume += " " + f;
    Outcome o = run_example("mnist_mlp", resume);
    INFO("round " << round << "\nstdout:\n" << o.out << "stderr:\n" << o.err);
    REQUIRE(o.status == 0);
    REQUIRE(o.out.rfind("resumed from " + ckpt + " after epoch ") != std::string::npos);
    if (killed) REQUIRE(test::csv_without_seconds(resumed_csv) == expected);
    else REQUIRE(o.out.find("after epoch 4") != std::string::npos);
  }
}

TEST_CASE("a folder given where the programs expect a file is named in one line") {
  const std::string folder = scratch("a_folder");
  fs::create_directories(folder);
  require_usage_error(run_example("iris_hinge", "--data " + folder), "iris_hinge",
                      "iris: " + folder + ": is a folder, not a file");
  require_usage_error(run_example("iris_hinge", "--epochs 1 --metrics " + folder), "iris_hinge",
                      "metrics: cannot write " + folder + ": is a folder, not a file");
  require_usage_error(run_example("iris_hinge", "--epochs 1 --checkpoint " + folder), "iris_hinge",
                      "checkpoint " + folder + ": is a folder, not a file");
  require_usage_error(run_example("iris_hinge", "--epochs 1 --resume " + folder), "iris_hinge",
                      "checkpoint " + folder + ": is a folder, not a file");
  require_usage_error(run_example("iris_hinge", "--epochs 1 --plot " + folder), "iris_hinge", folder);
}
