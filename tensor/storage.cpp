// The caching allocator and Storage. Sizes are rounded up to a class (four classes per power
// of two, so at most 25% waste) and freed blocks wait in a per-class free list for the next
// request of that class. A single mutex guards the lists: an uncontended lock costs far less
// than the page faults of a fresh multi-megabyte malloc, which is what the cache saves.
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
  AllocatorStats stats;
};
Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: storages may die during static destruction
  return *c;
}

std::atomic<int64_t> g_live_storages{0};

}  // namespace

void* allocate_bytes(size_t nbytes) {
  size_t rounded;
  size_t cls = size_class(nbytes, &rounded);
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    c.stats.bytes_in_use += int64_t(rounded);
    if (cls < c.free_lists.size() && !c.free_lists[cls].empty()) {
      void* p = c.free_lists[cls].back();
      c.free_lists[cls].pop_back();
      c.stats.bytes_cached -= int64_t(rounded);
      ++c.stats.cache_hits;
      return p;
    }
    ++c.stats.system_allocations;
  }
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (!p) throw std::bad_alloc();
  return p;
}

void deallocate_bytes(void* data, size_t nbytes) {
  size_t rounded;
  size_t cls = size_class(nbytes, &rounded);
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    c.stats.bytes_in_use -= int64_t(rounded);
    if (c.stats.bytes_cached + int64_t(rounded) <= int64_t(kMaxCachedBytes)) {
      if (cls >= c.free_lists.size()) c.free_lists.resize(cls + 1);
      c.free_lists[cls].push_back(data);
      c.stats.bytes_cached += int64_t(rounded);
      return;
    }
  }
  std::free(data);
}

AllocatorStats allocator_stats() {
  std::lock_guard lock(cache().mutex);
  return cache().stats;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  for (auto& list : c.free_lists) {
    for (void* p : list) std::free(p);
    list.clear();
  }
  c.stats.bytes_cached = 0;
}

Storage::Storage(size_t n) : data(allocate_bytes(n)), nbytes(n) { ++g_live_storages; }
Storage::~Storage() {
  deallocate_bytes(data, nbytes);
  --g_live_storages;
}
int64_t Storage::live_count() { return g_live_storages.load(); }

}  // namespace descent
