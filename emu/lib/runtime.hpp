// SPDX-License-Identifier: BSL-1.0
// The in-process transport: one kernel core inside this process, guarded by one mutex.
//
// Every C function takes the lock, resolves the calling thread's task and calls the core.
// A call that must wait parks the thread on its own condition variable; the core wakes it
// through the waiter interface and the call retries. Used only with MACHEMU_MODE=inprocess
// (transport.cpp); the default transport sends every call to machd (machd_client.cpp).
#pragma once

#include <chrono>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "iokit/host.hpp"
#include "kernel/kernel.hpp"

namespace machemu::lib {


// Something the core asked for under the runtime's lock that is better done once the lock
// is released: waking a parked thread, or raising a kqueue's readiness (which wakes the
// thread that watches it). A thread woken while we still hold the lock runs straight into
// it (on a busy machine the wakee even preempts us, lock held, and three context switches
// follow where one would do).
class after_unlock {
 public:
  virtual void run() noexcept = 0;

 protected:
  ~after_unlock() = default;
};

// Queues `a` to run on this thread when it releases the runtime's lock, keeping it alive
// until then. False when the queue is full (then the caller does it at once).
bool defer_until_unlocked(std::shared_ptr<after_unlock> a) noexcept;
// Takes `a` back out of this thread's queue, if it is there, without running it: what was
// deferred turned out to be undone before the unlock (a kqueue raised and then lowered
// within one call). False when this thread has no such item queued.
bool cancel_deferred(const after_unlock* a) noexcept;
// Runs what this thread deferred. Called with the lock released.
void run_deferred() noexcept;
bool has_deferred() noexcept;

// The condition variable a thread parks on: one per thread, shared, because a wake-up
// deferred until the waker releases the lock may arrive after the waiter has gone (it is
// then a spurious wake-up of whatever that thread waits for next, which every wait loop
// tolerates: it waits for its own `woken`).
struct thread_parker final : after_unlock {
  std::condition_variable cv;
  void run() noexcept override { cv.notify_one(); }
};
const std::shared_ptr<thread_parker>& this_thread_parker();

// A thread parked in the kernel. The core wakes it under the lock; the notification
// itself waits for the unlock, so the thread does not wake into a lock still held.
template <class Base>
struct blocking_waiter final : Base {
  std::shared_ptr<thread_parker> parker = this_thread_parker();
  bool woken = false;
  void wake() override {
    woken = true;
    if (!defer_until_unlocked(parker)) parker->cv.notify_one();
  }
};

// The runtime's lock; releasing it runs what was deferred meanwhile.
class runtime_lock {
 public:
  explicit runtime_lock(std::mutex& m) : lk_(m) {}
  runtime_lock(const runtime_lock&) = delete;
  runtime_lock& operator=(const runtime_lock&) = delete;
  ~runtime_lock() { unlock(); }
  void unlock() {
    if (!lk_.owns_lock()) return;
    lk_.unlock();
    run_deferred();
  }
  std::unique_lock<std::mutex>& native() { return lk_; }

 private:
  std::unique_lock<std::mutex> lk_;
};

class runtime {
 public:
  static runtime& get();

  runtime_lock lock() { return runtime_lock(mutex_); }
  kern::kernel& core() { return kernel_; }
  iokit::host& iokit() { return iokit_; }
  // The calling thread's task; the process's own task unless a test switched it.
  kern::task& calling_task();
  kern::user_memory& memory();

  // Parks until `w.woken` or the deadline; returns false on timeout. Lock must be held.
  // What this thread deferred (a message it sent before waiting for the answer) is done
  // first, outside the lock: nobody would run it while we sleep.
  template <class W>
  bool park(runtime_lock& lk, W& w, std::optional<std::chrono::steady_clock::time_point> deadline) {
    if (has_deferred()) {
      lk.native().unlock();
      run_deferred();
      lk.native().lock();
    }
    while (!w.woken) {
      if (!deadline) {
        w.parker->cv.wait(lk.native());
      } else if (w.parker->cv.wait_until(lk.native(), *deadline) == std::cv_status::timeout) {
        return w.woken;
      }
    }
    return true;
  }

  // Test support: more tasks in one process.
  kern::task* create_test_task();
  void destroy_test_task(kern::task* t);
  void set_thread_task(kern::task* t);

 private:
  runtime();
  std::mutex mutex_;
  kern::kernel kernel_;
  iokit::host iokit_{kernel_};  // IOKit's registry beside the core (destroyed first)
  kern::task* process_task_ = nullptr;
};

// Deadline helper for Mach millisecond timeouts.
inline std::optional<std::chrono::steady_clock::time_point> deadline_after(bool has_timeout,
                                                                           unsigned ms) {
  if (!has_timeout) return std::nullopt;
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
}

}  // namespace machemu::lib
