// SPDX-License-Identifier: BSL-1.0
// kevent(): the struct kevent form of kevent64, on the same kqueues.
//
// As XNU's legacy copy-in does (kern_event.c, kevent_legacy_copyin), a change becomes a
// kevent64_s with ext[0] and ext[1] zero and data and udata widened; an event goes back
// with its ext words dropped (kevent_legacy_copyout). So an EVFILT_MACHPORT knote that
// asks for MACH_RCV_MSG through kevent() has no buffer, and reports the waiting message's
// size and port instead of receiving it, exactly as on macOS. kevent() has no flags
// argument: it is kevent64 with flags 0.
#include <sys/event.h>

#include <cerrno>
#include <cstdint>
#include <vector>

namespace {

kevent64_s widen(const struct kevent& k) {
  kevent64_s w{};
  w.ident = k.ident;
  w.filter = k.filter;
  w.flags = k.flags;
  w.fflags = k.fflags;
  w.data = k.data;
  w.udata = reinterpret_cast<std::uintptr_t>(k.udata);
  return w;
}

struct kevent narrow(const kevent64_s& w) {
  struct kevent k{};
  k.ident = static_cast<std::uintptr_t>(w.ident);
  k.filter = w.filter;
  k.flags = w.flags;
  k.fflags = w.fflags;
  k.data = static_cast<std::intptr_t>(w.data);
  k.udata = reinterpret_cast<void*>(static_cast<std::uintptr_t>(w.udata));
  return k;
}

}  // namespace

extern "C" int kevent(int kq, const struct kevent* changelist, int nchanges,
                      struct kevent* eventlist, int nevents, const struct timespec* timeout) {
  if (nchanges < 0 || nevents < 0) {
    errno = EINVAL;
    return -1;
  }
  std::vector<kevent64_s> changes;
  if (changelist) {
    changes.reserve(static_cast<std::size_t>(nchanges));
    for (int i = 0; i < nchanges; ++i) changes.push_back(widen(changelist[i]));
  }
  std::vector<kevent64_s> events(eventlist ? static_cast<std::size_t>(nevents) : 0);
  const int n = kevent64(kq, changes.data(), static_cast<int>(changes.size()), events.data(),
                         static_cast<int>(events.size()), 0, timeout);
  for (int i = 0; i < n; ++i) eventlist[i] = narrow(events[static_cast<std::size_t>(i)]);
  return n;
}
