// SPDX-License-Identifier: BSL-1.0
#include "lib/fork_watch.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <new>

namespace machemu::lib::fork_watch {

namespace {

// The flag page: `armed` is 1 in the process that set it up and in every child whose
// fork handler ran; the kernel zeroes the page in every child (MADV_WIPEONFORK), so 0
// means a fork that ran no handler. 2: such a child is being set up by one of its threads.
struct flag_page {
  std::atomic<std::uint32_t> armed;
};

std::atomic<flag_page*> page{nullptr};
// No flag page (a kernel before 4.14): every check compares getpid() with cached_pid, as
// before this watch existed.
std::atomic<bool> compare_pids{false};
std::atomic<std::uint64_t> current{1};
std::atomic<pid_t> cached_pid{0};  // 0 before start()
void (*child_hook)() = nullptr;

// A new generation for this child: larger than any the parent handed out (the counter is
// inherited), so no state the parent stamped can match it.
void become_child() {
  current.fetch_add(1, std::memory_order_acq_rel);
  cached_pid.store(::getpid(), std::memory_order_relaxed);
  if (child_hook) child_hook();
}

void atfork_child() {
  become_child();
  if (flag_page* p = page.load(std::memory_order_acquire))
    p->armed.store(1, std::memory_order_release);
}

// A child of a fork that ran no handler: the first thread to notice sets the child up,
// any other waits until it has.
[[gnu::noinline]] void forked_without_handler(flag_page& p) {
  std::uint32_t expected = 0;
  if (p.armed.compare_exchange_strong(expected, 2, std::memory_order_acq_rel)) {
    become_child();
    p.armed.store(1, std::memory_order_release);
    return;
  }
  while (p.armed.load(std::memory_order_acquire) != 1) ::sched_yield();
}

[[gnu::noinline]] void forked_while_comparing_pids() {
  static std::mutex m;  // only ever taken in a child, never held across a fork
  std::lock_guard lk(m);
  if (cached_pid.load(std::memory_order_relaxed) != ::getpid()) become_child();
}

}  // namespace

void start(void (*on_child)()) {
  static std::once_flag once;
  std::call_once(once, [on_child] {
    child_hook = on_child;
    cached_pid.store(::getpid(), std::memory_order_relaxed);
    const long size = ::sysconf(_SC_PAGESIZE);
    void* mem = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem != MAP_FAILED &&
        ::madvise(mem, static_cast<std::size_t>(size), MADV_WIPEONFORK) != 0) {
      ::munmap(mem, static_cast<std::size_t>(size));
      mem = MAP_FAILED;
    }
    if (mem != MAP_FAILED) {
      auto* p = new (mem) flag_page;
      p->armed.store(1, std::memory_order_relaxed);
      page.store(p, std::memory_order_release);
    } else {
      compare_pids.store(true, std::memory_order_release);
    }
    ::pthread_atfork(nullptr, nullptr, atfork_child);
  });
}

std::uint64_t generation() noexcept {
  if (flag_page* p = page.load(std::memory_order_acquire)) {
    if (p->armed.load(std::memory_order_acquire) != 1) forked_without_handler(*p);
  } else if (compare_pids.load(std::memory_order_acquire) &&
             ::getpid() != cached_pid.load(std::memory_order_relaxed)) {
    forked_while_comparing_pids();
  }
  return current.load(std::memory_order_acquire);
}

pid_t pid() noexcept {
  generation();  // a child that ran no handler refreshes the cache here
  const pid_t p = cached_pid.load(std::memory_order_relaxed);
  return p != 0 ? p : ::getpid();
}

}  // namespace machemu::lib::fork_watch
