// Whole jobs under mpirun, started from this (single-process) test: jobs that must fail, and
// fail fast with a line that says why, instead of hanging. Each job runs with one thread per
// rank and a short collective timeout.
#include <chrono>
#include <cmath>
#include <filesystem>

#include "programs.h"

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
    REQUIRE(job.outcome.status != 0);
    REQUIRE(job.seconds < 60);
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
