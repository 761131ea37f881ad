// SPDX-License-Identifier: BSL-1.0
// Per-task name spaces: allocation, lookup and XNU's lazy dead-name conversion.
//
// A name is (index << 8) | generation. The generation byte always has its low two bits
// set and advances by 4 each time a slot is reused, so a stale name never finds the new
// right that took its slot (XNU: IE_BITS_GEN_ONE). Free slots form a LIFO list, as in XNU.
#include <algorithm>

#include "kernel/kernel.hpp"

namespace machemu::kern {

namespace {
constexpr std::uint32_t index_of(mach_port_name_t n) { return n >> 8; }
constexpr std::uint8_t gen_of(mach_port_name_t n) { return static_cast<std::uint8_t>(n & 0xFF); }
constexpr mach_port_name_t make_name(std::uint32_t index, std::uint8_t gen) {
  return (index << 8) | gen;
}
// XNU rolls the generation over before it wraps; we roll after 0xFF → 0x03.
constexpr std::uint8_t next_gen(std::uint8_t g) {
  return g == 0xFF ? std::uint8_t{0x03} : static_cast<std::uint8_t>(g + 4);
}
}  // namespace

entry* kernel::entry_at(task& t, mach_port_name_t name) {
  const std::uint32_t index = index_of(name);
  if (index == 0 || index >= t.names.table.size()) return nullptr;
  entry& e = t.names.table[index];
  if (e.type == 0 || e.gen != gen_of(name)) return nullptr;
  return &e;
}

// Looks a name up and, like XNU's ipc_right_check, turns a send or send-once right whose
// port has died into a dead name first.
entry* kernel::lookup_live(task& t, mach_port_name_t name) {
  entry* e = entry_at(t, name);
  if (e) convert_if_dead(t, name, *e);
  return e;
}

void kernel::convert_if_dead(task& t, mach_port_name_t name, entry& e) {
  if (!(e.type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE))) return;
  if (e.type & MACH_PORT_TYPE_RECEIVE) return;  // our own port cannot be dead
  port* p = e.object->as_port();
  if (p->active) return;
  mach_port_urefs_t urefs = (e.type & MACH_PORT_TYPE_SEND) ? e.urefs : 1;
  if (e.type & MACH_PORT_TYPE_SEND) {
    forget_name(p, &t, name);
    if (p->srights) --p->srights;
  } else if (p->sorights) {
    --p->sorights;
  }
  // The dead-name notification that XNU delivered for this name carries one extra uref.
  if (e.dn_fired && urefs < urefs_max) ++urefs;
  e.dn_fired = false;
  e.has_request = false;
  e.type = MACH_PORT_TYPE_DEAD_NAME;
  e.urefs = urefs;
  e.object.reset();
}

kern_return_t kernel::entry_alloc(task& t, mach_port_name_t* name, entry** out) {
  space& s = t.names;
  if (s.live >= s.limit) return KERN_NO_SPACE;
  std::uint32_t index = s.free_head;
  if (index != 0) {
    s.free_head = s.table[index].next_free;
  } else {
    if (s.table.size() > (MACH_PORT_INDEX(MACH_PORT_DEAD) - 1)) return KERN_NO_SPACE;
    index = static_cast<std::uint32_t>(s.table.size());
    s.table.emplace_back();
  }
  entry& e = s.table[index];
  e.next_free = 0;
  ++s.live;
  *name = make_name(index, e.gen);
  *out = &e;
  return KERN_SUCCESS;
}

// Takes a caller-chosen name (allocate_name, insert_right). Mirrors XNU's checks:
// generation bits not both set → INVALID_VALUE; index 0 → FAILURE; slot busy under another
// generation → FAILURE; same name busy → NAME_EXISTS (the caller may instead reuse it).
kern_return_t kernel::entry_claim(task& t, mach_port_name_t name, entry** out) {
  if ((name | 3) != name) return KERN_INVALID_VALUE;
  const std::uint32_t index = index_of(name);
  if (index == 0) return KERN_FAILURE;
  space& s = t.names;
  if (index >= s.limit + 1 || index >= MACH_PORT_INDEX(MACH_PORT_DEAD)) return KERN_NO_SPACE;
  if (index < s.table.size() && s.table[index].type != 0) {
    return s.table[index].gen == gen_of(name) ? KERN_NAME_EXISTS : KERN_FAILURE;
  }
  if (s.live >= s.limit) return KERN_NO_SPACE;
  // Grow, threading new slots (except the claimed one) onto the free list.
  while (s.table.size() <= index) {
    const auto i = static_cast<std::uint32_t>(s.table.size());
    s.table.emplace_back();
    if (i != index) {
      s.table[i].next_free = s.free_head;
      s.free_head = i;
    }
  }
  // Unlink the claimed slot from the free list if it was there.
  for (std::uint32_t* link = &s.free_head; *link != 0; link = &s.table[*link].next_free) {
    if (*link == index) {
      *link = s.table[index].next_free;
      break;
    }
  }
  entry& e = s.table[index];
  e.gen = gen_of(name);
  e.next_free = 0;
  ++s.live;
  *out = &e;
  return KERN_SUCCESS;
}

void kernel::entry_free(task& t, mach_port_name_t name) {
  const std::uint32_t index = index_of(name);
  entry& e = t.names.table[index];
  e.type = 0;
  e.urefs = 0;
  e.dn_fired = false;
  e.has_request = false;
  e.object.reset();
  e.gen = next_gen(e.gen);
  e.next_free = t.names.free_head;
  t.names.free_head = index;
  --t.names.live;
}

mach_port_name_t kernel::name_of(task& t, port* p) {
  return p->names.find(&t);
}

void kernel::forget_name(port* p, task* t, mach_port_name_t name) {
  p->names.remove(t, name);
}

}  // namespace machemu::kern
