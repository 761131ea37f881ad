// SPDX-License-Identifier: BSL-1.0
// EVFILT_USER (XNU's filt_user*): a knote that fires when a change says NOTE_TRIGGER. The
// registration's fflags are stored as given (control bits and all, as XNU keeps
// kn_sfflags); the low 24 bits of every later change combine with them as its control
// bits say (NOTE_FFNOP, NOTE_FFAND, NOTE_FFOR, NOTE_FFCOPY). An event carries the stored
// flags and the last change's data. A triggered knote stays triggered until it is
// delivered with EV_CLEAR, which untriggers it and keeps its flags and data.
#include "lib/kevent/local_kqueue.hpp"

namespace machemu::lib::kevent {

namespace {

void combine(local_knote& kn, const kevent64_s& ch) {
  const std::uint32_t value = ch.fflags & NOTE_FFLAGSMASK;
  switch (ch.fflags & NOTE_FFCTRLMASK) {
    case NOTE_FFAND: kn.fflags &= value; break;
    case NOTE_FFOR: kn.fflags |= value; break;
    case NOTE_FFCOPY: kn.fflags = value; break;
    default: break;  // NOTE_FFNOP
  }
  kn.data = ch.data;
  if (ch.fflags & NOTE_TRIGGER) kn.triggered = true;
}

int touch(local_kqueue& q, local_knote& kn, const kevent64_s& ch) {
  combine(kn, ch);
  if (kn.triggered) q.wake();
  return 0;
}

int attach(local_kqueue& q, local_knote& kn, const kevent64_s& ch) {
  kn.fflags = ch.fflags;
  kn.data = ch.data;
  kn.triggered = ch.fflags & NOTE_TRIGGER;
  q.poll_each_time(kn);
  if (kn.triggered) q.wake();
  return 0;
}

bool event(local_kqueue&, local_knote& kn, kevent64_s& ev) {
  if (!kn.triggered) return false;
  ev.fflags = kn.fflags;
  ev.data = kn.data;
  if (kn.flags & EV_CLEAR) kn.triggered = false;
  return true;
}

}  // namespace

const filter_ops user_filter{attach, touch, event, nullptr};

}  // namespace machemu::lib::kevent
