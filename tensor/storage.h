#pragma once
// The memory behind tensors. A Storage is one buffer shared by every view of it (views are
// TensorImpls with their own sizes, strides and offset); its version counter is bumped by every
// in-place write so autograd can tell when a tensor saved for backward was changed.
// Buffers come from a caching allocator: training repeats the same sizes every step, so after
// the first step no buffer goes back to the system or is asked for again.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace descent {

// A tensor the system had no memory for: "zeros: cannot allocate 4398046511104 bytes for a float32
// tensor of shape [1099511627776, 4] (out of memory)". A std::bad_alloc, so that code catching
// failed allocations still catches it, with a message that says what was asked for.
class OutOfMemoryError : public std::bad_alloc {
 public:
  explicit OutOfMemoryError(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

void* allocate_bytes(size_t nbytes);               // 64-byte aligned, possibly a reused block
void deallocate_bytes(void* data, size_t nbytes);  // back into the cache, not to the system

// Counts of the shared cache (blocks under 32 KiB recycled within a thread are not counted:
// that path is kept free of atomic operations).
struct AllocatorStats {
  int64_t system_allocations = 0;  // blocks ever requested from the system
  int64_t cache_hits = 0;          // requests served from the shared cache
  int64_t bytes_cached = 0;        // freed blocks kept in the shared cache for reuse
};
AllocatorStats allocator_stats();

// A std allocator over the same cache, for the small objects made at every op (TensorImpl,
// Storage, Node): std::allocate_shared<T>(CachingAllocator<T>(), ...) then costs no malloc.
template <class T> struct CachingAllocator {
  using value_type = T;
  CachingAllocator() = default;
  template <class U> CachingAllocator(const CachingAllocator<U>&) {}  // NOLINT: rebinding
  T* allocate(size_t n) { return static_cast<T*>(allocate_bytes(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { deallocate_bytes(p, n * sizeof(T)); }
  template <class U> bool operator==(const CachingAllocator<U>&) const { return true; }
};
template <class T, class... Args> std::shared_ptr<T> make_cached(Args&&... args) {
  return std::allocate_shared<T>(CachingAllocator<T>(), std::forward<Args>(args)...);
}
// A vector whose buffer comes from the same cache: for the lists made at every op and every
// backward pass (a Node's edges, the engine's walk), which would otherwise cost a malloc each.
template <class T> using CachedVector = std::vector<T, CachingAllocator<T>>;
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
