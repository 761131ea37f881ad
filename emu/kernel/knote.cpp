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
    if (ch.filter != EVFILT_MACHPORT) {
      error = EINVAL;
    } else {
      const auto found = kq.knotes.find(ch.ident);
      knote* kn = found == kq.knotes.end() ? nullptr : found->second.get();
      if (ch.flags & EV_DELETE) {
        if (!kn)
          error = ENOENT;
        else
          knote_drop(kn);
      } else if (ch.flags & EV_ADD) {
        const auto name = static_cast<mach_port_name_t>(ch.ident);
        entry* e = ch.ident > 0xFFFFFFFFull ? nullptr : entry_at(t, name);
        if (!e) {
          error = ENOENT;
        } else if (!(e->type & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET))) {
          error = ENOTSUP;
        } else if (kn && ((kn->fflags ^ ch.fflags) & MACH_RCV_MSG)) {
          error = EINVAL;  // MACH_RCV_MSG cannot be toggled on an existing knote
        } else {
          if (!kn) {
            auto owned = std::make_unique<knote>();
            kn = owned.get();
            kn->kq = &kq;
            kn->ident = ch.ident;
            kn->object = e->object;
            e->object->knotes.push_back(kn);
            kq.knotes.emplace(ch.ident, std::move(owned));
            kn->fired = pick_port(kn->object.get()) != nullptr;
          }
          kn->flags = ch.flags & (EV_CLEAR | EV_DISPATCH | EV_ONESHOT | EV_UDATA_SPECIFIC |
                                  EV_VANISHED);
          kn->fflags = ch.fflags;
          kn->udata = ch.udata;
          kn->ext0 = ch.ext[0];
          kn->ext1 = ch.ext[1];
          kn->enabled = !(ch.flags & EV_DISABLE);
          knote_activate(kn);
          kq_update(&kq);
        }
      } else if (ch.flags & (EV_ENABLE | EV_DISABLE)) {
        if (!kn) {
          error = ENOENT;
        } else {
          kn->enabled = (ch.flags & EV_ENABLE) != 0;
          if (kn->enabled && kn->object && pick_port(kn->object.get())) kn->fired = true;
          knote_activate(kn);
          kq_update(&kq);
        }
      }
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
    kevent64_s ev{};
    ev.ident = kn->ident;
    ev.filter = EVFILT_MACHPORT;
    ev.flags = kn->flags;
    ev.fflags = kn->fflags;
    ev.udata = kn->udata;
    ev.ext[0] = kn->ext0;
    ev.ext[1] = kn->ext1;
    if (kn->eof) {
      ev.flags |= EV_EOF | EV_ONESHOT;
      events[out++] = ev;
      knote_drop(kn);
      continue;
    }
    ipc_object* obj = kn->object.get();
    port* p = pick_port(obj);
    if (kn->fflags & MACH_RCV_MSG) {
      // Direct receive into the buffer registered in ext[0]/ext[1], without blocking.
      std::span<std::byte> buf = mem.writable(kn->ext0, kn->ext1);
      const mach_port_name_t holder = p->receiver_name;
      const mach_msg_return_t mr = receive_from(t, obj, holder, buf, kn->fflags, mem);
      ev.fflags = static_cast<std::uint32_t>(mr);
      ev.data = 0;
      if (mr == MACH_MSG_SUCCESS || (mr & ~MACH_MSG_MASK) == MACH_RCV_BODY_ERROR) {
        mach_msg_header_t h;
        std::memcpy(&h, buf.data(), sizeof h);
        mach_msg_trailer_t tr;
        std::memcpy(&tr, buf.data() + h.msgh_size, sizeof tr);
        ev.ext[1] = h.msgh_size + tr.msgh_trailer_size;
      } else if (mr == MACH_RCV_TOO_LARGE) {
        ev.ext[1] = 0;
        if ((kn->fflags & MACH_RCV_LARGE_IDENTITY)) ev.data = holder;
      }
    } else {
      ev.data = p->receiver_name;
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
