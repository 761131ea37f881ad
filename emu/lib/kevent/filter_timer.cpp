// SPDX-License-Identifier: BSL-1.0
// EVFILT_TIMER (XNU's filt_timer): a timerfd per knote. data is the interval, in
// milliseconds unless NOTE_SECONDS, NOTE_USECONDS, NOTE_NSECONDS or NOTE_MACHTIME says
// otherwise; periodic unless EV_ONESHOT. With NOTE_ABSOLUTE it is a point in time
// (wall-clock, or mach_absolute_time with NOTE_MACHTIME) and the knote is one-shot. An
// event's data is the number of expirations since the last one. XNU marks every timer
// EV_CLEAR, and re-arms it from scratch when it is changed. The leeway and coalescing
// flags are accepted; Linux timers are not coalesced.
#include <sys/timerfd.h>

#include <unistd.h>

#include <cerrno>
#include <climits>

#include "lib/kevent/local_kqueue.hpp"

namespace machemu::lib::kevent {

namespace {

// The registration's time in nanoseconds, saturating; false for a negative value.
bool to_ns(std::int64_t data, std::uint32_t fflags, std::uint64_t* ns) {
  if (data < 0) return false;
  std::uint64_t unit = 1000000;  // milliseconds
  if (fflags & NOTE_SECONDS)
    unit = 1000000000;
  else if (fflags & NOTE_USECONDS)
    unit = 1000;
  else if (fflags & (NOTE_NSECONDS | NOTE_MACHTIME))
    unit = 1;
  const auto v = static_cast<std::uint64_t>(data);
  *ns = v > UINT64_MAX / unit ? UINT64_MAX : v * unit;
  return true;
}

timespec to_timespec(std::uint64_t ns) {
  constexpr std::uint64_t max_sec = static_cast<std::uint64_t>(INT32_MAX) * 64;  // far enough
  timespec ts{};
  const std::uint64_t sec = ns / 1000000000u;
  ts.tv_sec = static_cast<time_t>(sec > max_sec ? max_sec : sec);
  ts.tv_nsec = static_cast<long>(ns % 1000000000u);
  return ts;
}

bool absolute(std::uint32_t fflags) { return fflags & NOTE_ABSOLUTE; }

int arm(local_knote& kn, std::int64_t data, std::uint32_t fflags) {
  std::uint64_t ns = 0;
  if (!to_ns(data, fflags, &ns)) return EINVAL;
  // A zero it_value disarms a timerfd; a timer of 0 fires at once.
  if (ns == 0) ns = 1;
  itimerspec spec{};
  spec.it_value = to_timespec(ns);
  const bool oneshot = (kn.flags & EV_ONESHOT) || absolute(fflags);
  if (!oneshot) spec.it_interval = spec.it_value;
  const int how = absolute(fflags) ? TFD_TIMER_ABSTIME : 0;
  return ::timerfd_settime(kn.owned_fd, how, &spec, nullptr) == 0 ? 0 : errno;
}

int attach(local_kqueue& q, local_knote& kn, const kevent64_s& ch) {
  if (ch.data < 0) return EINVAL;
  const bool machtime = ch.fflags & (NOTE_MACHTIME | NOTE_MACH_CONTINUOUS_TIME);
  const clockid_t clock = absolute(ch.fflags) && !machtime ? CLOCK_REALTIME : CLOCK_MONOTONIC;
  kn.owned_fd = ::timerfd_create(clock, TFD_NONBLOCK | TFD_CLOEXEC);
  if (kn.owned_fd < 0) return errno == EMFILE || errno == ENFILE ? ENOMEM : errno;
  kn.flags |= EV_CLEAR;
  if (absolute(ch.fflags)) kn.flags |= EV_ONESHOT;
  if (const int error = arm(kn, ch.data, ch.fflags); error != 0) return error;
  return q.watch_fd(kn.owned_fd, kn, false);
}

int touch(local_kqueue&, local_knote& kn, const kevent64_s& ch) {
  // A change that is not EV_ADD (EV_ENABLE, EV_DISABLE) leaves the timer running.
  if (!(ch.flags & EV_ADD)) return 0;
  if (ch.data < 0) return EINVAL;
  kn.data = ch.data;
  kn.fflags = ch.fflags;
  std::uint64_t stale;
  while (::read(kn.owned_fd, &stale, sizeof stale) == sizeof stale) {
  }
  return arm(kn, ch.data, ch.fflags);
}

bool event(local_kqueue&, local_knote& kn, kevent64_s& ev) {
  std::uint64_t expirations = 0;
  if (::read(kn.owned_fd, &expirations, sizeof expirations) != sizeof expirations) return false;
  ev.data = static_cast<std::int64_t>(expirations);
  ev.fflags = 0;
  return true;
}

}  // namespace

const filter_ops timer_filter{attach, touch, event, nullptr};

}  // namespace machemu::lib::kevent
