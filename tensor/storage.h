#pragma once
// The memory behind tensors. A Storage is one buffer shared by every view of it (views are
// TensorImpls with their own sizes, strides and offset); its version counter is bumped by every
// in-place write so autograd can tell when a tensor saved for backward was changed.
// Buffers come from a caching allocator: training repeats the same sizes every step, so after
// the first step no buffer goes back to the system or is asked for again.
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace descent {

void* allocate_bytes(size_t nbytes);               // 64-byte aligned, possibly a reused block
void deallocate_bytes(void* data, size_t nbytes);  // back into the cache, not to the system

struct AllocatorStats {
  int64_t system_allocations = 0;  // blocks ever requested from the system
  int64_t cache_hits = 0;          // requests served from the cache
  int64_t bytes_in_use = 0;
  int64_t bytes_cached = 0;        // freed blocks kept for reuse
};
AllocatorStats allocator_stats();
void empty_cache();  // returns every cached block to the system

struct Storage {
  explicit Storage(size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data;
  size_t nbytes;
  uint32_t version = 0;

  static int64_t live_count();  // storages alive right now (tests use it to find leaks)
};

}  // namespace descent
