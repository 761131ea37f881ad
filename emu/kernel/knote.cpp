// SPDX-License-Identifier: BSL-1.0
// kqueue and EVFILT_MACHPORT knotes.
//
// A knote is level-style: ready while its port (or any member of its set) has a message.
// EV_CLEAR makes it edge-style (only a new empty→non-empty transition re-arms it),
// EV_DISPATCH disables it after one delivery, EV_ONESHOT deletes it. When the port or set
// goes away (destroyed, or the receive right leaves the space) the knote delivers one
// final EV_EOF and is deleted.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "kernel/kernel.hpp"

namespace machemu::kern {

namespace {

void unqueue(kqueue* kq, knote* kn) {
  if (!kn->queued) return;
  (kn->active_prev ? kn->active_prev->active_next : kq->active_head) = kn->active_next;
  (kn->active_next ? kn->active_next->active_prev : kq->active_tail) = kn->active_prev;
  kn->active_prev = kn->active_next = nullptr;
  kn->queued = false;
  --kq->active_count;
}

void queue_active(kqueue* kq, knote* kn) {
  if (kn->queued) return;
  kn->active_prev = kq->active_tail;
  kn->active_next = nullptr;
  (kq->active_tail ? kq->active_tail->active_next : kq->active_head) = kn;
  kq->active_tail = kn;
  kn->queued = true;
  ++kq->active_count;
}

void detach(knote* kn) {
  if (!kn->object) return;
  auto& v = kn->object->knotes;
  v.erase(std::remove(v.begin(), v.end(), kn), v.end());
  kn->object.reset();
}

}  // namespace

bool kernel::knote_ready(knote* kn) {
  if (!kn->enabled) return false;
  if (kn->eof) return true;
  if (!kn->object) return false;
  const bool has_message = pick_port(kn->object.get()) != nullptr;
  if (kn->flags & EV_CLEAR) return kn->fired && has_message;
  return has_message;
}

void kernel::knote_activate(knote* kn) {
  if (knote_ready(kn)) {
    queue_active(kn->kq, kn);
  } else {
    unqueue(kn->kq, kn);
  }
}

void kernel::kq_update(kqueue* kq) {
  const bool ready = kq->active_head != nullptr;
  if (ready) kq->waiters.wake_all();
  if (ready != kq->last_ready) {
    kq->last_ready = ready;
    if (kq->listener) kq->listener->readiness_changed(ready);
  }
}

void kernel::knotes_changed(ipc_object* obj) {
  if (obj->knotes.empty()) return;
  const bool has_message = pick_port(obj) != nullptr;
  for (knote* kn : obj->knotes) {
    if (has_message) kn->fired = true;
    knote_activate(kn);
    kq_update(kn->kq);
  }
}

void kernel::knotes_eof(ipc_object* obj) {
  if (obj->knotes.empty()) return;
  ref<ipc_object> keep(obj);
  std::vector<knote*> list;
  list.swap(obj->knotes);
  for (knote* kn : list) {
    kn->eof = true;
    kn->enabled = true;
    kn->object.reset();
    knote_activate(kn);
    kq_update(kn->kq);
  }
}

void kernel::knote_drop(knote* kn) {
  kqueue* kq = kn->kq;
  unqueue(kq, kn);
  detach(kn);
  kq->knotes.erase(kn->ident);  // destroys *kn
  kq_update(kq);
}

ref<kqueue> kernel::kqueue_create(task& t, kqueue_listener* listener) {
  ref<kqueue> kq = make_ref<kqueue>();
  kq->owner = &t;
  kq->listener = listener;
  t.kqueues.push_back(kq);
  return kq;
}

void kernel::kqueue_destroy(kqueue& kq) {
  ref<kqueue> keep(&kq);
  while (!kq.knotes.empty()) knote_drop(kq.knotes.begin()->second.get());
  kq.waiters.wake_all();
  kq.listener = nullptr;
  if (task* t = kq.owner) {
    auto& v = t->kqueues;
    v.erase(std::remove(v.begin(), v.end(), keep), v.end());
  }
  kq.owner = nullptr;
}

// EV_ADD of a name without a knote (XNU: kevent_register's attach). The registration's
// flags, fflags, ext and udata are stored as given.
int kernel::knote_attach(kqueue& kq, const kevent64_s& ch) {
  const auto name = static_cast<mach_port_name_t>(ch.ident);
  entry* e = ch.ident > 0xFFFFFFFFull ? nullptr : entry_at(*kq.owner, name);
  if (!e) return ENOENT;
  if (!(e->type & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET))) return ENOTSUP;
  auto owned = std::make_unique<knote>();
  knote* kn = owned.get();
  kn->kq = &kq;
  kn->ident = ch.ident;
  kn->object = e->object;
  e->object->knotes.push_back(kn);
  kq.knotes.emplace(ch.ident, std::move(owned));
  // EV_VANISHED is a request, not a state (XNU strips it before storing the flags).
  kn->flags = ch.flags & ~(EV_VANISHED | EV_SYSFLAGS);
  kn->fflags = ch.fflags;
  kn->udata = ch.udata;
  kn->ext0 = ch.ext[0];
  kn->ext1 = ch.ext[1];
  kn->enabled = !(ch.flags & EV_DISABLE);
  kn->fired = pick_port(kn->object.get()) != nullptr;
  knote_activate(kn);
  kq_update(&kq);
  return 0;
}

// Any change other than EV_DELETE to an existing knote (XNU: kevent_register's touch,
// filt_machporttouch): fflags and ext[0]/ext[1] are replaced by the change's, whatever its
// flags (EV_ENABLE alone too, and a change with no flags at all); udata too unless the
// knote is EV_UDATA_SPECIFIC. The flags given at EV_ADD (EV_DISPATCH, EV_CLEAR,
// EV_ONESHOT) stay. Only EV_ENABLE enables a disabled knote: EV_ADD alone does not.
int kernel::knote_touch(knote* kn, const kevent64_s& ch) {
  // A direct-receive knote cannot become a notifying one or the other way round.
  if ((kn->fflags ^ ch.fflags) & (MACH_RCV_MSG | MACH_RCV_SYNC_PEEK)) return EINVAL;
  kn->fflags = ch.fflags;
  kn->ext0 = ch.ext[0];
  kn->ext1 = ch.ext[1];
  if (!(kn->flags & EV_UDATA_SPECIFIC)) kn->udata = ch.udata;
  // The touch re-evaluates the queue: a waiting message activates the knote again, even
  // an EV_CLEAR one that already reported it.
  if (kn->object && pick_port(kn->object.get())) kn->fired = true;
  if (ch.flags & EV_DISABLE)
    kn->enabled = false;
  else if (ch.flags & EV_ENABLE)
    kn->enabled = true;
  knote_activate(kn);
  kq_update(kn->kq);
  return 0;
}

// A direct receive (XNU: filt_machportprocess) from `p`, the port holding the message a
// receive on the knote's object takes, into the buffer at ext[0] of ext[1] bytes, without
// blocking. Fills the event: fflags = the mach_msg return code, ext[1] = bytes written
// (message + requested trailer), data = 0.
void kernel::knote_receive(task& t, knote* kn, port* p, kevent64_s& ev, user_memory& mem) {
  // Only these options reach the receive: MACH_RCV_GUARDED_DESC, for one, does not, so a
  // guarded port descriptor's right is destroyed as for a receiver that did not ask.
  mach_msg_option_t options = static_cast<mach_msg_option_t>(kn->fflags) &
                              (MACH_RCV_MSG | MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY |
                               MACH_RCV_TRAILER_MASK | MACH_RCV_VOUCHER | MACH_MSG_STRICT_REPLY);
  // kevent64 has no data-out area to carve a buffer from when ext[1] is 0: XNU then only
  // reports the size and the port, as MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY would.
  if (kn->ext1 == 0) options |= MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY;
  const std::uint64_t size = kn->ext1;
  const std::uint32_t trailer = requested_trailer_size(options);
  const std::uint32_t needed = p->head->size;
  const mach_port_name_t holder = p->receiver_name;
  ev.data = 0;
  if (std::uint64_t{needed} + trailer <= size) {
    std::span<std::byte> buf = mem.writable(kn->ext0, size);
    const mach_msg_return_t mr = receive_from(t, kn->object.get(), holder, buf, options, mem);
    ev.fflags = static_cast<std::uint32_t>(mr);
    ev.ext[1] = 0;
    if (mr == MACH_MSG_SUCCESS || (mr & ~MACH_MSG_MASK) == MACH_RCV_BODY_ERROR) {
      mach_msg_header_t h;
      std::memcpy(&h, buf.data(), sizeof h);
      mach_msg_trailer_t tr;
      std::memcpy(&tr, buf.data() + h.msgh_size, sizeof tr);
      ev.ext[1] = h.msgh_size + tr.msgh_trailer_size;
      mem.written(kn->ext0, ev.ext[1]);
    }
    return;
  }
  ev.fflags = static_cast<std::uint32_t>(MACH_RCV_TOO_LARGE);
  if (options & MACH_RCV_LARGE) {
    // The message stays queued and the buffer untouched (mach_msg would patch the header
    // in it; kevent does not): ext[1] = the message's size without the trailer.
    ev.ext[1] = needed;
    if (options & MACH_RCV_LARGE_IDENTITY) ev.data = holder;
    return;
  }
  // The message is destroyed. A bare header (with the port's name and the id) plus the
  // trailer is written if the buffer holds them; otherwise nothing is, and the result is
  // MACH_RCV_INVALID_DATA (XNU's linear copy-out for kevent does not shorten the trailer).
  const std::uint32_t bare = sizeof(mach_msg_header_t) + trailer;
  const bool fits = size >= bare;
  const std::span<std::byte> buf = fits ? mem.writable(kn->ext0, size) : std::span<std::byte>{};
  receive_from(t, kn->object.get(), holder, buf, options, mem);
  if (fits) {
    ev.ext[1] = bare;
    mem.written(kn->ext0, bare);
  } else {
    ev.fflags = static_cast<std::uint32_t>(MACH_RCV_INVALID_DATA);
    ev.ext[1] = 0;
  }
}

int kernel::kevent(kqueue& kq, std::span<const kevent64_s> changes, std::span<kevent64_s> events,
                   unsigned flags, bool may_wait, user_memory& mem, kevent_waiter* w) {
  if (w) wait_queue::remove(*w);
  if (!kq.owner) return -EBADF;
  task& t = *kq.owner;
  std::size_t out = 0;
  // Reports a change's result in the event list (EV_ERROR), or fails the call when there is
  // no room, as BSD's kevent does.
  auto report = [&](const kevent64_s& ch, int error) -> bool {
    if (out < events.size()) {
      kevent64_s ev = ch;
      ev.flags = EV_ERROR;
      ev.data = error;
      events[out++] = ev;
      return true;
    }
    return false;
  };
  for (const kevent64_s& ch : changes) {
    int error = 0;
    const auto found = kq.knotes.find(ch.ident);
    knote* kn = found == kq.knotes.end() ? nullptr : found->second.get();
    if (ch.filter != EVFILT_MACHPORT) {
      error = EINVAL;
    } else if (ch.flags & EV_DELETE) {
      if (!kn)
        error = ENOENT;
      else
        knote_drop(kn);
    } else if (kn) {
      error = knote_touch(kn, ch);
    } else if (ch.flags & EV_ADD) {
      error = knote_attach(kq, ch);
    } else {
      error = ENOENT;
    }
    if (error != 0 || (ch.flags & EV_RECEIPT)) {
      if (!report(ch, error)) return -error;
    }
  }
  if (out > 0 || (flags & KEVENT_FLAG_ERROR_EVENTS)) return static_cast<int>(out);

  // Deliver ready events: take knotes off the front of the active list; one that stays
  // ready after delivery goes to the back (so a busy port does not starve the others),
  // and the pass visits each knote that was queued when it began at most once.
  for (std::size_t visits = kq.active_count; visits > 0 && out < events.size(); --visits) {
    knote* kn = kq.active_head;
    if (!kn) break;  // a receive below may have changed other knotes
    unqueue(&kq, kn);
    if (!knote_ready(kn)) continue;
    // The event starts as the registration (XNU: knote_fill_kevent), except fflags, which
    // XNU never sets on an EVFILT_MACHPORT knote: 0, or the direct receive's result.
    kevent64_s ev{};
    ev.ident = kn->ident;
    ev.filter = EVFILT_MACHPORT;
    ev.flags = kn->flags;
    ev.udata = kn->udata;
    ev.ext[0] = kn->ext0;
    ev.ext[1] = kn->ext1;
    if (kn->eof) {
      ev.flags |= EV_EOF | EV_ONESHOT;
      events[out++] = ev;
      knote_drop(kn);
      continue;
    }
    port* p = pick_port(kn->object.get());
    if (kn->fflags & MACH_RCV_MSG) {
      knote_receive(t, kn, p, ev, mem);  // a receive from the set: p's turn is taken there
    } else {
      ev.data = p->receiver_name;
      if (port_set* s = kn->object->as_set()) turn_taken(s, p);  // as XNU's event does
    }
    events[out++] = ev;
    kn->fired = false;
    if (kn->flags & EV_ONESHOT) {
      knote_drop(kn);
      continue;
    }
    if (kn->flags & EV_DISPATCH) kn->enabled = false;
    knote_activate(kn);
  }
  kq_update(&kq);
  if (out == 0 && may_wait && w) {
    kq.waiters.add(*w);
    return -EWOULDBLOCK;
  }
  return static_cast<int>(out);
}

}  // namespace machemu::kern
