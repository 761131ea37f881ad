// The in-process transport: one kernel core inside this process, guarded by one mutex.
//
// Every C function takes the lock, resolves the calling thread's task and calls the core.
// A call that must wait parks the thread on its own condition variable; the core wakes it
// through the waiter interface and the call retries. Used only with MACHEMU_MODE=inprocess
// (transport.cpp); the default transport sends every call to machd (machd_client.cpp).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "kernel/kernel.hpp"

namespace machemu::lib {

// A thread parked in the kernel.
template <class Base>
struct blocking_waiter final : Base {
  std::condition_variable cv;
  bool woken = false;
  void wake() override {
    woken = true;
    cv.notify_one();
  }
};

class runtime {
 public:
  static runtime& get();

  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mutex_); }
  kern::kernel& core() { return kernel_; }
  // The calling thread's task; the process's own task unless a test switched it.
  kern::task& calling_task();
  kern::user_memory& memory();

  // Parks until `w.woken` or the deadline; returns false on timeout. Lock must be held.
  template <class W>
  bool park(std::unique_lock<std::mutex>& lk, W& w,
            std::optional<std::chrono::steady_clock::time_point> deadline) {
    while (!w.woken) {
      if (!deadline) {
        w.cv.wait(lk);
      } else if (w.cv.wait_until(lk, *deadline) == std::cv_status::timeout) {
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
  kern::task* process_task_ = nullptr;
};

// Deadline helper for Mach millisecond timeouts.
inline std::optional<std::chrono::steady_clock::time_point> deadline_after(bool has_timeout,
                                                                           unsigned ms) {
  if (!has_timeout) return std::nullopt;
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
}

}  // namespace machemu::lib
