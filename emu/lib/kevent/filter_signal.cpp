// SPDX-License-Identifier: BSL-1.0
// EVFILT_SIGNAL (XNU's filt_signal): counts the deliveries of signal `ident` to the
// process since the last event; the signal's own disposition still applies, and a signal
// set to SIG_IGN is counted too. XNU counts in the kernel; here a recorder handler is put
// in front of the program's disposition the first time a knote names the signal:
//  - it counts and wakes every kqueue watching the signal through one eventfd per signal
//    (each epoll set sees each write as an edge; the eventfd is never read);
//  - it then does what the previous disposition would: nothing for SIG_IGN and for a
//    signal whose default is to be ignored, the program's handler if it had one, and for
//    any other default it restores SIG_DFL and raises the signal again.
// XNU marks signal knotes EV_CLEAR. SIGKILL and SIGSTOP are accepted and never reported,
// as no process sees them. doc/emu-divergences.md says what the recorder cannot do.
#include <sys/eventfd.h>

#include <cerrno>
#include <csignal>
#include <unistd.h>

#include <atomic>
#include <mutex>

#include "lib/kevent/local_kqueue.hpp"

namespace machemu::lib::kevent {

namespace {

constexpr int signal_limit = 65;  // Linux's _NSIG

struct recorder {
  std::atomic<std::uint64_t> count{0};
  std::atomic<int> event_fd{-1};
  struct sigaction previous {};
  bool installed = false;
};

recorder recorders[signal_limit];

bool ignored_by_default(int sig) {
  return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

void record(int sig, siginfo_t* info, void* context) {
  const int saved = errno;
  recorder& r = recorders[sig];
  r.count.fetch_add(1, std::memory_order_release);
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(r.event_fd.load(std::memory_order_relaxed), &one, sizeof one);
  const struct sigaction& prev = r.previous;
  if (prev.sa_flags & SA_SIGINFO) {
    if (prev.sa_sigaction) prev.sa_sigaction(sig, info, context);
  } else if (prev.sa_handler == SIG_DFL) {
    if (!ignored_by_default(sig)) {
      struct sigaction dfl {};
      dfl.sa_handler = SIG_DFL;
      ::sigaction(sig, &dfl, nullptr);
      ::raise(sig);  // delivered once this handler returns
    }
  } else if (prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
  }
  errno = saved;
}

// Installs the recorder for `sig` once. Returns 0 or an errno.
int install(int sig) {
  static std::mutex m;
  std::lock_guard lk(m);
  recorder& r = recorders[sig];
  if (r.installed) return 0;
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return ENOMEM;
  r.event_fd.store(fd, std::memory_order_relaxed);
  struct sigaction sa {};
  sa.sa_sigaction = record;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (::sigaction(sig, &sa, &r.previous) != 0) {
    // SIGKILL and SIGSTOP: no handler can see them, so the knote never fires.
    return 0;
  }
  r.installed = true;
  return 0;
}

int attach(local_kqueue& q, local_knote& kn, const kevent64_s& ch) {
  if (ch.ident == 0 || ch.ident >= static_cast<std::uint64_t>(signal_limit)) return EINVAL;
  const int sig = static_cast<int>(ch.ident);
  if (const int error = install(sig); error != 0) return error;
  kn.flags |= EV_CLEAR;
  kn.seen = recorders[sig].count.load(std::memory_order_acquire);
  return q.watch_fd(recorders[sig].event_fd.load(std::memory_order_relaxed), kn, false);
}

bool event(local_kqueue&, local_knote& kn, kevent64_s& ev) {
  const std::uint64_t now = recorders[kn.ident].count.load(std::memory_order_acquire);
  if (now == kn.seen) return false;
  ev.data = static_cast<std::int64_t>(now - kn.seen);
  ev.fflags = 0;
  kn.seen = now;
  return true;
}

}  // namespace

const filter_ops signal_filter{attach, nullptr, event, nullptr};

}  // namespace machemu::lib::kevent
