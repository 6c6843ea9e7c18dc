// distributed_misbehave --mode MODE: a job in which rank 1 does something wrong, for the tests
// that check a job fails quickly and says why (tests/distributed/test_jobs.cpp):
//   hang           rank 1 never calls the all_reduce rank 0 waits in (it sleeps)
//   leave          rank 1 leaves the group cleanly (destroy_process_group) and exits instead
//   vanish         rank 1 exits at once, without leaving the group
//   skip           rank 1 skips an all_reduce and calls the broadcast that follows
//   size           rank 1 all-reduces 20 elements where rank 0 all-reduces 10
//   fine           nobody misbehaves
// Rank 0 always calls barrier, all_reduce of 10 floats, broadcast of 10 floats, then prints
// "done". Errors are printed as one line, "misbehave: rank R: <what>", and exit status 2.
#include <descent/distributed.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

using namespace descent;
namespace dist = descent::distributed;

int main(int argc, char** argv) {
  const std::string mode = argc == 3 && std::strcmp(argv[1], "--mode") == 0 ? argv[2] : "";
  if (mode.empty()) {
    std::fprintf(stderr, "usage: distributed_misbehave --mode hang|leave|vanish|skip|size|fine\n");
    return 2;
  }
  dist::init_process_group();
  const int rank = dist::get_rank();
  try {
    dist::barrier();
    const bool culprit = rank == 1;
    if (culprit && mode == "hang") std::this_thread::sleep_for(std::chrono::seconds(120));
    if (culprit && mode == "leave") {
      dist::destroy_process_group();
      return 0;
    }
    if (culprit && mode == "vanish") std::_Exit(0);
    Tensor ten = ones({10});
    Tensor twenty = ones({20});
    if (culprit && mode == "size") dist::all_reduce(twenty);
    else if (!(culprit && mode == "skip")) dist::all_reduce(ten);
    dist::broadcast(ten, 0);
    std::printf("rank %d: done\n", rank);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "misbehave: rank %d: %s\n", rank, e.what());
    return 2;
  }
  dist::destroy_process_group();
  return 0;
}
