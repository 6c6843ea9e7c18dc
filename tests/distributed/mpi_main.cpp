// The main of test_distributed_mpi, which runs as one process per rank under mpirun: it joins
// the process group, runs the Catch2 tests (the same ones, in the same order, on every rank, so
// that their collectives pair up), and reports. Each rank runs one thread: several ranks share
// two cores. Output of ranks other than 0 is kept short (failures and the totals only).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <descent/distributed.h>

int main(int argc, char** argv) {
  descent::set_num_threads(1);
  descent::distributed::init_process_group();
  const int rank = descent::distributed::get_rank();
  Catch::Session session;
  if (int status = session.applyCommandLine(argc, argv); status != 0) return status;
  if (rank != 0) session.configData().reporterName = "compact";
  const int failed = session.run();
  // A rank whose test failed may have skipped collectives the others wait in: end them all now
  // rather than at the timeout.
  if (failed != 0 && descent::distributed::get_world_size() > 1) {
    std::fprintf(stderr, "rank %d: %d test(s) failed; ending the job\n", rank, failed);
    descent::distributed::default_group().abort(1);
  }
  descent::distributed::destroy_process_group();
  return failed == 0 ? 0 : 1;
}
