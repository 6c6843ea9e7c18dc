#pragma once
// Threads. Every parallel loop in descent goes through parallel_for, which is oneTBB's
// parallel_for when the range is worth splitting and a plain call otherwise.
// OpenBLAS always runs single-threaded: our kernels split GEMMs across oneTBB's threads
// themselves, so two thread pools never spin against each other on the same cores.
#include <cstdint>

namespace descent {

void set_num_threads(int n);  // oneTBB's threads for every kernel (OpenBLAS stays at 1 per call)
int get_num_threads();

namespace detail {
void tbb_parallel_for(int64_t begin, int64_t end, int64_t grain, void (*call)(void*, int64_t, int64_t),
                      void* body);
}

// Runs body(b, e) over consecutive pieces of [begin, end), each at least `grain` long (except
// possibly the last); serially when the range is no longer than `grain` or with one thread.
template <class F> void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& body) {
  if (end <= begin) return;
  if (end - begin <= grain || get_num_threads() == 1) {
    body(begin, end);
    return;
  }
  detail::tbb_parallel_for(
      begin, end, grain,
      [](void* f, int64_t b, int64_t e) { (*static_cast<const F*>(f))(b, e); },
      const_cast<void*>(static_cast<const void*>(&body)));
}

}  // namespace descent
