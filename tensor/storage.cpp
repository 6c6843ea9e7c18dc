// The caching allocator and Storage. Sizes are rounded up to a class (four classes per power
// of two, so at most 25% waste) and freed blocks wait in a per-class free list for the next
// request of that class. A mutex guards the shared lists: an uncontended lock costs far less
// than the page faults of a fresh multi-megabyte malloc, which is what the cache saves; small
// blocks go through a lock-free per-thread list first.
#include "tensor/storage.h"

#include <bit>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

namespace descent {
namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kMaxCachedBytes = size_t(4) << 30;
constexpr int kClassesPerOctave = 4;

// Class index and rounded size: 64, 80, 96, 112, 128, 160, ... (four steps per octave).
size_t size_class(size_t nbytes, size_t* rounded) {
  nbytes = std::max(nbytes, kAlignment);
  int octave = std::bit_width(nbytes - 1) - 1;  // 2^octave < nbytes <= 2^(octave+1)
  size_t base = size_t(1) << octave;
  size_t step = std::max(base / kClassesPerOctave, kAlignment);
  size_t r = (nbytes + step - 1) / step * step;
  *rounded = r;
  return size_t(octave) * kClassesPerOctave + (r - base) / step;
}

struct Cache {
  std::mutex mutex;
  std::vector<std::vector<void*>> free_lists;
  int64_t bytes_cached = 0;
};
Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: storages may die during static destruction
  return *c;
}

// Counters are atomics so that the per-thread fast path below needs no lock.
std::atomic<int64_t> g_system_allocations{0}, g_cache_hits{0};
std::atomic<int64_t> g_live_storages{0};

// Small blocks (scalars, biases, per-op temporaries) come and go at every op; each thread keeps
// a few per class so that the common case takes no lock at all.
constexpr size_t kSmallBytes = 32 << 10;
constexpr size_t kSmallClasses = 15 * kClassesPerOctave + 1;  // every class up to kSmallBytes (class 60 is 32 KiB)
constexpr size_t kThreadDepth = 16;
struct ThreadCache {
  std::vector<void*> lists[kSmallClasses];
  size_t class_bytes[kSmallClasses] = {};  // the rounded size of each class's blocks
};
thread_local ThreadCache* t_cache = nullptr;  // trivially destructible: safe to read at exit
struct ThreadCacheOwner {
  ThreadCache cache;
  ThreadCacheOwner() { t_cache = &cache; }
  ~ThreadCacheOwner() {  // hand the blocks to the shared cache when the thread ends
    t_cache = nullptr;
    Cache& c = descent::cache();
    std::lock_guard lock(c.mutex);
    if (c.free_lists.size() < kSmallClasses) c.free_lists.resize(kSmallClasses);
    for (size_t cls = 0; cls < kSmallClasses; ++cls) {
      const int64_t bytes = int64_t(cache.class_bytes[cls] * cache.lists[cls].size());
      c.free_lists[cls].insert(c.free_lists[cls].end(), cache.lists[cls].begin(), cache.lists[cls].end());
      c.bytes_cached += bytes;
    }
  }
};
ThreadCache* thread_cache() {
  thread_local ThreadCacheOwner owner;
  return t_cache;
}

}  // namespace

void* allocate_bytes(size_t nbytes) {
  // Beyond 2^62 bytes no system has the memory, and rounding up to a size class could wrap.
  if (nbytes > size_t(1) << 62) throw std::bad_alloc();
  size_t rounded;
  size_t cls = size_class(nbytes, &rounded);
  if (rounded <= kSmallBytes) {
    if (ThreadCache* tc = thread_cache(); tc && !tc->lists[cls].empty()) {
      void* p = tc->lists[cls].back();
      tc->lists[cls].pop_back();
      return p;
    }
  }
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    if (cls < c.free_lists.size() && !c.free_lists[cls].empty()) {
      void* p = c.free_lists[cls].back();
      c.free_lists[cls].pop_back();
      c.bytes_cached -= int64_t(rounded);
      ++g_cache_hits;
      return p;
    }
  }
  ++g_system_allocations;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (!p) throw std::bad_alloc();
  return p;
}

void deallocate_bytes(void* data, size_t nbytes) {
  size_t rounded;
  size_t cls = size_class(nbytes, &rounded);
  if (rounded <= kSmallBytes) {
    if (ThreadCache* tc = t_cache; tc && tc->lists[cls].size() < kThreadDepth) {
      tc->lists[cls].push_back(data);
      tc->class_bytes[cls] = rounded;
      return;
    }
  }
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    if (c.bytes_cached + int64_t(rounded) <= int64_t(kMaxCachedBytes)) {
      if (cls >= c.free_lists.size()) c.free_lists.resize(cls + 1);
      c.free_lists[cls].push_back(data);
      c.bytes_cached += int64_t(rounded);
      return;
    }
  }
  std::free(data);
}

AllocatorStats allocator_stats() {
  AllocatorStats s;
  s.system_allocations = g_system_allocations.load();
  s.cache_hits = g_cache_hits.load();
  std::lock_guard lock(cache().mutex);
  s.bytes_cached = cache().bytes_cached;
  return s;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  for (auto& list : c.free_lists) {
    for (void* p : list) std::free(p);
    list.clear();
  }
  c.bytes_cached = 0;
}

Storage::Storage(size_t n) : data(allocate_bytes(n)), nbytes(n) { ++g_live_storages; }
Storage::~Storage() {
  deallocate_bytes(data, nbytes);
  --g_live_storages;
}
int64_t Storage::live_count() { return g_live_storages.load(); }

}  // namespace descent
