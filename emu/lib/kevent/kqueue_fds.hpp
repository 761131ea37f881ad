// SPDX-License-Identifier: BSL-1.0
// Which descriptor numbers are kqueues, known without a lock or a system call.
//
// close() runs for every descriptor the program (and this library) closes, and must stay a
// plain close for all but kqueues (kqueue_close.cpp). A bit per number answers that with one
// relaxed load. A bit may be stale (a kqueue closed by a path close() does not see, such as
// close_range): the slow path then finds no kqueue, or a closed one, and only clears it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace machemu::lib::kevent {

// Records that kqueue() returned `fd`. Defined beside close() (kqueue_close.cpp) so that
// linking kqueue() links close() too: a static libmachemu's close() must not be left out
// because a sanitizer's runtime, ahead of it on the link line, already defines one.
void kqueue_created(int fd) noexcept;

class kqueue_fds {
 public:
  static void mark(int fd) noexcept {
    if (fd < 0) return;
    if (fd >= limit) {
      beyond_.store(true, std::memory_order_relaxed);
      return;
    }
    word(fd).fetch_or(bit(fd), std::memory_order_relaxed);
  }
  static void unmark(int fd) noexcept {
    if (fd >= 0 && fd < limit) word(fd).fetch_and(~bit(fd), std::memory_order_relaxed);
  }
  // True when `fd` may be a kqueue (numbers past `limit` always may, once one was made).
  static bool maybe(int fd) noexcept {
    if (fd < 0) return false;
    if (fd >= limit) return beyond_.load(std::memory_order_relaxed);
    return (word(fd).load(std::memory_order_relaxed) & bit(fd)) != 0;
  }

 private:
  static constexpr int limit = 1 << 16;  // 8 KiB of bits; higher numbers take the slow path
  static std::atomic<std::uint64_t>& word(int fd) noexcept {
    return bits_[static_cast<std::size_t>(fd) / 64];
  }
  static std::uint64_t bit(int fd) noexcept { return std::uint64_t{1} << (fd % 64); }

  static inline std::atomic<std::uint64_t> bits_[limit / 64] = {};
  static inline std::atomic<bool> beyond_{false};
};

}  // namespace machemu::lib::kevent
