// SPDX-License-Identifier: BSL-1.0
// mach_msg: copy-in with XNU's order of checks, queueing, copy-out, trailers, and the
// pseudo-receive of a send that gave up.
#include <algorithm>
#include <cstring>

#include <mach/notify.h>

#include "kernel/kernel.hpp"

namespace machemu::kern {

namespace {

constexpr std::uint32_t header_size = sizeof(mach_msg_header_t);
constexpr std::uint32_t base_size = sizeof(mach_msg_base_t);
// XNU: 48 MiB minus MAX_TRAILER_SIZE of inline message.
constexpr std::uint32_t max_message_size = 50331580;
constexpr std::uint32_t max_rights_per_message = 16383;
constexpr std::uint32_t hard_queue_cap = MACH_PORT_QLIMIT_KERNEL;

template <class T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
void store(std::byte* p, const T& v) {
  std::memcpy(p, &v, sizeof v);
}

bool is_send_disposition(mach_msg_type_name_t d) {
  return d >= MACH_MSG_TYPE_MOVE_SEND && d <= MACH_MSG_TYPE_MAKE_SEND_ONCE;
}
bool is_port_disposition(mach_msg_type_name_t d) {
  return d >= MACH_MSG_TYPE_MOVE_RECEIVE && d <= MACH_MSG_TYPE_MAKE_SEND_ONCE;
}

std::uint32_t descriptor_size(mach_msg_descriptor_type_t type) {
  return type == MACH_MSG_PORT_DESCRIPTOR ? 12u : 16u;
}

// XNU's ipc_object_copyin_type: what a disposition becomes in the message; anything that
// is not a port right becomes MACH_MSG_TYPE_PORT_NONE (0), which a descriptor naming
// MACH_PORT_NULL or MACH_PORT_DEAD carries to the receiver as is.
mach_msg_type_name_t received_type(mach_msg_type_name_t disposition) {
  switch (disposition) {
    case MACH_MSG_TYPE_MOVE_RECEIVE: return MACH_MSG_TYPE_PORT_RECEIVE;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE: return MACH_MSG_TYPE_PORT_SEND_ONCE;
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_MAKE_SEND:
    case MACH_MSG_TYPE_COPY_SEND: return MACH_MSG_TYPE_PORT_SEND;
    default: return 0;
  }
}

}  // namespace

// The trailer size a receive asks for, from MACH_RCV_TRAILER_ELEMENTS.
std::uint32_t requested_trailer_size(mach_msg_option_t options) {
  switch ((options >> 24) & 0xF) {
    case MACH_RCV_TRAILER_NULL: return sizeof(mach_msg_trailer_t);
    case MACH_RCV_TRAILER_SEQNO: return sizeof(mach_msg_seqno_trailer_t);
    case MACH_RCV_TRAILER_SENDER: return sizeof(mach_msg_security_trailer_t);
    case MACH_RCV_TRAILER_AUDIT: return sizeof(mach_msg_audit_trailer_t);
    case MACH_RCV_TRAILER_CTX: return sizeof(mach_msg_context_trailer_t);
    default: return sizeof(mach_msg_mac_trailer_t);
  }
}

void kmsg::reset() noexcept {
  next = nullptr;
  size = 0;
  bits = 0;
  dest = {};
  reply = {};
  voucher_raw = 0;
  id = 0;
  descs.clear();
  kernel_sender = false;
  sender = {};
  queued_on = nullptr;
  if (charge) {
    charge->bytes -= charged;
    charge->waiters.wake_all();  // they retry: those that still do not fit wait again
  }
  charge.reset();
  charged = 0;
}

kmsg* kernel::kmsg_new() {
  if (!free_kmsgs_.empty()) {
    kmsg* m = free_kmsgs_.back();
    free_kmsgs_.pop_back();
    return m;
  }
  return new kmsg;
}

void kernel::kmsg_free(kmsg* m) {
  m->reset();
  if (free_kmsgs_.size() < 256 && m->bytes.capacity() <= 4096) {
    free_kmsgs_.push_back(m);
  } else {
    delete m;
  }
}

// Destroys a message that will never be received: every right it carries is released
// (send-once rights notify their ports, receive rights are destroyed) and memory freed.
void kernel::kmsg_destroy(kmsg* m) {
  // The destination right itself just goes away (no send-once notification to a port
  // that is, in this path, usually dead anyway — XNU releases it the same way).
  if (m->dest.p) {
    if (m->dest.type == MACH_MSG_TYPE_PORT_SEND) {
      release_send(m->dest.p.get());
    } else if (m->dest.p->sorights) {
      --m->dest.p->sorights;
    }
    m->dest = {};
  }
  release_right(m->reply);
  for (kdesc& d : m->descs) {
    release_right(d.right);
    for (kright& r : d.ports) release_right(r);
    d.memory.reset();
  }
  kmsg_free(m);
}

kmsg* kernel::dequeue(port* p) {
  kmsg* m = p->head;
  if (!m) return nullptr;
  p->head = m->next;
  if (!p->head) p->tail = nullptr;
  m->next = nullptr;
  m->queued_on = nullptr;
  --p->msgcount;
  return m;
}

// Queues a copied-in message on its destination. Returns send_would_block when the queue is
// full (and the message is not a send-once or kernel message, which ignore limits).
mach_msg_return_t kernel::enqueue(kmsg* m, bool ignore_limit) {
  port* p = m->dest.p.get();
  if (!p->active || p->kernel_object) {
    // Sent to a dead port (or to a kernel object nobody serves): destroyed, "success".
    kmsg_destroy(m);
    return MACH_MSG_SUCCESS;
  }
  if (!ignore_limit && m->dest.type != MACH_MSG_TYPE_PORT_SEND_ONCE && p->full())
    return send_would_block;
  if (p->msgcount >= hard_queue_cap) return MACH_SEND_NO_BUFFER;
  m->queued_on = p;
  if (p->tail)
    p->tail->next = m;
  else
    p->head = m;
  p->tail = m;
  const bool was_empty = p->msgcount++ == 0;
  if (was_empty)
    for (port_set* s : p->sets) prepost(s, p);
  p->receivers.wake_all();
  for (port_set* s : p->sets) s->receivers.wake_all();
  if (was_empty) {
    knotes_changed(p);
    for (port_set* s : p->sets) knotes_changed(s);
  }
  return MACH_MSG_SUCCESS;
}

mach_msg_return_t kernel::send(task& t, std::span<std::byte> buffer, mach_msg_option_t options,
                               bool poll_only, user_memory& mem, send_waiter* w) {
  const std::size_t send_size = buffer.size();
  // 1. Sizes.
  if (send_size < header_size || send_size % 4 != 0) return MACH_SEND_MSG_TOO_SMALL;
  if (send_size > max_message_size) return MACH_SEND_TOO_LARGE;
  const std::byte* raw = buffer.data();
  const auto hdr = load<mach_msg_header_t>(raw);
  const bool complex = (hdr.msgh_bits & MACH_MSGH_BITS_COMPLEX) != 0;

  // 2 and 3. Body shape and descriptor scan, before any right is touched.
  std::uint32_t count = 0;
  if (complex) {
    if (send_size < base_size) return MACH_SEND_MSG_TOO_SMALL;
    count = load<mach_msg_body_t>(raw + header_size).msgh_descriptor_count;
    if (count > (send_size - base_size) / 12) return MACH_SEND_MSG_TOO_SMALL;
    std::uint64_t off = base_size;
    std::uint64_t rights = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
      if (off + 12 > send_size) return MACH_SEND_MSG_TOO_SMALL;
      const auto type = static_cast<mach_msg_descriptor_type_t>(raw[off + 11]);
      if (type > MACH_MSG_GUARDED_PORT_DESCRIPTOR) return MACH_SEND_INVALID_TYPE;
      const std::uint32_t dsize = descriptor_size(type);
      if (off + dsize > send_size) return MACH_SEND_MSG_TOO_SMALL;
      const std::byte* d = raw + off;
      switch (type) {
        case MACH_MSG_PORT_DESCRIPTOR:
          // The disposition is checked at body copy-in, after the header's rights (XNU:
          // ipc_kmsg_copyin_port_descriptor), and only for a valid name.
          ++rights;
          break;
        case MACH_MSG_OOL_DESCRIPTOR:
        case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
          const auto copy = static_cast<mach_msg_copy_options_t>(d[9]);
          if (copy != MACH_MSG_PHYSICAL_COPY && copy != MACH_MSG_VIRTUAL_COPY)
            return MACH_SEND_INVALID_TYPE;
          break;
        }
        case MACH_MSG_OOL_PORTS_DESCRIPTOR:
          rights += load<std::uint32_t>(d + 12);  // dispositions: as for port descriptors
          break;
        case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
          const auto disp = static_cast<mach_msg_type_name_t>(d[10]);
          const auto flags = load<std::uint16_t>(d + 8);
          const auto ctx = load<std::uint64_t>(d);
          if (disp != MACH_MSG_TYPE_MOVE_RECEIVE || flags == 0 ||
              (flags & ~MACH_MSG_GUARD_FLAGS_MASK) != 0 ||
              ((flags & MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND) && ctx != 0))
            return MACH_SEND_INVALID_TYPE;
          ++rights;
          break;
        }
        default:
          break;
      }
      off += dsize;
    }
    if (rights > max_rights_per_message) return MACH_SEND_TOO_LARGE;
  }

  // 4. Header validation, still without touching rights.
  const mach_msg_bits_t bits = hdr.msgh_bits;
  if (bits & ~MACH_MSGH_BITS_USER) return MACH_SEND_INVALID_HEADER;
  const mach_msg_type_name_t rdisp = MACH_MSGH_BITS_REMOTE(bits);
  const mach_msg_type_name_t ldisp = MACH_MSGH_BITS_LOCAL(bits);
  const mach_msg_type_name_t vdisp = MACH_MSGH_BITS_VOUCHER(bits);
  const mach_port_name_t dest_name = hdr.msgh_remote_port;
  const mach_port_name_t reply_name = hdr.msgh_local_port;
  const mach_port_name_t voucher_name = hdr.msgh_voucher_port;
  // XNU's order (ipc_kmsg_copyin_header): the header's dispositions, the destination
  // name, then the voucher, then the combinations of names.
  if (ldisp != 0 && !is_send_disposition(ldisp)) return MACH_SEND_INVALID_HEADER;
  if (ldisp == 0 && reply_name != MACH_PORT_NULL) return MACH_SEND_INVALID_HEADER;
  if (!is_send_disposition(rdisp)) return MACH_SEND_INVALID_HEADER;
  if (!MACH_PORT_VALID(dest_name)) return MACH_SEND_INVALID_DEST;
  if (vdisp != 0 && vdisp != MACH_MSG_TYPE_MOVE_SEND && vdisp != MACH_MSG_TYPE_COPY_SEND)
    return MACH_SEND_INVALID_VOUCHER;
  if (vdisp != 0 && voucher_name == MACH_PORT_DEAD) return MACH_SEND_INVALID_VOUCHER;
  // mach-emu has no vouchers: a voucher name that is not null cannot name one. So a
  // destination or reply name that is also the voucher name is refused here, as XNU
  // refuses any voucher name whose entry is not a voucher's send right.
  if (vdisp != 0 && MACH_PORT_VALID(voucher_name)) return MACH_SEND_INVALID_VOUCHER;
  if (dest_name == reply_name &&
      (rdisp == MACH_MSG_TYPE_MOVE_SEND_ONCE || ldisp == MACH_MSG_TYPE_MOVE_SEND_ONCE))
    return MACH_SEND_INVALID_DEST;

  // 5. Header rights lookup (atomic: checked completely before anything changes).
  const bool has_reply = ldisp != 0 && MACH_PORT_VALID(reply_name);
  bool dead_ok = false;
  if (has_reply) {
    entry* re = entry_at(t, reply_name);
    // A reply entry already turned into a dead name has no port right; one whose port died
    // but is not converted yet is accepted (it reaches the receiver as MACH_PORT_DEAD).
    if (!re || (re->type & (MACH_PORT_TYPE_DEAD_NAME | MACH_PORT_TYPE_PORT_SET)) ||
        !copy_in_would_succeed(t, reply_name, ldisp, true, &dead_ok))
      return MACH_SEND_INVALID_REPLY;
  }
  // 6. Destination.
  {
    entry* de = entry_at(t, dest_name);
    if (!de || (de->type & (MACH_PORT_TYPE_DEAD_NAME | MACH_PORT_TYPE_PORT_SET)))
      return MACH_SEND_INVALID_DEST;
    if (!copy_in_would_succeed(t, dest_name, rdisp, false, &dead_ok))
      return MACH_SEND_INVALID_DEST;
    port* dp = de->object->as_port();
    if (rdisp == MACH_MSG_TYPE_MOVE_SEND || rdisp == MACH_MSG_TYPE_COPY_SEND) {
      if (!dp->active) {
        convert_if_dead(t, dest_name, *de);
        return MACH_SEND_INVALID_DEST;
      }
    }
    if (has_reply && dest_name == reply_name && rdisp == MACH_MSG_TYPE_MOVE_SEND &&
        ldisp == MACH_MSG_TYPE_MOVE_SEND && de->urefs < 2)
      return MACH_SEND_INVALID_DEST;
  }

  // Copy the header rights in. Copies and makes go before moves so that a move of the
  // last uref cannot starve a copy of the same name.
  kmsg* m = kmsg_new();
  m->bytes.assign(raw, raw + send_size);
  m->size = static_cast<std::uint32_t>(send_size);
  m->bits = bits & ~MACH_MSGH_BITS_PORTS_MASK;
  m->voucher_raw = vdisp == 0 ? voucher_name : 0;
  m->id = hdr.msgh_id;
  m->sender = t.identity;
  const bool dest_first = rdisp != MACH_MSG_TYPE_MOVE_SEND && rdisp != MACH_MSG_TYPE_MOVE_SEND_ONCE;
  auto copy_dest = [&] {
    // A send-once destination whose port died before the entry was converted is accepted
    // as XNU does; the message is dropped at enqueue and the send reports success.
    entry* de = entry_at(t, dest_name);
    if (rdisp == MACH_MSG_TYPE_MOVE_SEND_ONCE && (de->type & MACH_PORT_TYPE_SEND_ONCE)) {
      m->dest.p = ref<port>(de->object->as_port());
      m->dest.type = MACH_MSG_TYPE_PORT_SEND_ONCE;
      cancel_requests(t, dest_name, *de, true);
      entry_free(t, dest_name);
      return;
    }
    copy_in_right(t, dest_name, rdisp, &m->dest, false);
  };
  auto copy_reply = [&] {
    if (!has_reply) return;
    entry* re = entry_at(t, reply_name);
    port* rp = re->object->as_port();
    if (!rp->active && (ldisp == MACH_MSG_TYPE_MOVE_SEND || ldisp == MACH_MSG_TYPE_COPY_SEND ||
                        ldisp == MACH_MSG_TYPE_MOVE_SEND_ONCE)) {
      // The port died but the entry was not converted yet: the receiver gets DEAD.
      kright r;
      copy_in_right(t, reply_name, ldisp, &r, true);
      release_right(r);
      m->reply.dead = true;
      m->reply.type = received_type(ldisp);
      return;
    }
    copy_in_right(t, reply_name, ldisp, &m->reply, false);
  };
  if (dest_first) {
    copy_dest();
    copy_reply();
  } else {
    copy_reply();
    copy_dest();
  }

  // 8. Body copy-in, descriptor by descriptor. Not atomic: on failure the header rights and
  // the descriptors done so far are destroyed, as XNU does.
  mach_msg_return_t mr = MACH_MSG_SUCCESS;
  if (complex) {
    std::uint32_t off = base_size;
    m->descs.reserve(count);
    for (std::uint32_t i = 0; i < count && mr == MACH_MSG_SUCCESS; ++i) {
      std::byte* d = m->bytes.data() + off;
      kdesc kd;
      kd.offset = off;
      kd.type = static_cast<mach_msg_descriptor_type_t>(d[11]);
      switch (kd.type) {
        case MACH_MSG_PORT_DESCRIPTOR: {
          const auto name = load<mach_port_name_t>(d);
          const auto disp = static_cast<mach_msg_type_name_t>(d[10]);
          kd.disposition = received_type(disp);
          if (name == MACH_PORT_DEAD) {
            kd.right.dead = true;
          } else if (name != MACH_PORT_NULL) {
            // XNU's copy-in refuses a disposition that is not a port right like any right
            // the name does not hold.
            if (!is_port_disposition(disp) ||
                copy_in_right(t, name, disp, &kd.right, true) != KERN_SUCCESS)
              mr = MACH_SEND_INVALID_RIGHT;
            else if (kd.right.type == MACH_MSG_TYPE_PORT_RECEIVE)
              kd.right.p->carried_by = m;
          }
          break;
        }
        case MACH_MSG_OOL_DESCRIPTOR:
        case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
          const auto address = load<std::uint64_t>(d);
          const auto size = load<std::uint32_t>(d + 12);
          const bool deallocate = d[8] != std::byte{0};
          kd.copy = static_cast<mach_msg_copy_options_t>(d[9]);
          kd.size = size;
          if (size != 0) {
            if (address + size < address) {
              mr = MACH_SEND_INVALID_MEMORY;
              break;
            }
            kd.memory = mem.copy_in(address, size);
            if (!kd.memory) {
              mr = MACH_SEND_INVALID_MEMORY;
              break;
            }
            if (deallocate) mem.deallocate(address, size);
          }
          break;
        }
        case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
          const auto address = load<std::uint64_t>(d);
          const auto n = load<std::uint32_t>(d + 12);
          const auto disp = static_cast<mach_msg_type_name_t>(d[10]);
          const bool deallocate = d[8] != std::byte{0};
          kd.disposition = received_type(disp);
          kd.size = n;
          if (n == 0) break;
          std::vector<mach_port_name_t> names(n);
          const std::uint64_t bytes = std::uint64_t{n} * sizeof(mach_port_name_t);
          if (address + bytes < address || !mem.read(address, names.data(), bytes)) {
            mr = MACH_SEND_INVALID_MEMORY;
            break;
          }
          kd.ports.resize(n);
          for (std::uint32_t k = 0; k < n; ++k) {
            if (names[k] == MACH_PORT_DEAD) {
              kd.ports[k].dead = true;
            } else if (names[k] != MACH_PORT_NULL) {
              if (!is_port_disposition(disp) ||
                  copy_in_right(t, names[k], disp, &kd.ports[k], true) != KERN_SUCCESS) {
                mr = MACH_SEND_INVALID_RIGHT;
                break;
              }
              if (kd.ports[k].type == MACH_MSG_TYPE_PORT_RECEIVE)
                kd.ports[k].p->carried_by = m;
            }
          }
          if (mr == MACH_MSG_SUCCESS && deallocate) mem.deallocate(address, bytes);
          break;
        }
        case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
          const auto ctx = load<std::uint64_t>(d);
          const auto flags = load<std::uint16_t>(d + 8);
          const auto name = load<mach_port_name_t>(d + 12);
          kd.disposition = MACH_MSG_TYPE_PORT_RECEIVE;
          kd.guard_flags = flags;
          if (!MACH_PORT_VALID(name)) break;
          entry* e = entry_at(t, name);
          if (!e || !(e->type & MACH_PORT_TYPE_RECEIVE)) {
            mr = MACH_SEND_INVALID_RIGHT;
            break;
          }
          port* p = e->object->as_port();
          const bool unguarded_ok = (flags & MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND) &&
                                    !p->guarded && p->context == 0;
          const bool guard_ok = p->guarded && p->context == ctx;
          if (!unguarded_ok && !guard_ok) {
            mr = MACH_SEND_INVALID_RIGHT;
            break;
          }
          if (copy_in_right(t, name, MACH_MSG_TYPE_MOVE_RECEIVE, &kd.right, true) !=
              KERN_SUCCESS) {
            mr = MACH_SEND_INVALID_RIGHT;
            break;
          }
          kd.right.p->carried_by = m;
          break;
        }
        default:
          break;
      }
      off += descriptor_size(kd.type);
      m->descs.push_back(std::move(kd));
    }
  }
  if (mr != MACH_MSG_SUCCESS) {
    kmsg_destroy(m);
    return mr;
  }

  // 9. Circularity: a receive right in the message that is, or leads to, the destination.
  if (complex) {
    auto carries = [&](port* x) {
      for (const kdesc& d : m->descs) {
        if (d.right.type == MACH_MSG_TYPE_PORT_RECEIVE && d.right.p.get() == x) return true;
        for (const kright& r : d.ports)
          if (r.type == MACH_MSG_TYPE_PORT_RECEIVE && r.p.get() == x) return true;
      }
      return false;
    };
    for (port* x = m->dest.p.get(); x;) {
      if (carries(x)) {
        kmsg_destroy(m);
        return MACH_MSG_SUCCESS;
      }
      if (x->receiver || !x->carried_by || x->carried_by == m) break;
      x = x->carried_by->queued_on;
    }
  }

  // MACH_SEND_NOTIFY: a full queue arms the sender's send-possible request on the dest.
  port* dp = m->dest.p.get();
  if ((options & MACH_SEND_NOTIFY) && dp->active && dp->full()) {
    for (name_request& r : dp->requests)
      if (r.owner == &t && r.name == dest_name && r.send_possible) r.armed = true;
  }

  // 10. The sender's budget of held bytes, then queueing. A sender beyond its budget
  // waits for its earlier messages to be received, as a sender to a full queue waits for
  // room: the message stays uncharged in the waiter until then.
  if (cfg_.max_queued_bytes_per_task != 0) {
    if (message_weight(*m) > cfg_.max_queued_bytes_per_task) {
      pseudo_receive(t, m, buffer, mem);
      return MACH_SEND_NO_BUFFER;  // it could never fit
    }
    if (!try_charge(t, *m)) {
      if (poll_only || !w) {
        pseudo_receive(t, m, buffer, mem);
        return MACH_SEND_TIMED_OUT;
      }
      w->pending = m;
      w->blocked_on.reset();
      t.queued->waiters.add(*w);
      return send_would_block;
    }
  }
  mr = enqueue(m, false);
  if (mr == send_would_block) {
    if (poll_only || !w) {
      pseudo_receive(t, m, buffer, mem);
      return MACH_SEND_TIMED_OUT;
    }
    w->pending = m;
    w->blocked_on = m->dest.p;
    m->dest.p->senders.add(*w);
    return send_would_block;
  }
  if (mr == MACH_SEND_NO_BUFFER) {
    pseudo_receive(t, m, buffer, mem);
    return mr;
  }
  return mr;
}

// A message's weight against its sender's budget: its bytes and its OOL regions.
std::size_t kernel::message_weight(const kmsg& m) noexcept {
  std::size_t weight = m.bytes.size();
  for (const kdesc& d : m.descs)
    if (d.memory) weight += d.memory->size;
  return weight;
}

// Charges `m` to its sender `t` when the budget has room for it.
bool kernel::try_charge(task& t, kmsg& m) {
  const std::size_t weight = message_weight(m);
  t.queued->refused = t.queued->bytes + weight > cfg_.max_queued_bytes_per_task;
  if (t.queued->refused) return false;
  m.charge = t.queued;
  m.charged = weight;
  t.queued->bytes += weight;
  return true;
}

mach_msg_return_t kernel::send_retry(task& t, send_waiter& w) {
  wait_queue::remove(w);
  kmsg* m = w.pending;
  if (!m) return MACH_MSG_SUCCESS;
  if (cfg_.max_queued_bytes_per_task != 0 && !m->charge && !m->kernel_sender) {
    if (!try_charge(t, *m)) {
      t.queued->waiters.add(w);
      return send_would_block;
    }
  }
  const mach_msg_return_t mr = enqueue(m, false);
  if (mr == send_would_block) {
    m->dest.p->senders.add(w);
    return mr;
  }
  w.pending = nullptr;
  w.blocked_on.reset();
  return mr;
}

mach_msg_return_t kernel::send_abandon(task& t, send_waiter& w, std::span<std::byte> buffer,
                                       user_memory& mem, mach_msg_return_t why) {
  wait_queue::remove(w);
  kmsg* m = std::exchange(w.pending, nullptr);
  w.blocked_on.reset();
  if (!m) return MACH_MSG_SUCCESS;
  if (!t.active) {
    kmsg_destroy(m);
    return why;
  }
  pseudo_receive(t, m, buffer, mem);
  return why;
}

// XNU's pseudo-receive: every right of a message that could not be queued goes back into
// the sender's space and the buffer is rewritten with the new names. The header is not
// swapped: remote stays the destination, local the reply. No trailer is written.
void kernel::pseudo_receive(task& t, kmsg* m, std::span<std::byte> buffer, user_memory& mem) {
  std::byte* out = buffer.data();
  const mach_msg_type_name_t dest_type = m->dest.type;
  const mach_msg_type_name_t reply_type = m->reply.empty() ? 0 : m->reply.type;
  mach_port_name_t dest_name = MACH_PORT_NULL, reply_name = MACH_PORT_NULL;
  copy_out_right(t, std::move(m->dest), &dest_name);
  copy_out_right(t, std::move(m->reply), &reply_name);
  auto hdr = load<mach_msg_header_t>(m->bytes.data());
  hdr.msgh_bits = m->bits | MACH_MSGH_BITS(dest_type, reply_type);
  hdr.msgh_remote_port = dest_name;
  hdr.msgh_local_port = reply_name;
  hdr.msgh_size = m->size;  // the sent size, as XNU's copy-in wrote it into its kmsg
  store(m->bytes.data(), hdr);
  for (kdesc& d : m->descs) {
    std::byte* p = m->bytes.data() + d.offset;
    switch (d.type) {
      case MACH_MSG_PORT_DESCRIPTOR:
      case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
        mach_port_name_t n = MACH_PORT_NULL;
        copy_out_right(t, std::move(d.right), &n);
        if (d.type == MACH_MSG_PORT_DESCRIPTOR) {
          store(p, n);
          p[10] = static_cast<std::byte>(d.disposition);
        } else {
          store(p + 12, n);
        }
        break;
      }
      case MACH_MSG_OOL_DESCRIPTOR:
      case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
        std::uint64_t a = 0;
        if (d.memory) a = mem.map_region(*d.memory);
        store(p, a);
        // As a receive would: XNU's pseudo-receive copies the body out the same way.
        p[8] = static_cast<std::byte>(d.copy == MACH_MSG_VIRTUAL_COPY);
        d.memory.reset();
        break;
      }
      case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
        std::vector<mach_port_name_t> names(d.ports.size());
        for (std::size_t k = 0; k < d.ports.size(); ++k)
          copy_out_right(t, std::move(d.ports[k]), &names[k]);
        std::uint64_t a = 0;
        if (!names.empty())
          a = mem.copy_out(reinterpret_cast<const std::byte*>(names.data()),
                           names.size() * sizeof(mach_port_name_t));
        store(p, a);
        p[8] = std::byte{1};
        p[9] = static_cast<std::byte>(MACH_MSG_VIRTUAL_COPY);
        p[10] = static_cast<std::byte>(d.disposition);
        break;
      }
      default:
        break;
    }
  }
  std::memcpy(out, m->bytes.data(), std::min<std::size_t>(buffer.size(), m->size));
  m->descs.clear();
  kmsg_free(m);
}

// Picks the port whose message a receive on `obj` takes: the port itself, or for a set
// the member holding the oldest message.
mach_msg_return_t kernel::receive(task& t, mach_port_name_t name, std::span<std::byte> buffer,
                                  mach_msg_option_t options, user_memory& mem,
                                  receive_waiter* w) {
  if (w) wait_queue::remove(*w);
  entry* e = entry_at(t, name);
  ipc_object* obj = nullptr;
  if (e && (e->type & MACH_PORT_TYPE_RECEIVE))
    obj = e->object.get();
  else if (e && (e->type & MACH_PORT_TYPE_PORT_SET))
    obj = e->object.get();
  if (w && w->object) {
    // A retry after waiting: the port or set we waited on must still be the one here.
    if (obj != w->object.get() || !obj->active) {
      w->object.reset();
      return MACH_RCV_PORT_CHANGED;
    }
  }
  if (!obj) return MACH_RCV_INVALID_NAME;
  const mach_msg_return_t mr = receive_from(t, obj, name, buffer, options, mem);
  if (mr == receive_would_block && w) {
    w->object = ref<ipc_object>(obj);
    obj->receivers.add(*w);
  } else if (w) {
    w->object.reset();
  }
  return mr;
}

void kernel::cancel_wait(waiter& w) { wait_queue::remove(w); }

mach_msg_return_t kernel::receive_from(task& t, ipc_object* obj, mach_port_name_t,
                                       std::span<std::byte> buffer, mach_msg_option_t options,
                                       user_memory& mem) {
  port* p = pick_port(obj);
  if (!p) return receive_would_block;
  kmsg* m = p->head;
  const std::uint32_t trailer = requested_trailer_size(options);
  const std::size_t rcv_size = buffer.size();
  if (std::uint64_t{m->size} + trailer > rcv_size) {
    if (options & MACH_RCV_LARGE) {
      // The message stays queued; tell the caller its size. XNU reports the message size
      // without the trailer (ith_msize = copyout size); callers add the trailer themselves.
      if (rcv_size >= 8) store(buffer.data() + 4, static_cast<mach_msg_size_t>(m->size));
      if ((options & MACH_RCV_LARGE_IDENTITY) && rcv_size >= 16)
        store(buffer.data() + 12, p->receiver_name);
      return MACH_RCV_TOO_LARGE;
    }
    // Without MACH_RCV_LARGE the message is lost: dequeued, destroyed, and only a bare
    // header (with the id) reaches the caller.
    dequeue(p);
    if (port_set* s = obj->as_set()) turn_taken(s, p);
    const std::uint32_t seq = p->seqno++;
    const mach_msg_id_t id = m->id;
    const mach_msg_type_name_t dtype = m->dest.type;
    kmsg_destroy(m);
    p->senders.wake_all();
    fire_send_possible(p);
    knotes_changed(p);
    for (port_set* s : p->sets) knotes_changed(s);
    if (rcv_size >= header_size) {
      mach_msg_header_t h{};
      h.msgh_bits = MACH_MSGH_BITS(0, dtype);
      h.msgh_size = header_size;
      h.msgh_local_port = p->receiver_name;
      h.msgh_id = id;
      store(buffer.data(), h);
      const std::size_t room = rcv_size - header_size;
      mach_msg_seqno_trailer_t tr{};
      tr.msgh_trailer_type = MACH_MSG_TRAILER_FORMAT_0;
      tr.msgh_trailer_size = static_cast<mach_msg_trailer_size_t>(std::min<std::size_t>(trailer, sizeof tr));
      tr.msgh_seqno = seq;
      std::memcpy(buffer.data() + header_size, &tr, std::min(room, sizeof tr));
    }
    return MACH_RCV_TOO_LARGE;
  }
  dequeue(p);
  if (port_set* s = obj->as_set()) turn_taken(s, p);
  const mach_msg_return_t mr = copy_out(t, m, buffer, options, mem, p);
  p->senders.wake_all();
  fire_send_possible(p);
  if (!p->head) {
    knotes_changed(p);
    for (port_set* s : p->sets) knotes_changed(s);
  }
  return mr;
}

// Writes a dequeued message into the receiver's buffer, copying its rights and memory out
// into the receiver's space, and appends the requested trailer. Consumes `m`.
mach_msg_return_t kernel::copy_out(task& t, kmsg* m, std::span<std::byte> buffer,
                                   mach_msg_option_t options, user_memory& mem, port* from) {
  std::byte* out = buffer.data();
  const std::uint32_t seq = from->seqno++;
  mach_msg_return_t body_error = MACH_MSG_SUCCESS;

  // The destination right is consumed by delivery.
  const mach_msg_type_name_t dest_type = m->dest.type;
  if (dest_type == MACH_MSG_TYPE_PORT_SEND) {
    release_send(from);
  } else if (from->sorights) {
    --from->sorights;
  }
  m->dest = {};

  const mach_msg_type_name_t reply_type = m->reply.empty() ? 0 : m->reply.type;
  mach_port_name_t reply_name = MACH_PORT_NULL;
  if (copy_out_right(t, std::move(m->reply), &reply_name) != KERN_SUCCESS) {
    // XNU reports a header copy-out failure and the message is lost.
    kmsg_destroy(m);
    return MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE;
  }
  auto hdr = load<mach_msg_header_t>(m->bytes.data());
  hdr.msgh_bits = (m->bits & ~MACH_MSGH_BITS_PORTS_MASK) |
                  MACH_MSGH_BITS(reply_type, dest_type);
  hdr.msgh_size = m->size;
  hdr.msgh_remote_port = reply_name;
  hdr.msgh_local_port = from->receiver_name;
  hdr.msgh_voucher_port = m->voucher_raw;
  hdr.msgh_id = m->id;
  store(m->bytes.data(), hdr);

  for (kdesc& d : m->descs) {
    std::byte* p = m->bytes.data() + d.offset;
    switch (d.type) {
      case MACH_MSG_PORT_DESCRIPTOR: {
        mach_port_name_t n = MACH_PORT_NULL;
        const mach_msg_type_name_t disp = d.right.p ? d.right.type : d.disposition;
        if (copy_out_right(t, std::move(d.right), &n) != KERN_SUCCESS)
          body_error = MACH_RCV_BODY_ERROR | MACH_MSG_IPC_SPACE;
        store(p, n);
        store(p + 4, std::uint32_t{0});
        p[8] = p[9] = std::byte{0};
        p[10] = static_cast<std::byte>(disp);
        break;
      }
      case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
        mach_port_name_t n = MACH_PORT_NULL;
        std::uint64_t ctx = 0;
        mach_msg_guard_flags_t flags = d.guard_flags & ~MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND;
        if (!(options & MACH_RCV_GUARDED_DESC)) {
          // The receiver did not ask for guarded descriptors: the right is destroyed.
          release_right(d.right);
          flags = 0;
        } else {
          ref<port> rp = d.right.p;
          if (copy_out_right(t, std::move(d.right), &n) != KERN_SUCCESS) {
            body_error = MACH_RCV_BODY_ERROR | MACH_MSG_IPC_SPACE;
          } else if (rp && (flags & MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE)) {
            ctx = mem.receive_address(out);  // XNU: the receiver's buffer address
            rp->guarded = true;
            rp->strict_guard = false;
            rp->immovable_receive = true;
            rp->context = ctx;
          }
        }
        store(p, ctx);
        store(p + 8, static_cast<std::uint16_t>(flags));
        p[10] = static_cast<std::byte>(MACH_MSG_TYPE_PORT_RECEIVE);
        store(p + 12, n);
        break;
      }
      case MACH_MSG_OOL_DESCRIPTOR:
      case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
        std::uint64_t a = 0;
        if (d.memory) {
          a = mem.map_region(*d.memory);
          if (a == 0) body_error = MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
        }
        d.memory.reset();
        store(p, a);
        // XNU quirk: the receiver's deallocate flag is (copy == VIRTUAL_COPY).
        p[8] = static_cast<std::byte>(d.copy == MACH_MSG_VIRTUAL_COPY);
        store(p + 12, a ? d.size : (d.size == 0 ? 0u : d.size));
        break;
      }
      case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
        std::vector<mach_port_name_t> names(d.ports.size());
        for (std::size_t k = 0; k < d.ports.size(); ++k)
          if (copy_out_right(t, std::move(d.ports[k]), &names[k]) != KERN_SUCCESS)
            body_error = MACH_RCV_BODY_ERROR | MACH_MSG_IPC_SPACE;
        std::uint64_t a = 0;
        if (!names.empty()) {
          a = mem.copy_out(reinterpret_cast<const std::byte*>(names.data()),
                           names.size() * sizeof(mach_port_name_t));
          if (a == 0) {
            body_error = MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
            for (mach_port_name_t n : names) {
              if (!MACH_PORT_VALID(n)) continue;
              // Could not hand the array out: the rights in it are lost, as on XNU.
              port_destroy(t, n);
            }
          }
        }
        store(p, a);
        p[8] = std::byte{1};
        p[9] = static_cast<std::byte>(MACH_MSG_VIRTUAL_COPY);
        p[10] = static_cast<std::byte>(d.disposition);
        break;
      }
      default:
        break;
    }
  }

  std::memcpy(out, m->bytes.data(), m->size);
  // The trailer: a prefix of the maximal format-0 trailer.
  mach_msg_mac_trailer_t tr{};
  tr.msgh_trailer_type = MACH_MSG_TRAILER_FORMAT_0;
  tr.msgh_trailer_size = requested_trailer_size(options);
  tr.msgh_seqno = seq;
  if (m->kernel_sender) {
    tr.msgh_sender.val[0] = 0;
    tr.msgh_sender.val[1] = 1;
  } else {
    const task_identity& s = m->sender;
    tr.msgh_sender.val[0] = s.euid;
    tr.msgh_sender.val[1] = s.egid;
    tr.msgh_audit.val[0] = s.auid;
    tr.msgh_audit.val[1] = s.euid;
    tr.msgh_audit.val[2] = s.egid;
    tr.msgh_audit.val[3] = s.ruid;
    tr.msgh_audit.val[4] = s.rgid;
    tr.msgh_audit.val[5] = s.pid;
    tr.msgh_audit.val[6] = s.asid;
    tr.msgh_audit.val[7] = s.pidversion;
  }
  tr.msgh_context = from->context;
  std::memcpy(out + m->size, &tr, tr.msgh_trailer_size);
  m->descs.clear();
  kmsg_free(m);
  return body_error;
}

}  // namespace machemu::kern
