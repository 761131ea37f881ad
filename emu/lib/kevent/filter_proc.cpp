// SPDX-License-Identifier: BSL-1.0
// EVFILT_PROC with NOTE_EXIT (XNU's filt_proc): a pidfd per knote, readable once process
// `ident` has exited. The event is the knote's last (EV_EOF | EV_ONESHOT, as XNU marks a
// process knote when its process goes), with NOTE_EXIT in fflags when it was asked for.
// With NOTE_EXITSTATUS, data is the wait(2) status of a child (waitid with WNOWAIT, so
// the program still reaps it); for a process that is not a child Linux does not say, and
// data is 0. NOTE_FORK, NOTE_EXEC and NOTE_SIGNAL are accepted and never reported.
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cerrno>
#include <climits>
#include <poll.h>
#include <unistd.h>

#include "lib/kevent/local_kqueue.hpp"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace machemu::lib::kevent {

namespace {

int attach(local_kqueue& q, local_knote& kn, const kevent64_s& ch) {
  if (ch.ident == 0 || ch.ident > static_cast<std::uint64_t>(INT_MAX)) return ESRCH;
  const auto fd = ::syscall(SYS_pidfd_open, static_cast<pid_t>(ch.ident), 0u);
  if (fd < 0) return errno == EMFILE || errno == ENFILE ? ENOMEM : ESRCH;
  kn.owned_fd = static_cast<int>(fd);
  kn.flags |= EV_CLEAR;
  return q.watch_fd(kn.owned_fd, kn, false);
}

// The exit status as wait(2) encodes it.
std::int64_t wait_status(const siginfo_t& info) {
  switch (info.si_code) {
    case CLD_EXITED: return (info.si_status & 0xff) << 8;
    case CLD_KILLED: return info.si_status & 0x7f;
    case CLD_DUMPED: return (info.si_status & 0x7f) | 0x80;
    default: return 0;
  }
}

bool event(local_kqueue&, local_knote& kn, kevent64_s& ev) {
  pollfd p{kn.owned_fd, POLLIN, 0};
  if (::poll(&p, 1, 0) != 1 || !(p.revents & (POLLIN | POLLHUP))) return false;
  ev.flags |= EV_EOF | EV_ONESHOT;
  ev.fflags = kn.fflags & NOTE_EXIT;
  ev.data = 0;
  if (kn.fflags & NOTE_EXITSTATUS) {
    ev.fflags |= NOTE_EXITSTATUS;
    siginfo_t info{};
    if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(kn.owned_fd), &info,
                 WEXITED | WNOWAIT | WNOHANG) == 0)
      ev.data = wait_status(info);
  }
  return true;
}

}  // namespace

const filter_ops proc_filter{attach, nullptr, event, nullptr};

}  // namespace machemu::lib::kevent
