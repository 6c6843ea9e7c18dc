// oneTBB behind parallel_for, and the thread-count setting shared with OpenBLAS.
// The template in parallel.h forwards through a function pointer so that only this file
// includes oneTBB's headers.
#include "tensor/parallel.h"

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tensor/check.h"

extern "C" void openblas_set_num_threads(int);

namespace descent {
namespace {

struct ThreadSetting {
  std::mutex mutex;
  int threads = std::max(1u, std::thread::hardware_concurrency());
  std::unique_ptr<tbb::global_control> control;
};
ThreadSetting& setting() {
  static ThreadSetting* s = [] {
    auto* st = new ThreadSetting;
    openblas_set_num_threads(1);  // see parallel.h: we split GEMMs ourselves
    return st;
  }();
  return *s;
}

// Settle the setting (and OpenBLAS's single thread) when the library loads, before any LAPACK
// or BLAS call can happen.
[[maybe_unused]] const int g_settled = (setting(), 0);

}  // namespace

void set_num_threads(int n) {
  CHECK(n >= 1, "set_num_threads: expected at least 1 thread, got ", n);
  ThreadSetting& s = setting();
  std::lock_guard lock(s.mutex);
  s.control.reset();  // only one global_control of a kind may be in force
  s.control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, size_t(n));
  s.threads = n;
  openblas_set_num_threads(1);
}

int get_num_threads() { return setting().threads; }

namespace detail {
#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer sees only the synchronization done by instrumented code, and oneTBB is a
// prebuilt library: every hand-off through its pool would be reported as a data race. So a TSan
// build (CI's ThreadSanitizer step, -DDESCENT_TSAN=ON) runs the pieces on plain threads started
// and joined here, which TSan does see; what it then checks is the kernels' own accesses. The
// pieces are as many as threads, each at least `grain` long; an exception reaches the caller.
void tbb_parallel_for(int64_t begin, int64_t end, int64_t grain, void (*call)(void*, int64_t, int64_t),
                      void* body) {
  grain = std::max<int64_t>(grain, 1);
  const int64_t pieces = std::min<int64_t>(get_num_threads(), (end - begin + grain - 1) / grain);
  const int64_t step = (end - begin + pieces - 1) / pieces;
  std::vector<std::exception_ptr> errors(static_cast<size_t>(pieces));
  std::vector<std::thread> workers;
  auto run = [&](int64_t p) {
    try {
      call(body, begin + p * step, std::min(end, begin + (p + 1) * step));
    } catch (...) {
      errors[size_t(p)] = std::current_exception();
    }
  };
  for (int64_t p = 1; p < pieces; ++p) workers.emplace_back(run, p);
  run(0);
  for (std::thread& w : workers) w.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}
#else
void tbb_parallel_for(int64_t begin, int64_t end, int64_t grain, void (*call)(void*, int64_t, int64_t),
                      void* body) {
  tbb::parallel_for(tbb::blocked_range<int64_t>(begin, end, size_t(std::max<int64_t>(grain, 1))),
                    [&](const tbb::blocked_range<int64_t>& r) { call(body, r.begin(), r.end()); });
}
#endif
}  // namespace detail

}  // namespace descent
