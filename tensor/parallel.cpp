// oneTBB behind parallel_for, and the thread-count setting shared with OpenBLAS.
// The template in parallel.h forwards through a function pointer so that only this file
// includes oneTBB's headers.
#include "tensor/parallel.h"

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <thread>

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
void tbb_parallel_for(int64_t begin, int64_t end, int64_t grain, void (*call)(void*, int64_t, int64_t),
                      void* body) {
  tbb::parallel_for(tbb::blocked_range<int64_t>(begin, end, size_t(std::max<int64_t>(grain, 1))),
                    [&](const tbb::blocked_range<int64_t>& r) { call(body, r.begin(), r.end()); });
}
}  // namespace detail

}  // namespace descent
