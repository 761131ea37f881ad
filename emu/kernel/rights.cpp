// SPDX-License-Identifier: BSL-1.0
// Rights: creating and destroying ports, releasing rights wherever they are, copying a
// right in from a space (send side) and out into a space (receive side).
#include <algorithm>

#include <mach/notify.h>

#include "kernel/kernel.hpp"

namespace machemu::kern {

port::~port() = default;
port_set::~port_set() = default;

ref<port> kernel::new_port() {
  ref<port> p = make_ref<port>();
  p->id = next_port_id_++;
  ++live_ports_;
  return p;
}

void kernel::retire_port() { --live_ports_; }

// A send right went away somewhere. The last one fires a registered no-senders request.
void kernel::release_send(port* p) {
  if (p->srights == 0) return;
  if (--p->srights == 0) check_no_senders(p);
}

void kernel::check_no_senders(port* p) {
  if (p->srights == 0 && p->active && p->kernel_object == kobject_foreign && kobject_owner_) {
    kobject_owner_->kobject_no_senders(p->id);
    return;
  }
  if (p->srights != 0 || !p->active || !p->nsrequest) return;
  if (p->nssync > p->mscount) return;  // XNU: armed only once mscount reaches sync
  ref<port> to = std::move(p->nsrequest);
  p->nsrequest.reset();
  notify_simple(std::move(to), MACH_NOTIFY_NO_SENDERS, p->mscount);
}

// A send-once right is destroyed unused: its port gets a send-once notification, which
// itself travels on that right (so sorights drops when the notification is received).
void kernel::release_send_once(ref<port> p) {
  if (!p) return;
  if (p->active && !p->kernel_object) {
    notify_send_once(std::move(p));
  } else if (p->sorights) {
    --p->sorights;
  }
}

void kernel::release_right(kright& r) {
  ref<port> p = std::move(r.p);
  r.p.reset();
  r.dead = false;
  if (!p) return;
  switch (r.type) {
    case MACH_MSG_TYPE_PORT_SEND:
      release_send(p.get());
      break;
    case MACH_MSG_TYPE_PORT_SEND_ONCE:
      release_send_once(std::move(p));
      break;
    case MACH_MSG_TYPE_PORT_RECEIVE:
      p->carried_by = nullptr;
      destroy_receive(std::move(p));
      break;
    default:
      break;
  }
  r.type = 0;
}

void kernel::leave_sets(port* p) {
  for (port_set* s : p->sets) {
    remove_member(s, p);
    knotes_changed(s);
  }
  p->sets.clear();
}

// The receive right is being destroyed (it is no longer in any space). XNU §2.1: with a
// port-destroyed request the right is handed back instead; otherwise the port dies.
void kernel::destroy_receive(ref<port> p) {
  if (!p->active) return;
  if (p->pdrequest && !p->kernel_object) {
    leave_sets(p.get());
    p->receivers.wake_all();
    p->mscount = 0;
    p->seqno = 0;
    p->context = 0;
    p->guarded = p->strict_guard = false;
    ref<port> to = std::move(p->pdrequest);
    p->pdrequest.reset();
    notify_port_destroyed(std::move(to), p);
    return;
  }
  port_dies(std::move(p));
}

void kernel::port_dies(ref<port> p) {
  p->active = false;
  p->receiver = nullptr;
  p->receiver_name = MACH_PORT_NULL;
  retire_port();
  leave_sets(p.get());
  p->receivers.wake_all();
  p->senders.wake_all();  // blocked senders find the port dead: their message is dropped
  // Queued messages are destroyed with everything they carry.
  while (kmsg* m = dequeue(p.get())) kmsg_destroy(m);
  // A registered no-senders right is consumed by a send-once notification instead.
  if (p->nsrequest) release_send_once(std::move(p->nsrequest));
  p->nsrequest.reset();
  if (p->pdrequest) release_send_once(std::move(p->pdrequest));
  p->pdrequest.reset();
  // Dead-name (and send-possible) requests all turn into dead-name notifications.
  std::vector<name_request> requests = p->requests.take();
  for (name_request& r : requests) {
    entry* e = r.owner ? entry_at(*r.owner, r.name) : nullptr;
    if (e && e->object.get() == p.get()) {
      e->dn_fired = true;
      e->has_request = false;
    }
    if (r.notify) notify_simple(std::move(r.notify), MACH_NOTIFY_DEAD_NAME, r.name);
  }
  knotes_eof(p.get());
}

// Removes the request registered on (t, name) and, when asked, tells its notify port
// with a port-deleted notification (the right it watched left the space alive).
void kernel::cancel_requests(task& t, mach_port_name_t name, entry& e, bool notify_deleted) {
  if (!e.has_request) return;
  e.has_request = false;
  port* p = e.object ? e.object->as_port() : nullptr;
  if (!p) return;
  auto& v = p->requests;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (it->owner == &t && it->name == name) {
      ref<port> notify = std::move(it->notify);
      v.erase(it);
      if (notify) {
        if (notify_deleted)
          notify_simple(std::move(notify), MACH_NOTIFY_PORT_DELETED, name);
        else
          release_send_once(std::move(notify));
      }
      return;
    }
  }
}

// Drops `n` send urefs from a live send entry; the last one releases the send right.
void kernel::drop_send_uref(task& t, mach_port_name_t name, entry& e, mach_port_urefs_t n) {
  e.urefs = static_cast<mach_port_urefs_t>(e.urefs - n);
  if (e.urefs != 0) return;
  port* p = e.object->as_port();
  e.type &= ~MACH_PORT_TYPE_SEND;
  if (!(e.type & MACH_PORT_TYPE_RECEIVE)) {
    cancel_requests(t, name, e, true);
    forget_name(p, &t, name);
    ref<ipc_object> keep = e.object;
    entry_free(t, name);
    release_send(p);
  } else {
    release_send(p);
  }
}

// The receive right under `name` leaves this space, by destruction or by moving away.
// Send urefs stay under the name (a dead name when the port was destroyed).
void kernel::receive_leaves_space(task& t, mach_port_name_t name, entry& e, bool destroyed) {
  ref<port> p(e.object->as_port());
  p->receiver = nullptr;
  p->receiver_name = MACH_PORT_NULL;
  knotes_eof(p.get());
  // Receivers blocked on this port see MACH_RCV_PORT_CHANGED when they retry.
  p->receivers.wake_all();
  e.type &= ~MACH_PORT_TYPE_RECEIVE;
  if (e.type & MACH_PORT_TYPE_SEND) {
    if (destroyed && !p->pdrequest) {
      // XNU: the name becomes a dead name at once and keeps its urefs; srights is not
      // decremented and no no-senders notification is generated. A dead-name request on
      // the name stays registered so that port_dies sends its notification, which
      // carries one more uref.
      forget_name(p.get(), &t, name);
      if (p->srights) --p->srights;
      if (e.has_request && e.urefs < urefs_max) ++e.urefs;
      e.has_request = false;
      e.type = MACH_PORT_TYPE_DEAD_NAME;
      e.object.reset();
    }
  } else {
    cancel_requests(t, name, e, true);
    forget_name(p.get(), &t, name);
    entry_free(t, name);
  }
  if (destroyed) {
    destroy_receive(std::move(p));
  } else {
    leave_sets(p.get());
    p->mscount = 0;
    p->seqno = 0;
    p->context = 0;
    p->guarded = p->strict_guard = false;
  }
}

void kernel::destroy_set(task& t, mach_port_name_t name, entry& e) {
  ref<ipc_object> obj = e.object;
  port_set* s = obj->as_set();
  for (port* m : s->members) {
    auto& v = m->sets;
    v.erase(std::remove(v.begin(), v.end(), s), v.end());
  }
  s->members.clear();
  s->ready.clear();
  s->idle.clear();
  s->ready_at.clear();
  s->active = false;
  s->receivers.wake_all();
  knotes_eof(s);
  entry_free(t, name);
}

// Puts a right the kernel holds into a space, coalescing send and receive rights under one
// name as XNU does. Consumes `r`. On failure (space full) the right is destroyed.
kern_return_t kernel::copy_out_right(task& t, kright&& r, mach_port_name_t* name) {
  if (r.dead) {
    *name = MACH_PORT_DEAD;
    r.dead = false;
    return KERN_SUCCESS;
  }
  if (!r.p) {
    *name = MACH_PORT_NULL;
    return KERN_SUCCESS;
  }
  ref<port> p = std::move(r.p);
  const mach_msg_type_name_t type = r.type;
  r.type = 0;
  if (!p->active && type != MACH_MSG_TYPE_PORT_RECEIVE) {
    kright dead{std::move(p), type, false};
    release_right(dead);
    *name = MACH_PORT_DEAD;
    return KERN_SUCCESS;
  }
  if (type != MACH_MSG_TYPE_PORT_SEND_ONCE) {
    if (mach_port_name_t existing = name_of(t, p.get())) {
      entry& e = *entry_at(t, existing);
      if (type == MACH_MSG_TYPE_PORT_SEND) {
        if (e.type & MACH_PORT_TYPE_SEND) {
          // Two names' worth of send rights collapse into one: the port keeps one.
          if (e.urefs < urefs_max) ++e.urefs;
          release_send(p.get());
        } else {
          e.type |= MACH_PORT_TYPE_SEND;
          e.urefs = 1;
        }
      } else {
        e.type |= MACH_PORT_TYPE_RECEIVE;
        p->receiver = &t;
        p->receiver_name = existing;
        p->carried_by = nullptr;
        knotes_changed(p.get());
      }
      *name = existing;
      return KERN_SUCCESS;
    }
  }
  entry* e = nullptr;
  if (kern_return_t kr = entry_alloc(t, name, &e); kr != KERN_SUCCESS) {
    kright lost{std::move(p), type, false};
    release_right(lost);
    *name = MACH_PORT_NULL;
    return kr;
  }
  e->object = ref<ipc_object>(p.get());
  switch (type) {
    case MACH_MSG_TYPE_PORT_SEND:
      e->type = MACH_PORT_TYPE_SEND;
      e->urefs = 1;
      p->names.add(&t, *name);
      break;
    case MACH_MSG_TYPE_PORT_RECEIVE:
      e->type = MACH_PORT_TYPE_RECEIVE;
      p->receiver = &t;
      p->receiver_name = *name;
      p->carried_by = nullptr;
      p->names.add(&t, *name);
      knotes_changed(p.get());
      break;
    default:
      e->type = MACH_PORT_TYPE_SEND_ONCE;
      e->urefs = 1;
      break;
  }
  return KERN_SUCCESS;
}

// Checks, without changing anything, whether copy_in_right would succeed. Used for the
// atomic header copy-in.
bool kernel::copy_in_would_succeed(task& t, mach_port_name_t name, mach_msg_type_name_t disp,
                                   bool body, bool* dead_ok) {
  *dead_ok = false;
  entry* e = entry_at(t, name);
  if (!e) return false;
  const mach_port_type_t ty = e->type;
  port* p = (e->object && e->object->kind == object_kind::port) ? e->object->as_port() : nullptr;
  switch (disp) {
    case MACH_MSG_TYPE_MOVE_RECEIVE:
      return (ty & MACH_PORT_TYPE_RECEIVE) && !p->immovable_receive && !p->kernel_object;
    case MACH_MSG_TYPE_MAKE_SEND:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
      return (ty & MACH_PORT_TYPE_RECEIVE) != 0;
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_COPY_SEND:
      if (ty & MACH_PORT_TYPE_DEAD_NAME) {
        *dead_ok = body;
        return body;
      }
      if (!(ty & MACH_PORT_TYPE_SEND)) return false;
      if (!p->active) {
        *dead_ok = body;
        return body;
      }
      return true;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
      if (ty & MACH_PORT_TYPE_DEAD_NAME) {
        *dead_ok = body;
        return body;
      }
      return (ty & MACH_PORT_TYPE_SEND_ONCE) != 0;
    default:
      return false;
  }
}

// Takes a right out of a space for a message (or extract_right). `body` allows dead names,
// which travel as MACH_PORT_DEAD. Returns KERN_INVALID_RIGHT / KERN_INVALID_NAME /
// KERN_INVALID_CAPABILITY without changing anything on failure.
kern_return_t kernel::copy_in_right(task& t, mach_port_name_t name, mach_msg_type_name_t disp,
                                    kright* out, bool body) {
  entry* e = entry_at(t, name);
  if (!e) return KERN_INVALID_NAME;
  port* p = (e->object && e->object->kind == object_kind::port) ? e->object->as_port() : nullptr;
  switch (disp) {
    case MACH_MSG_TYPE_MOVE_RECEIVE: {
      if (!(e->type & MACH_PORT_TYPE_RECEIVE)) return KERN_INVALID_RIGHT;
      if (p->immovable_receive || p->kernel_object) return KERN_INVALID_CAPABILITY;
      out->p = ref<port>(p);
      out->type = MACH_MSG_TYPE_PORT_RECEIVE;
      receive_leaves_space(t, name, *e, false);
      return KERN_SUCCESS;
    }
    case MACH_MSG_TYPE_MAKE_SEND:
      if (!(e->type & MACH_PORT_TYPE_RECEIVE)) return KERN_INVALID_RIGHT;
      ++p->mscount;
      ++p->srights;
      out->p = ref<port>(p);
      out->type = MACH_MSG_TYPE_PORT_SEND;
      return KERN_SUCCESS;
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
      if (!(e->type & MACH_PORT_TYPE_RECEIVE)) return KERN_INVALID_RIGHT;
      ++p->sorights;
      out->p = ref<port>(p);
      out->type = MACH_MSG_TYPE_PORT_SEND_ONCE;
      return KERN_SUCCESS;
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_COPY_SEND: {
      convert_if_dead(t, name, *e);
      if (e->type & MACH_PORT_TYPE_DEAD_NAME) {
        if (!body) return KERN_INVALID_RIGHT;
        if (disp == MACH_MSG_TYPE_MOVE_SEND) {
          if (--e->urefs == 0) entry_free(t, name);
        }
        out->dead = true;
        out->type = MACH_MSG_TYPE_PORT_SEND;
        return KERN_SUCCESS;
      }
      if (!(e->type & MACH_PORT_TYPE_SEND)) return KERN_INVALID_RIGHT;
      out->p = ref<port>(p);
      out->type = MACH_MSG_TYPE_PORT_SEND;
      if (disp == MACH_MSG_TYPE_COPY_SEND) {
        ++p->srights;
      } else if (e->urefs == 1) {
        // The entry's send right itself moves; no count changes.
        e->type &= ~MACH_PORT_TYPE_SEND;
        e->urefs = 0;
        if (!(e->type & MACH_PORT_TYPE_RECEIVE)) {
          cancel_requests(t, name, *e, true);
          forget_name(p, &t, name);
          entry_free(t, name);
        }
      } else {
        // One uref of several moves: the message carries a new send right.
        if (e->urefs != urefs_max) --e->urefs;
        ++p->srights;
      }
      return KERN_SUCCESS;
    }
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
      convert_if_dead(t, name, *e);
      if (e->type & MACH_PORT_TYPE_DEAD_NAME) {
        if (!body) return KERN_INVALID_RIGHT;
        if (--e->urefs == 0) entry_free(t, name);
        out->dead = true;
        out->type = MACH_MSG_TYPE_PORT_SEND_ONCE;
        return KERN_SUCCESS;
      }
      if (!(e->type & MACH_PORT_TYPE_SEND_ONCE)) return KERN_INVALID_RIGHT;
      out->p = ref<port>(p);
      out->type = MACH_MSG_TYPE_PORT_SEND_ONCE;
      cancel_requests(t, name, *e, true);
      entry_free(t, name);
      return KERN_SUCCESS;
    default:
      return KERN_INVALID_VALUE;
  }
}

}  // namespace machemu::kern
