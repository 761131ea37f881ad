// SPDX-License-Identifier: BSL-1.0
// kevent64 on a kqueue that has knotes of both kinds. The change list is applied in two
// parts: the local filters' changes here, EVFILT_MACHPORT's by the kernel core (through
// the transport). Errors and receipts come back as EV_ERROR events, and, as the core does
// for its own, a call that reports any returns no other events. Events are then taken
// without waiting from both parts; when there are none and the call may wait, the thread
// polls the kqueue descriptor (readable while Mach events are pending) and the local epoll
// set together, and tries again.
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <vector>

#include "lib/kevent/local_kqueue.hpp"
#include "lib/transport.hpp"

namespace machemu::lib::kevent {

namespace {

bool any_error(const kevent64_s* events, int n) {
  for (int i = 0; i < n; ++i)
    if (events[i].flags & EV_ERROR) return true;
  return false;
}

}  // namespace

int kevent_mixed(local_kqueue& local, int kq, const kevent64_s* changes, int nchanges,
                 kevent64_s* events, int nevents, unsigned flags, const timespec* timeout) {
  auto& transport = current_transport();
  const std::size_t room = events ? static_cast<std::size_t>(nevents) : 0;
  std::size_t out = 0;
  std::vector<kevent64_s> mach_changes;
  {
    std::lock_guard lk(local.mutex());
    for (int i = 0; changes && i < nchanges; ++i) {
      const kevent64_s& ch = changes[i];
      if (!is_local_filter(ch.filter)) {
        mach_changes.push_back(ch);
        continue;
      }
      const int error = local.apply(ch);
      if (error == 0 && !(ch.flags & EV_RECEIPT)) continue;
      if (out == room) {
        // BSD's rule: an error with no room to report it fails the call.
        if (error != 0) {
          errno = error;
          return -1;
        }
        continue;
      }
      kevent64_s ev = ch;
      ev.flags = EV_ERROR;
      ev.data = error;
      events[out++] = ev;
    }
  }
  const unsigned immediate_flags = flags | KEVENT_FLAG_IMMEDIATE;
  if (!mach_changes.empty() || out > 0 || (flags & KEVENT_FLAG_ERROR_EVENTS)) {
    // With errors already reported (or only errors asked for), the core reports just its
    // own errors.
    const unsigned f = (out > 0) ? (immediate_flags | KEVENT_FLAG_ERROR_EVENTS) : immediate_flags;
    const int n = transport.kevent(kq, mach_changes.data(), static_cast<int>(mach_changes.size()),
                                   events ? events + out : nullptr, static_cast<int>(room - out), f,
                                   nullptr);
    if (n < 0) return out > 0 ? static_cast<int>(out) : -1;
    if (out > 0 || (flags & KEVENT_FLAG_ERROR_EVENTS) || any_error(events + out, n))
      return static_cast<int>(out) + n;
    out += static_cast<std::size_t>(n);
  }
  const bool immediate = (flags & KEVENT_FLAG_IMMEDIATE) || room == 0 ||
                         (timeout && timeout->tv_sec == 0 && timeout->tv_nsec == 0);
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (timeout)
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout->tv_sec) +
               std::chrono::nanoseconds(timeout->tv_nsec);
  for (;;) {
    if (local.drained()) {  // closed meanwhile (kqueue_close.cpp)
      errno = EBADF;
      return -1;
    }
    if (out < room) {
      std::lock_guard lk(local.mutex());
      out += local.collect({events + out, room - out});
    }
    if (out < room) {
      const int n = transport.kevent(kq, nullptr, 0, events + out, static_cast<int>(room - out),
                                     immediate_flags, nullptr);
      if (n < 0) return out > 0 ? static_cast<int>(out) : -1;
      out += static_cast<std::size_t>(n);
    }
    if (out > 0 || immediate) return static_cast<int>(out);
    int wait_ms = -1;
    if (deadline) {
      const auto left = *deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return 0;
      // Rounded up, so that the last poll does not return just before the deadline.
      wait_ms = static_cast<int>(
          std::chrono::ceil<std::chrono::milliseconds>(left).count());
    }
    if (!local.begin_wait()) {  // closed meanwhile (kqueue_close.cpp)
      errno = EBADF;
      return -1;
    }
    pollfd fds[2] = {{kq, POLLIN, 0}, {local.wait_fd(), POLLIN, 0}};
    const int r = ::poll(fds, 2, wait_ms);
    const int poll_error = errno;
    local.end_wait();
    if (r < 0 && poll_error != EINTR) {
      errno = poll_error;
      return -1;
    }
    if (fds[0].revents & POLLNVAL) {
      errno = EBADF;
      return -1;
    }
  }
}

}  // namespace machemu::lib::kevent
