// SPDX-License-Identifier: BSL-1.0
// kqueue() and kevent64(), and the in-process transport's kqueues (EVFILT_MACHPORT; the
// other filters are in lib/kevent/).
//
// A kqueue is a real file descriptor (the read end of a pipe) so that poll/epoll — and so
// Asio's reactor — can watch it: the core tells us when the queue has pending events and
// we keep exactly one byte in the pipe while it does. A kqueue whose fd the program has
// closed is noticed (the fd's inode changed) and torn down, by the next kqueue() or by a
// kevent64 on it that finds no event.
//
// Readiness changes come with every message a watched port gets or loses, so they cost
// one system call each and no more: the byte is taken back through a private duplicate
// of the read end (always our pipe, whatever the program did with its descriptor, so no
// inode check is needed) with one read of the one byte. That duplicate also keeps the
// pipe readable by someone, so writing the byte after the program closed its end cannot
// raise SIGPIPE. A pipe rather than a socket pair: its write and read cost a third of a
// socket's, and they are paid twice per message. The byte that raises readiness is
// written once the runtime's lock is released (signal_pipe), since it wakes the thread
// that will need that lock first.
#include <sys/event.h>
#include <sys/stat.h>

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>

#include <map>
#include <memory>

#include <mach/mach.h>

#include "lib/kevent/kqueue_fds.hpp"
#include "lib/kevent/local_kqueue.hpp"
#include "lib/runtime.hpp"
#include "lib/transport.hpp"

using machemu::lib::runtime;
namespace kern = machemu::kern;

namespace {

ino_t inode_of(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

// The pipe behind a kqueue descriptor: our write end and our duplicate of the read end.
// Shared, so that a raise deferred until the runtime's lock is released (runtime.hpp)
// still has its descriptors if the kqueue is torn down meanwhile.
struct signal_pipe final : machemu::lib::after_unlock {
  int write_fd = -1;
  int drain_fd = -1;
  std::atomic<int> owed{0};  // raises deferred and not yet written

  ~signal_pipe() {
    if (write_fd >= 0) ::close(write_fd);
    if (drain_fd >= 0) ::close(drain_fd);
  }
  // The raise, run once the thread that decided it has released the lock.
  void run() noexcept override {
    const char one = 1;
    [[maybe_unused]] ssize_t n = ::write(write_fd, &one, 1);
    owed.fetch_sub(1, std::memory_order_release);
  }
  // Takes the byte back (under the lock). Readiness alternates, so at most one raise is
  // outstanding. If it is this thread's own, still queued until this thread releases the
  // lock, it is cancelled: waiting for it would wait for ourselves (a kevent64 that
  // enables a knote and receives its message in one call raises and lowers). Otherwise it
  // comes from a thread that has just released the lock, with nothing left between that
  // and its write, so we wait for it rather than leave a stray byte to mark the kqueue
  // readable.
  void lower() noexcept {
    if (machemu::lib::cancel_deferred(this)) {
      owed.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
    char byte;
    while (::read(drain_fd, &byte, 1) != 1) {
      if (owed.load(std::memory_order_acquire) == 0 && ::read(drain_fd, &byte, 1) != 1) return;
      pollfd p{drain_fd, POLLIN, 0};
      ::poll(&p, 1, 10);
    }
  }
};

struct emulated_kqueue final : kern::kqueue_listener {
  kern::ref<kern::kqueue> kq;
  int read_fd = -1;  // the program's descriptor
  std::shared_ptr<signal_pipe> pipe;
  ino_t inode = 0;
  bool signalled = false;

  // Called by the core, under the runtime's lock.
  void readiness_changed(bool ready) override {
    if (ready == signalled) return;
    signalled = ready;
    if (!ready) {
      pipe->lower();
      return;
    }
    pipe->owed.fetch_add(1, std::memory_order_relaxed);
    if (!machemu::lib::defer_until_unlocked(pipe)) pipe->run();
  }
};

std::map<int, std::unique_ptr<emulated_kqueue>>& registry() {
  static auto* r = new std::map<int, std::unique_ptr<emulated_kqueue>>;
  return *r;
}

void forget(runtime& rt, std::map<int, std::unique_ptr<emulated_kqueue>>::iterator it) {
  rt.core().kqueue_destroy(*it->second->kq);
  registry().erase(it);
}

// Drops kqueues whose descriptor was closed (or reused for something else).
void reap_closed(runtime& rt) {
  auto& reg = registry();
  for (auto it = reg.begin(); it != reg.end();) {
    auto next = std::next(it);
    if (inode_of(it->first) != it->second->inode) forget(rt, it);
    it = next;
  }
}

}  // namespace

namespace machemu::lib {

int inprocess_kqueue() {
  runtime& rt = runtime::get();
  auto lk = rt.lock();
  reap_closed(rt);
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return -1;
  const int drain = ::fcntl(fds[0], F_DUPFD_CLOEXEC, 0);
  if (drain < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return -1;
  }
  auto q = std::make_unique<emulated_kqueue>();
  q->read_fd = fds[0];
  q->pipe = std::make_shared<signal_pipe>();
  q->pipe->write_fd = fds[1];
  q->pipe->drain_fd = drain;
  q->inode = inode_of(fds[0]);
  q->kq = rt.core().kqueue_create(rt.calling_task(), q.get());
  registry()[fds[0]] = std::move(q);
  return fds[0];
}

int inprocess_kevent(int kq, const kevent64_s* changelist, int nchanges,
                     kevent64_s* eventlist, int nevents, unsigned flags,
                     const timespec* timeout) {
  runtime& rt = runtime::get();
  auto lk = rt.lock();
  auto& reg = registry();
  auto it = reg.find(kq);
  if (it == reg.end()) {
    errno = EBADF;
    return -1;
  }
  // A descriptor the program closed (and the system perhaps reused) is noticed here, but
  // only by the calls that ask for events and find none (or would wait for one): an fstat
  // per call would add a system call to every message of a busy event loop. Until then a
  // stale descriptor still reaches its old kqueue (doc/emu-divergences.md).
  kern::ref<kern::kqueue> keep = it->second->kq;
  std::span<const kevent64_s> changes(changelist, changelist ? static_cast<std::size_t>(nchanges) : 0);
  std::span<kevent64_s> events(eventlist, eventlist ? static_cast<std::size_t>(nevents) : 0);
  const bool immediate = (flags & KEVENT_FLAG_IMMEDIATE) ||
                         (timeout && timeout->tv_sec == 0 && timeout->tv_nsec == 0) ||
                         events.empty();
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (timeout)
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout->tv_sec) +
               std::chrono::nanoseconds(timeout->tv_nsec);
  machemu::lib::blocking_waiter<kern::kevent_waiter> w;
  for (;;) {
    w.woken = false;
    const int n = rt.core().kevent(*keep, changes, events, flags, !immediate, rt.memory(), &w);
    changes = {};  // changes apply once, even if we wait and retry
    if (n > 0 || (n == 0 && events.empty())) return n;
    // Is `kq` still the descriptor we made? Looked up again: while we were parked another
    // thread may have reaped it.
    const auto now = reg.find(kq);
    const bool ours = now != reg.end() && now->second->kq == keep;
    if (!ours || inode_of(kq) != now->second->inode) {
      if (n == -EWOULDBLOCK) rt.core().cancel_wait(w);
      if (ours) forget(rt, now);
      errno = EBADF;
      return -1;
    }
    if (n == 0) return 0;
    if (n != -EWOULDBLOCK) {
      errno = -n;
      return -1;
    }
    if (!rt.park(lk, w, deadline)) {
      rt.core().cancel_wait(w);
      return 0;
    }
  }
}

void inprocess_kqueue_closing(int kq) {
  runtime& rt = runtime::get();
  auto lk = rt.lock();
  // Destroying the core's kqueue wakes its waiters; each finds the descriptor gone from
  // the registry and returns EBADF (inprocess_kevent).
  auto it = registry().find(kq);
  if (it != registry().end()) forget(rt, it);
}

}  // namespace machemu::lib

extern "C" int kqueue(void) {
  machemu::lib::kevent::reap_closed_local();
  const int fd = machemu::lib::current_transport().kqueue();
  if (fd >= 0) machemu::lib::kevent::kqueue_created(fd);
  return fd;
}

extern "C" int kevent64(int kq, const struct kevent64_s* changelist, int nchanges,
                        struct kevent64_s* eventlist, int nevents, unsigned int flags,
                        const struct timespec* timeout) {
  namespace local = machemu::lib::kevent;
  if (nchanges < 0 || nevents < 0) {
    errno = EINVAL;
    return -1;
  }
  auto& transport = machemu::lib::current_transport();
  // EVFILT_MACHPORT alone (what machio and most Mach code use) goes straight to the core;
  // the other filters live in this process (lib/kevent/).
  bool wants_local = false;
  for (int i = 0; changelist && i < nchanges && !wants_local; ++i)
    wants_local = local::is_local_filter(changelist[i].filter);
  if (!wants_local && local::local_sets.load(std::memory_order_relaxed) == 0)
    return transport.kevent(kq, changelist, nchanges, eventlist, nevents, flags, timeout);
  auto set = local::local_for(kq, false);
  if (!set && wants_local) {
    // Only a kqueue gets a local set: the core says whether `kq` is one.
    if (transport.kevent(kq, nullptr, 0, nullptr, 0, KEVENT_FLAG_IMMEDIATE, nullptr) < 0) return -1;
    set = local::local_for(kq, true);
    if (!set) return -1;
  }
  if (!set) return transport.kevent(kq, changelist, nchanges, eventlist, nevents, flags, timeout);
  return local::kevent_mixed(*set, kq, changelist, nchanges, eventlist, nevents, flags, timeout);
}
