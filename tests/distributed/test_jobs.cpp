// Whole jobs under mpirun, started from this (single-process) test: jobs that must fail, and
// fail fast with a line that says why, instead of hanging; and the example programs with
// --distributed. Each job runs with one thread per rank and a short collective timeout.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "programs.h"
#include "small_datasets.h"

namespace {

struct Job {
  test::Outcome outcome;
  double seconds = 0;
};

// mpirun -np `ranks` <binary> <args>, with `environment` (shell words) set for the job.
Job run_job(int ranks, const std::string& binary, const std::string& args, const std::string& environment = "",
            const std::string& mpi_flags = "") {
  static int counter = 0;
  const std::string stem = test::scratch("job" + std::to_string(++counter));
  const std::string command = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 " +
                              environment + " " + DESCENT_MPIEXEC + " -np " + std::to_string(ranks) + " " +
                              DESCENT_MPIEXEC_FLAGS + " " + mpi_flags + " " + binary + " " + args + " > " + stem +
                              ".out 2> " + stem + ".err";
  const auto t0 = std::chrono::steady_clock::now();
  const int raw = std::system(command.c_str());
  Job job;
  job.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  job.outcome.status = (raw != -1 && WIFEXITED(raw)) ? WEXITSTATUS(raw) : -1;
  job.outcome.out = test::slurp(stem + ".out");
  job.outcome.err = test::slurp(stem + ".err");
  return job;
}

const std::string kMisbehave = std::string(DESCENT_BINARY_DIR) + "/tests/distributed/distributed_misbehave";

Job misbehave(const std::string& mode, const std::string& environment = "") {
  return run_job(2, kMisbehave, "--mode " + mode, "DESCENT_DISTRIBUTED_TIMEOUT=3 " + environment);
}

}  // namespace

TEST_CASE("a job whose ranks all behave runs to the end") {
  Job job = misbehave("fine");
  INFO(job.outcome.err);
  REQUIRE(job.outcome.status == 0);
  REQUIRE(job.outcome.out.find("rank 0: done") != std::string::npos);
  REQUIRE(job.outcome.out.find("rank 1: done") != std::string::npos);
}

TEST_CASE("a collective that never completes ends the job within the timeout, with one line naming it") {
  Job job = misbehave("hang");  // rank 1 sleeps 120 s; the timeout is 3 s
  INFO(job.outcome.err);
  REQUIRE(job.outcome.status != 0);
  REQUIRE(job.seconds < 60);
  REQUIRE(job.outcome.err.find("descent.distributed: rank 0: all_reduce #2 (float32, 10 elements, SUM) did not "
                               "complete within 3 s; aborting the job") != std::string::npos);
}

TEST_CASE("a rank that leaves early makes the job fail within the timeout, not hang") {
  for (const char* mode : {"leave", "vanish"}) {
    Job job = misbehave(mode);
    INFO(mode << ": " << job.seconds << " s\n" << job.outcome.err);
    REQUIRE(job.seconds < 60);
    REQUIRE(job.outcome.out.find("rank 0: done") == std::string::npos);  // rank 0 never got past it
    // MPICH's launcher ends the job when a rank exits without finalizing, but with that rank's
    // status, 0 here; Open MPI's reports the job as failed.
    if (std::string(mode) == "vanish" && !DESCENT_MPI_IS_OPEN_MPI) continue;
    REQUIRE(job.outcome.status != 0);
    // Either our watchdog named the collective, or the launcher noticed the missing rank first.
    const bool named = job.outcome.err.find("descent.distributed: rank 0: all_reduce #2") != std::string::npos;
    const bool launcher = job.outcome.err.find("rank 1") != std::string::npos ||
                          job.outcome.err.find("exiting improperly") != std::string::npos;
    REQUIRE((named || launcher));
  }
}

TEST_CASE("DESCENT_DISTRIBUTED_DEBUG=DETAIL names both sides of mismatched collectives") {
  Job skip = misbehave("skip", "DESCENT_DISTRIBUTED_DEBUG=DETAIL");
  INFO(skip.outcome.err);
  REQUIRE(skip.outcome.status == 2);
  REQUIRE(skip.outcome.err.find("misbehave: rank 0: mismatch between collectives: rank 0 calls all_reduce #2 (float32, "
                                "10 elements, SUM), rank 1 calls broadcast #2 (float32, 10 elements, root 0)") !=
          std::string::npos);
  REQUIRE(skip.outcome.err.find("misbehave: rank 1: mismatch between collectives: rank 1 calls broadcast #2") !=
          std::string::npos);
  Job size = misbehave("size", "DESCENT_DISTRIBUTED_DEBUG=DETAIL");
  INFO(size.outcome.err);
  REQUIRE(size.outcome.status == 2);
  REQUIRE(size.outcome.err.find("rank 0 calls all_reduce #2 (float32, 10 elements, SUM), rank 1 calls all_reduce #2 "
                                "(float32, 20 elements, SUM)") != std::string::npos);
}

// ---- The programs under mpirun, on small MNIST-format folders the tests write ---------------

namespace {

const std::string kExamples = std::string(DESCENT_BINARY_DIR) + "/examples/";

// "final test_loss=<x> test_accuracy=<y>": its two numbers.
std::pair<double, double> final_numbers(const Job& job) {
  double loss = NAN, accuracy = NAN;
  INFO("stdout:\n" << job.outcome.out << "stderr:\n" << job.outcome.err);
  REQUIRE(test::final_line(job.outcome, loss, accuracy));
  return {loss, accuracy};
}

int count_lines_starting(const std::string& text, const std::string& prefix) {
  int n = 0;
  for (const auto& line : test::Outcome::lines(text)) n += line.rfind(prefix, 0) == 0;
  return n;
}

// The example programs exist only in a build with DESCENT_BUILD_EXAMPLES.
bool skipped_without(const std::string& program) {
  if (std::filesystem::exists(kExamples + program)) return false;
  std::printf("skipped: %s was not built (DESCENT_BUILD_EXAMPLES=OFF)\n", program.c_str());
  return true;
}

std::string mnist_folder() {
  static const std::string dir = [] {
    const std::string d = test::scratch("mnist_small");
    test::write_mnist_folder(d, 640, 200);
    return d;
  }();
  return dir;
}

}  // namespace

TEST_CASE("mnist_cnn --distributed: 2 ranks reach 1 rank's loss and accuracy at the same global batch") {
  if (skipped_without("mnist_cnn")) return;
  // LeNet-5 has no dropout, so both runs take the same steps but for rounding: the sampler gives
  // the 2 ranks' halves of exactly 1 rank's global batches.
  const std::string args = "--data " + mnist_folder() + " --model lenet5 --epochs 2 --batch-size 64 --seed 3 --distributed";
  Job one = run_job(1, kExamples + "mnist_cnn", args + " --metrics " + test::scratch("cnn_w1.csv"));
  Job two = run_job(2, kExamples + "mnist_cnn", args + " --metrics " + test::scratch("cnn_w2.csv"));
  REQUIRE(one.outcome.status == 0);
  REQUIRE(two.outcome.status == 0);
  auto [loss1, accuracy1] = final_numbers(one);
  auto [loss2, accuracy2] = final_numbers(two);
  INFO("1 rank: " << loss1 << " " << accuracy1 << ", 2 ranks: " << loss2 << " " << accuracy2);
  REQUIRE(accuracy1 > 0.5);  // the runs did learn (10 classes: chance is 0.1)
  REQUIRE(accuracy2 == accuracy1);
  REQUIRE(std::fabs(loss2 - loss1) <= 1e-3 * std::fabs(loss1));
  REQUIRE(count_lines_starting(two.outcome.out, "final ") == 1);  // rank 0 alone prints
  REQUIRE(count_lines_starting(two.outcome.out, "epoch 2/2") == 1);
  REQUIRE(test::Outcome::lines(test::slurp(test::scratch("cnn_w2.csv"))).size() == 3);
}

TEST_CASE("mnist_cnn --distributed: the small CNN (dropout) trains at 2 ranks, and its checkpoint resumes at 1 rank") {
  if (skipped_without("mnist_cnn")) return;
  const std::string ckpt = test::scratch("two_ranks.ckpt");
  const std::string args = "--data " + mnist_folder() + " --epochs 2 --batch-size 64 --seed 5";
  Job two = run_job(2, kExamples + "mnist_cnn", args + " --distributed --checkpoint " + ckpt);
  REQUIRE(two.outcome.status == 0);
  const double accuracy = final_numbers(two).second;
  REQUIRE(accuracy > 0.9);
  REQUIRE(std::filesystem::exists(ckpt + ".epoch1"));
  // At 1 rank with --distributed, epoch 2 sees the same global batches: the same result but
  // for rounding and the dropout masks (each rank draws its own).
  Job resumed = run_job(1, kExamples + "mnist_cnn", args + " --distributed --resume " + ckpt + ".epoch1");
  REQUIRE(resumed.outcome.status == 0);
  REQUIRE(resumed.outcome.out.find("resumed from " + ckpt + ".epoch1 after epoch 1") != std::string::npos);
  REQUIRE(resumed.outcome.out.find("epoch 1/2") == std::string::npos);
  REQUIRE(final_numbers(resumed).second > 0.9);
  // And by the program alone, without mpirun.
  test::Outcome alone = test::run_example("mnist_cnn", args + " --resume " + ckpt + ".epoch1");
  INFO(alone.out << alone.err);
  REQUIRE(alone.status == 0);
  REQUIRE(test::final_accuracy(alone) > 0.9);
}

TEST_CASE("mnist_cnn --distributed with a global batch that does not split over the ranks: the line, and the job ends") {
  if (skipped_without("mnist_cnn")) return;
  Job job = run_job(3, kExamples + "mnist_cnn", "--data " + mnist_folder() + " --batch-size 64 --distributed");
  INFO(job.outcome.err);
  REQUIRE(job.outcome.status != 0);
  REQUIRE(job.outcome.err.find("mnist_cnn: bad value '64' for --batch-size (the global batch must split evenly over "
                               "the 3 ranks)") != std::string::npos);
}

TEST_CASE("fedavg_mnist --distributed: the clients of a round spread over 2 ranks give one process's rounds") {
  if (skipped_without("fedavg_mnist")) return;
  const std::string args = "--data " + mnist_folder() + " --model 2nn --clients 8 --fraction 0.5 --local-epochs 1 " +
                           "--local-batch 10 --rounds 3 --split noniid --lr 0.05 --seed 1";
  Job one = run_job(1, kExamples + "fedavg_mnist", args + " --metrics " + test::scratch("fed_w1.csv"));
  Job two = run_job(2, kExamples + "fedavg_mnist", args + " --distributed --metrics " + test::scratch("fed_w2.csv"));
  INFO(one.outcome.out << one.outcome.err << two.outcome.out << two.outcome.err);
  REQUIRE(one.outcome.status == 0);
  REQUIRE(two.outcome.status == 0);
  const auto a = test::Outcome::lines(test::slurp(test::scratch("fed_w1.csv")));
  const auto b = test::Outcome::lines(test::slurp(test::scratch("fed_w2.csv")));
  REQUIRE(a.size() == 4);
  REQUIRE(b.size() == 4);
  for (size_t i = 1; i < a.size(); ++i) {  // round, train_loss, test_loss, test_accuracy: equal to rounding
    auto cells = [](const std::string& line) {
      std::vector<double> v;
      std::istringstream in(line);
      for (std::string c; std::getline(in, c, ',');) v.push_back(std::stod(c));
      return v;
    };
    const auto x = cells(a[i]), y = cells(b[i]);
    REQUIRE(x[0] == y[0]);
    REQUIRE(std::fabs(x[1] - y[1]) <= 1e-5 * std::fabs(x[1]));
    REQUIRE(std::fabs(x[2] - y[2]) <= 1e-5 * std::fabs(x[2]));
    REQUIRE(x[3] == y[3]);
  }
  REQUIRE(count_lines_starting(two.outcome.out, "final rounds=3 ") == 1);
}
