// SPDX-License-Identifier: BSL-1.0
// The per-thread cache behind message_buffer: a few freed blocks per size class, so that
// a loop that frees one message buffer and takes the next reuses the same memory.
#include <machio/detail/message_buffer.hpp>

#include <cstring>
#include <iterator>
#include <new>

namespace machio::detail {
namespace {

// Size classes in bytes. A receive buffer is its receive size plus the largest trailer, so
// the default 1024-byte receive falls in the 2 KiB class.
constexpr std::size_t class_bytes[] = {256, 2048, 16384};
constexpr std::size_t class_count = std::size(class_bytes);
// Blocks kept per class: a message in flight each way, one being built, and slack.
constexpr std::size_t per_class = 4;

// Index of the class that serves \p bytes; class_count when none does (not cached).
std::size_t class_of(std::size_t bytes) noexcept {
  for (std::size_t i = 0; i < class_count; ++i)
    if (bytes <= class_bytes[i]) return i;
  return class_count;
}

// Trivially destructible, so it stays usable while (and after) the thread's other
// thread_locals are destroyed: `closed` turns caching off once the thread has freed it.
struct block_cache {
  std::uint64_t* blocks[class_count][per_class];
  std::size_t count[class_count];
  bool closed;
};
thread_local block_cache cache{};

// Frees the cache's blocks when the thread ends.
struct cache_closer {
  ~cache_closer() {
    cache.closed = true;
    for (std::size_t c = 0; c < class_count; ++c)
      while (cache.count[c] > 0) delete[] cache.blocks[c][--cache.count[c]];
  }
};
thread_local cache_closer closer;

}  // namespace

std::uint64_t* buffer_block_take(std::size_t bytes) {
  const std::size_t c = class_of(bytes);
  if (c == class_count) return new std::uint64_t[bytes / 8]();
  if (cache.count[c] > 0) {
    std::uint64_t* block = cache.blocks[c][--cache.count[c]];
    std::memset(block, 0, bytes);  // the caller's bytes only: the rest is never read
    return block;
  }
  (void)&closer;  // registers the closer the first time this thread allocates
  return new std::uint64_t[class_bytes[c] / 8]();
}

void buffer_block_give(std::uint64_t* block, std::size_t bytes) noexcept {
  const std::size_t c = class_of(bytes);
  if (c < class_count && !cache.closed && cache.count[c] < per_class) {
    // A thread may only ever free buffers (a handler bound to another thread's executor
    // destroys the messages it is given): its cache needs the closer as much as a taker's.
    (void)&closer;
    cache.blocks[c][cache.count[c]++] = block;
    return;
  }
  delete[] block;
}

}  // namespace machio::detail
