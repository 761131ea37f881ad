// SPDX-License-Identifier: BSL-1.0
// The mach_port_* calls, with XNU's argument checks and return codes
// (see ../shared/mach-semantics.md §3).
#include <algorithm>
#include <cstring>

#include <mach/notify.h>

#include "kernel/kernel.hpp"

namespace machemu::kern {

namespace {
constexpr bool special(mach_port_name_t n) { return !MACH_PORT_VALID(n); }
}  // namespace

kern_return_t kernel::receive_port_of(task& t, mach_port_name_t name, port** out,
                                      kern_return_t special_name) {
  if (special(name)) return special_name;
  entry* e = lookup_live(t, name);
  if (!e) return KERN_INVALID_NAME;
  if (!(e->type & MACH_PORT_TYPE_RECEIVE)) return KERN_INVALID_RIGHT;
  *out = e->object->as_port();
  return KERN_SUCCESS;
}

// The right a fresh entry under `name` holds after mach_port_allocate{,_name}: a new
// port's receive right, an empty port set, or a dead name with one uref. `right` has been
// checked by the caller.
void kernel::fill_new_entry(task& t, mach_port_name_t name, entry& e, mach_port_right_t right) {
  switch (right) {
    case MACH_PORT_RIGHT_RECEIVE: {
      ref<port> p = new_port();
      p->receiver = &t;
      p->receiver_name = name;
      p->names.add(&t, name);
      e.type = MACH_PORT_TYPE_RECEIVE;
      e.object = ref<ipc_object>(p.get());
      break;
    }
    case MACH_PORT_RIGHT_PORT_SET: {
      ref<port_set> s = make_ref<port_set>();
      s->owner = &t;
      s->name = name;
      e.type = MACH_PORT_TYPE_PORT_SET;
      e.object = ref<ipc_object>(s.get());
      break;
    }
    default:
      e.type = MACH_PORT_TYPE_DEAD_NAME;
      e.urefs = 1;
      break;
  }
}

namespace {
constexpr bool allocatable(mach_port_right_t right) {
  return right == MACH_PORT_RIGHT_RECEIVE || right == MACH_PORT_RIGHT_PORT_SET ||
         right == MACH_PORT_RIGHT_DEAD_NAME;
}
}  // namespace

kern_return_t kernel::port_allocate(task& t, mach_port_right_t right, mach_port_name_t* name) {
  if (!allocatable(right)) return KERN_INVALID_VALUE;
  entry* e = nullptr;
  if (kern_return_t kr = entry_alloc(t, name, &e); kr != KERN_SUCCESS) return kr;
  fill_new_entry(t, *name, *e, right);
  return KERN_SUCCESS;
}

kern_return_t kernel::port_allocate_name(task& t, mach_port_right_t right, mach_port_name_t name) {
  if (!allocatable(right)) return KERN_INVALID_VALUE;
  if (special(name)) return KERN_INVALID_VALUE;
  entry* e = nullptr;
  if (kern_return_t kr = entry_claim(t, name, &e); kr != KERN_SUCCESS) return kr;
  fill_new_entry(t, name, *e, right);
  return KERN_SUCCESS;
}

kern_return_t kernel::port_construct(task& t, const mach_port_options_t* options,
                                     mach_port_context_t context, mach_port_name_t* name) {
  const std::uint32_t flags = options->flags;
  const int kinds = !!(flags & MPO_SERVICE_PORT) + !!(flags & MPO_CONNECTION_PORT) +
                    !!(flags & MPO_TG_BLOCK_TRACKING);
  const int replies = !!(flags & MPO_REPLY_PORT) + !!(flags & MPO_ENFORCE_REPLY_PORT_SEMANTICS) +
                      !!(flags & MPO_EXCEPTION_PORT) + !!(flags & MPO_PROVISIONAL_REPLY_PORT);
  if (kinds > 1 || replies > 1) return KERN_INVALID_ARGUMENT;
  if (flags & (MPO_SERVICE_PORT | MPO_TG_BLOCK_TRACKING)) return KERN_DENIED;
  if ((flags & MPO_QLIMIT) && options->mpl.mpl_qlimit > MACH_PORT_QLIMIT_MAX)
    return KERN_INVALID_VALUE;
  if (kern_return_t kr = port_allocate(t, MACH_PORT_RIGHT_RECEIVE, name); kr != KERN_SUCCESS)
    return kr;
  entry& e = *entry_at(t, *name);
  port* p = e.object->as_port();
  if (flags & MPO_QLIMIT) p->qlimit = options->mpl.mpl_qlimit;
  if (flags & MPO_INSERT_SEND_RIGHT) {
    e.type |= MACH_PORT_TYPE_SEND;
    e.urefs = 1;
    ++p->srights;
    ++p->mscount;
  }
  p->context = context;
  if (flags & MPO_CONTEXT_AS_GUARD) {
    p->guarded = true;
    p->strict_guard = (flags & MPO_STRICT) != 0;
    p->immovable_receive = (flags & MPO_IMMOVABLE_RECEIVE) != 0;
  }
  return KERN_SUCCESS;
}

kern_return_t kernel::port_destruct(task& t, mach_port_name_t name, mach_port_delta_t srdelta,
                                    mach_port_context_t guard) {
  port* p = nullptr;
  if (kern_return_t kr = receive_port_of(t, name, &p, KERN_INVALID_NAME); kr != KERN_SUCCESS)
    return kr;
  entry* e = entry_at(t, name);
  if (srdelta > 0) return KERN_INVALID_VALUE;
  if (srdelta != 0 && !(e->type & MACH_PORT_TYPE_SEND)) return KERN_INVALID_RIGHT;
  if (srdelta != 0 && static_cast<mach_port_urefs_t>(-srdelta) > e->urefs)
    return KERN_INVALID_VALUE;
  if (p->guarded && p->context != guard) {
    guard_exception(t, name, kGUARD_EXC_INCORRECT_GUARD, guard);
    return KERN_INVALID_ARGUMENT;
  }
  ref<port> keep(p);
  if (srdelta != 0) {
    drop_send_uref(t, name, *e, static_cast<mach_port_urefs_t>(-srdelta));
    e = entry_at(t, name);
  }
  receive_leaves_space(t, name, *e, true);
  return KERN_SUCCESS;
}

void kernel::guard_exception(task& t, mach_port_name_t name, std::uint32_t flavor,
                             std::uint64_t subcode) {
  // XNU's EXC_GUARD code: the guard type in bits 61-63, the flavor in 32-60, the target
  // (the port's name) in 0-31 (kern/exc_guard.h).
  constexpr std::uint64_t guard_type_mach_port = 1;
  t.guard_code = (guard_type_mach_port << 61) | (std::uint64_t{flavor} << 32) | name;
  t.guard_subcode = subcode;
}

kern_return_t kernel::port_guard(task& t, mach_port_name_t name, mach_port_context_t guard,
                                 std::uint64_t flags) {
  port* p = nullptr;
  if (kern_return_t kr = receive_port_of(t, name, &p, KERN_INVALID_NAME); kr != KERN_SUCCESS)
    return kr;
  if (p->guarded || p->context != 0) return KERN_INVALID_ARGUMENT;
  p->guarded = true;
  p->context = guard;
  p->strict_guard = (flags & MPG_STRICT) != 0;
  if (flags & MPG_IMMOVABLE_RECEIVE) p->immovable_receive = true;
  return KERN_SUCCESS;
}

kern_return_t kernel::port_unguard(task& t, mach_port_name_t name, mach_port_context_t guard) {
  port* p = nullptr;
  if (kern_return_t kr = receive_port_of(t, name, &p, KERN_INVALID_NAME); kr != KERN_SUCCESS)
    return kr;
  if (!p->guarded) {
    guard_exception(t, name, kGUARD_EXC_UNGUARDED, guard);
    return KERN_INVALID_ARGUMENT;
  }
  if (p->context != guard) {
    guard_exception(t, name, kGUARD_EXC_INCORRECT_GUARD, guard);
    return KERN_INVALID_ARGUMENT;
  }
  p->guarded = false;
  p->strict_guard = false;
  p->context = 0;  // the immovable bit is sticky, as on XNU
  return KERN_SUCCESS;
}

kern_return_t kernel::port_swap_guard(task& t, mach_port_name_t name,
                                      mach_port_context_t old_guard,
                                      mach_port_context_t new_guard) {
  port* p = nullptr;
  if (kern_return_t kr = receive_port_of(t, name, &p, KERN_INVALID_NAME); kr != KERN_SUCCESS)
    return kr;
  if (!p->guarded) {
    guard_exception(t, name, kGUARD_EXC_UNGUARDED, old_guard);
    return KERN_INVALID_ARGUMENT;
  }
  if (p->strict_guard || p->context != old_guard) {
    guard_exception(t, name, kGUARD_EXC_INCORRECT_GUARD, old_guard);
    return KERN_INVALID_ARGUMENT;
  }
  p->context = new_guard;
  return KERN_SUCCESS;
}

kern_return_t kernel::port_deallocate(task& t, mach_port_name_t name) {
  if (special(name)) return KERN_SUCCESS;
  entry* e = lookup_live(t, name);
  if (!e) return KERN_INVALID_NAME;
  if (e->type & MACH_PORT_TYPE_DEAD_NAME) {
    if (e->urefs != urefs_max && --e->urefs == 0) entry_free(t, name);
    return KERN_SUCCESS;
  }
  if (e->type & MACH_PORT_TYPE_SEND_ONCE) {
    ref<port> p(e->object->as_port());
    cancel_requests(t, name, *e, true);
    entry_free(t, name);
    release_send_once(std::move(p));
    return KERN_SUCCESS;
  }
  if (e->type & MACH_PORT_TYPE_SEND) {
    if (e->urefs == urefs_max) return KERN_SUCCESS;  // pegged
    drop_send_uref(t, name, *e, 1);
    return KERN_SUCCESS;
  }
  if (e->type & MACH_PORT_TYPE_PORT_SET) {
    destroy_set(t, name, *e);
    return KERN_SUCCESS;
  }
  return KERN_INVALID_RIGHT;
}

kern_return_t kernel::port_destroy(task& t, mach_port_name_t name) {
  if (special(name)) return KERN_SUCCESS;
  entry* e = lookup_live(t, name);
  if (!e) return KERN_INVALID_NAME;
  if (e->type & MACH_PORT_TYPE_PORT_SET) {
    destroy_set(t, name, *e);
    return KERN_SUCCESS;
  }
  if (e->type & MACH_PORT_TYPE_RECEIVE) {
    port* p = e->object->as_port();
    if (p->guarded && p->context != 0) {
      guard_exception(t, name, kGUARD_EXC_DESTROY, p->context);
      return KERN_INVALID_RIGHT;
    }
  }
  cancel_requests(t, name, *e, true);
  ref<ipc_object> obj = e->object;
  const mach_port_type_t type = e->type;
  port* p = obj ? obj->as_port() : nullptr;
  if (type & MACH_PORT_TYPE_SEND_ONCE) {
    entry_free(t, name);
    release_send_once(ref<port>(p));
    return KERN_SUCCESS;
  }
  if (type & MACH_PORT_TYPE_RECEIVE) {
    if (type & MACH_PORT_TYPE_SEND) {
      // Both rights go: the send right first (no no-senders: the port is dying).
      forget_name(p, &t, name);
      if (p->srights) --p->srights;
      e->type &= ~MACH_PORT_TYPE_SEND;
      e->urefs = 0;
      p->names.add(&t, name);  // receive_leaves_space forgets it again
    }
    receive_leaves_space(t, name, *e, true);
    return KERN_SUCCESS;
  }
  if (type & MACH_PORT_TYPE_SEND) {
    forget_name(p, &t, name);
    entry_free(t, name);
    release_send(p);
    return KERN_SUCCESS;
  }
  entry_free(t, name);  // dead name
  return KERN_SUCCESS;
}

kern_return_t kernel::port_mod_refs(task& t, mach_port_name_t name, mach_port_right_t right,
                                    mach_port_delta_t delta) {
  if (right >= MACH_PORT_RIGHT_NUMBER) return KERN_INVALID_VALUE;
  if (special(name)) {
    return (right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_SEND_ONCE)
               ? KERN_SUCCESS
               : KERN_INVALID_NAME;
  }
  entry* e = entry_at(t, name);
  if (!e) return KERN_INVALID_NAME;
  switch (right) {
    case MACH_PORT_RIGHT_RECEIVE: {
      if (!(e->type & MACH_PORT_TYPE_RECEIVE)) return KERN_INVALID_RIGHT;
      if (delta == 0) return KERN_SUCCESS;
      if (delta != -1) return KERN_INVALID_VALUE;
      if (port* p = e->object->as_port(); p->guarded) {
        guard_exception(t, name, kGUARD_EXC_MOD_REFS, p->context);
        return KERN_INVALID_RIGHT;
      }
      receive_leaves_space(t, name, *e, true);
      return KERN_SUCCESS;
    }
    case MACH_PORT_RIGHT_PORT_SET:
      if (!(e->type & MACH_PORT_TYPE_PORT_SET)) return KERN_INVALID_RIGHT;
      if (delta == 0) return KERN_SUCCESS;
      if (delta != -1) return KERN_INVALID_VALUE;
      destroy_set(t, name, *e);
      return KERN_SUCCESS;
    case MACH_PORT_RIGHT_SEND_ONCE: {
      if (e->type & MACH_PORT_TYPE_SEND_ONCE) {
        port* p = e->object->as_port();
        if (!p->active) {
          convert_if_dead(t, name, *e);
          return KERN_INVALID_RIGHT;
        }
        if (delta == 0) return KERN_SUCCESS;
        if (delta != -1) return KERN_INVALID_VALUE;
        return port_deallocate(t, name);
      }
      return KERN_INVALID_RIGHT;
    }
    case MACH_PORT_RIGHT_SEND: {
      if (!(e->type & MACH_PORT_TYPE_SEND)) return KERN_INVALID_RIGHT;
      port* p = e->object->as_port();
      if (!(e->type & MACH_PORT_TYPE_RECEIVE) && !p->active) {
        convert_if_dead(t, name, *e);
        return KERN_INVALID_RIGHT;
      }
      if (delta < -static_cast<mach_port_delta_t>(urefs_max) ||
          delta > static_cast<mach_port_delta_t>(urefs_max))
        return KERN_INVALID_VALUE;
      if (e->urefs == urefs_max) {
        // Pegged: only exactly -65535 releases it; everything else is silently ignored.
        if (delta == -static_cast<mach_port_delta_t>(urefs_max))
          drop_send_uref(t, name, *e, urefs_max);
        return KERN_SUCCESS;
      }
      if (delta < 0 && static_cast<mach_port_urefs_t>(-delta) > e->urefs) return KERN_INVALID_VALUE;
      if (delta > 0) {
        const std::uint32_t sum = std::uint32_t{e->urefs} + static_cast<std::uint32_t>(delta);
        e->urefs = static_cast<mach_port_urefs_t>(std::min<std::uint32_t>(sum, urefs_max));
      } else if (delta < 0) {
        drop_send_uref(t, name, *e, static_cast<mach_port_urefs_t>(-delta));
      }
      return KERN_SUCCESS;
    }
    case MACH_PORT_RIGHT_DEAD_NAME: {
      convert_if_dead(t, name, *e);
      if (!(e->type & MACH_PORT_TYPE_DEAD_NAME)) return KERN_INVALID_RIGHT;
      if (delta < -static_cast<mach_port_delta_t>(urefs_max) ||
          delta > static_cast<mach_port_delta_t>(urefs_max))
        return KERN_INVALID_VALUE;
      if (e->urefs == urefs_max) {
        if (delta == -static_cast<mach_port_delta_t>(urefs_max)) entry_free(t, name);
        return KERN_SUCCESS;
      }
      if (delta < 0 && static_cast<mach_port_urefs_t>(-delta) > e->urefs) return KERN_INVALID_VALUE;
      const std::int64_t n = std::int64_t{e->urefs} + delta;
      if (n == 0) {
        entry_free(t, name);
      } else {
        e->urefs = static_cast<mach_port_urefs_t>(std::min<std::int64_t>(n, urefs_max));
      }
      return KERN_SUCCESS;
    }
    default:
      return KERN_INVALID_RIGHT;
  }
}

kern_return_t kernel::port_get_refs(task& t, mach_port_name_t name, mach_port_right_t right,
                                    mach_port_urefs_t* refs) {
  if (right >= MACH_PORT_RIGHT_NUMBER) return KERN_INVALID_VALUE;
  if (special(name)) {
    if (right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_SEND_ONCE) {
      *refs = 1;
      return KERN_SUCCESS;
    }
    return KERN_INVALID_NAME;
  }
  entry* e = lookup_live(t, name);
  if (!e) return KERN_INVALID_NAME;
  switch (right) {
    case MACH_PORT_RIGHT_SEND:
      *refs = (e->type & MACH_PORT_TYPE_SEND) ? e->urefs : 0;
      break;
    case MACH_PORT_RIGHT_DEAD_NAME:
      *refs = (e->type & MACH_PORT_TYPE_DEAD_NAME) ? e->urefs : 0;
      break;
    case MACH_PORT_RIGHT_RECEIVE:
      *refs = (e->type & MACH_PORT_TYPE_RECEIVE) ? 1 : 0;
      break;
    case MACH_PORT_RIGHT_SEND_ONCE:
      *refs = (e->type & MACH_PORT_TYPE_SEND_ONCE) ? 1 : 0;
      break;
    case MACH_PORT_RIGHT_PORT_SET:
      *refs = (e->type & MACH_PORT_TYPE_PORT_SET) ? 1 : 0;
      break;
    default:
      *refs = 0;
      break;
  }
  return KERN_SUCCESS;
}

kern_return_t kernel::port_type(task& t, mach_port_name_t name, mach_port_type_t* type) {
  if (name == MACH_PORT_NULL) return KERN_INVALID_NAME;
  if (name == MACH_PORT_DEAD) {
    *type = MACH_PORT_TYPE_DEAD_NAME;
    return KERN_SUCCESS;
  }
  entry* e = lookup_live(t, name);
  if (!e) return KERN_INVALID_NAME;
  *type = e->type | (e->has_request ? MACH_PORT_TYPE_DNREQUEST : 0);
  return KERN_SUCCESS;
}

kern_return_t kernel::port_names(task& t, std::vector<mach_port_name_t>& names,
                                 std::vector<mach_port_type_t>& types) {
  names.clear();
  types.clear();
  auto& table = t.names.table;
  for (std::uint32_t i = 1; i < table.size(); ++i) {
    if (table[i].type == 0) continue;
    const mach_port_name_t name = (i << 8) | table[i].gen;
    convert_if_dead(t, name, table[i]);
    const entry& e = table[i];
    mach_port_type_t ty = e.type | (e.has_request ? MACH_PORT_TYPE_DNREQUEST : 0);
    if (e.has_request && e.object) {
      for (const name_request& r : e.object->as_port()->requests) {
        // XNU's ipc_port_request_type: SPREQUEST for any send-possible request, and
        // SPREQUEST_DELAYED beside it while the request waits unarmed.
        if (r.owner == &t && r.name == name && r.send_possible)
          ty |= MACH_PORT_TYPE_SPREQUEST | (r.armed ? 0 : MACH_PORT_TYPE_SPREQUEST_DELAYED);
      }
    }
    names.push_back(name);
    types.push_back(ty);
  }
  return KERN_SUCCESS;
}

kern_return_t kernel::port_insert_right(task& t, mach_port_name_t name, mach_port_name_t poly,
                                        mach_msg_type_name_t poly_poly) {
  // Fast path: a send right for one's own name.
  if (name == poly && MACH_PORT_VALID(name) &&
      (poly_poly == MACH_MSG_TYPE_MAKE_SEND || poly_poly == MACH_MSG_TYPE_COPY_SEND)) {
    entry* e = lookup_live(t, name);
    if (!e) return KERN_INVALID_NAME;
    if (e->type & MACH_PORT_TYPE_PORT_SET) return KERN_INVALID_RIGHT;
    port* p = e->object ? e->object->as_port() : nullptr;
    if (poly_poly == MACH_MSG_TYPE_MAKE_SEND) {
      if (!(e->type & MACH_PORT_TYPE_RECEIVE)) return KERN_INVALID_RIGHT;
      ++p->mscount;
      if (e->type & MACH_PORT_TYPE_SEND) {
        if (e->urefs < urefs_max) ++e->urefs;
      } else {
        e->type |= MACH_PORT_TYPE_SEND;
        e->urefs = 1;
        ++p->srights;
      }
      return KERN_SUCCESS;
    }
    if (!(e->type & MACH_PORT_TYPE_SEND)) return KERN_INVALID_RIGHT;
    if (e->urefs < urefs_max) ++e->urefs;
    return KERN_SUCCESS;
  }
  if (poly_poly < MACH_MSG_TYPE_MOVE_RECEIVE || poly_poly > MACH_MSG_TYPE_MAKE_SEND_ONCE)
    return KERN_INVALID_VALUE;
  if (special(poly)) return KERN_INVALID_VALUE;
  // As XNU's trap (_kernelrpc_mach_port_insert_right_trap): the right is copied in first,
  // with copy-in's codes, and destroyed when the insertion then fails. So a moved right
  // is gone after a refused call (a moved receive right's port dies), and a right moved
  // out of its only name may be inserted under another.
  bool dead_ok = false;
  entry* pe = entry_at(t, poly);
  if (!pe) return KERN_INVALID_NAME;
  if (!copy_in_would_succeed(t, poly, poly_poly, false, &dead_ok)) {
    if (poly_poly == MACH_MSG_TYPE_MOVE_RECEIVE && (pe->type & MACH_PORT_TYPE_RECEIVE))
      return KERN_INVALID_CAPABILITY;
    return KERN_INVALID_RIGHT;
  }
  if (!pe->object->as_port()->active) return KERN_INVALID_CAPABILITY;
  kright r;
  copy_in_right(t, poly, poly_poly, &r, false);
  const kern_return_t kr = insert_copied_in(t, name, r);
  if (kr != KERN_SUCCESS) release_right(r);
  return kr;
}

kern_return_t kernel::insert_copied_in(task& t, mach_port_name_t name, kright& r) {
  if (special(name)) return KERN_INVALID_VALUE;
  if ((name | 3) != name) return KERN_INVALID_VALUE;
  if ((name >> 8) == 0) return KERN_FAILURE;
  {
    const bool once = r.type == MACH_MSG_TYPE_PORT_SEND_ONCE;
    const bool slot_taken =
        (name >> 8) < t.names.table.size() && t.names.table[name >> 8].type != 0;
    entry* te = entry_at(t, name);
    if (once) {
      if (te) return KERN_NAME_EXISTS;  // send-once rights never coalesce
      if (slot_taken) return KERN_FAILURE;
    } else {
      const mach_port_name_t existing = name_of(t, r.p.get());
      if (existing != MACH_PORT_NULL && existing != name) return KERN_RIGHT_EXISTS;
      if (!te && slot_taken) return KERN_FAILURE;  // another generation of the slot
      if (te && existing != name) return KERN_NAME_EXISTS;
    }
  }
  entry* te = entry_at(t, name);
  if (te) {
    // Same port under the same name: coalesce.
    port* p = r.p.get();
    if (r.type == MACH_MSG_TYPE_PORT_SEND) {
      if (te->type & MACH_PORT_TYPE_SEND) {
        if (te->urefs < urefs_max) ++te->urefs;
        release_send(p);
      } else {
        te->type |= MACH_PORT_TYPE_SEND;
        te->urefs = 1;
      }
    } else {
      te->type |= MACH_PORT_TYPE_RECEIVE;
      p->receiver = &t;
      p->receiver_name = name;
      p->carried_by = nullptr;
    }
    return KERN_SUCCESS;
  }
  entry* e = nullptr;
  if (kern_return_t kr = entry_claim(t, name, &e); kr != KERN_SUCCESS) return kr;
  ref<port> p = std::move(r.p);
  e->object = ref<ipc_object>(p.get());
  switch (r.type) {
    case MACH_MSG_TYPE_PORT_SEND:
      e->type = MACH_PORT_TYPE_SEND;
      e->urefs = 1;
      p->names.add(&t, name);
      break;
    case MACH_MSG_TYPE_PORT_RECEIVE:
      e->type = MACH_PORT_TYPE_RECEIVE;
      p->receiver = &t;
      p->receiver_name = name;
      p->carried_by = nullptr;
      p->names.add(&t, name);
      break;
    default:
      e->type = MACH_PORT_TYPE_SEND_ONCE;
      e->urefs = 1;
      break;
  }
  return KERN_SUCCESS;
}

kern_return_t kernel::port_extract_right(task& t, mach_port_name_t name,
                                         mach_msg_type_name_t msgt_name,
                                         mach_port_name_t* poly,
                                         mach_msg_type_name_t* poly_poly) {
  if (msgt_name < MACH_MSG_TYPE_MOVE_RECEIVE || msgt_name > MACH_MSG_TYPE_MAKE_SEND_ONCE)
    return KERN_INVALID_VALUE;
  if (special(name)) return KERN_INVALID_RIGHT;
  entry* e = lookup_live(t, name);
  if (!e) return KERN_INVALID_NAME;
  if (e->type & MACH_PORT_TYPE_DEAD_NAME) return KERN_INVALID_RIGHT;
  kright r;
  if (kern_return_t kr = copy_in_right(t, name, msgt_name, &r, false); kr != KERN_SUCCESS)
    return kr == KERN_INVALID_CAPABILITY ? kr : KERN_INVALID_RIGHT;
  *poly_poly = r.type;
  return copy_out_right(t, std::move(r), poly);
}

kern_return_t kernel::port_request_notification(task& t, mach_port_name_t name,
                                                mach_msg_id_t msgid, mach_port_mscount_t sync,
                                                mach_port_name_t notify,
                                                mach_msg_type_name_t notify_poly,
                                                mach_port_name_t* previous) {
  *previous = MACH_PORT_NULL;
  // XNU's trap (_kernelrpc_mach_port_request_notification_trap) copies the notify right in
  // before it looks at the request, and destroys it when the request then fails: a made
  // send-once right sends MACH_NOTIFY_SEND_ONCE to the notify port, a moved one is gone.
  ref<port> nr;
  if (notify != MACH_PORT_NULL) {
    if (notify == MACH_PORT_DEAD) return KERN_INVALID_CAPABILITY;
    if (notify_poly != MACH_MSG_TYPE_MAKE_SEND_ONCE && notify_poly != MACH_MSG_TYPE_MOVE_SEND_ONCE)
      return KERN_INVALID_VALUE;
    entry* ne = lookup_live(t, notify);
    if (!ne) return KERN_INVALID_NAME;
    if (ne->type & MACH_PORT_TYPE_DEAD_NAME) return KERN_INVALID_CAPABILITY;
    bool dead_ok = false;
    if (!copy_in_would_succeed(t, notify, notify_poly, false, &dead_ok)) return KERN_INVALID_RIGHT;
    kright r;
    copy_in_right(t, notify, notify_poly, &r, false);
    nr = std::move(r.p);
  }
  const kern_return_t kr = register_notification(t, name, msgid, sync, nr, previous);
  if (kr != KERN_SUCCESS) release_send_once(std::move(nr));
  return kr;
}

kern_return_t kernel::register_notification(task& t, mach_port_name_t name, mach_msg_id_t msgid,
                                            mach_port_mscount_t sync, ref<port>& notify,
                                            mach_port_name_t* previous) {
  if (msgid != MACH_NOTIFY_PORT_DESTROYED && msgid != MACH_NOTIFY_NO_SENDERS &&
      msgid != MACH_NOTIFY_SEND_POSSIBLE && msgid != MACH_NOTIFY_DEAD_NAME)
    return KERN_INVALID_VALUE;
  const bool have_notify = static_cast<bool>(notify);
  auto take_notify = [&]() -> ref<port> { return std::move(notify); };
  auto give_previous = [&](ref<port> old) {
    if (!old) return;
    kright r{std::move(old), MACH_MSG_TYPE_PORT_SEND_ONCE, false};
    copy_out_right(t, std::move(r), previous);
  };

  if (msgid == MACH_NOTIFY_PORT_DESTROYED || msgid == MACH_NOTIFY_NO_SENDERS) {
    if (msgid == MACH_NOTIFY_PORT_DESTROYED && sync != 0) return KERN_INVALID_VALUE;
    port* p = nullptr;
    if (kern_return_t kr = receive_port_of(t, name, &p); kr != KERN_SUCCESS) return kr;
    if (msgid == MACH_NOTIFY_PORT_DESTROYED) {
      if (p->kernel_object) return KERN_INVALID_RIGHT;
      if (p->pdrequest) {  // modern XNU: never replaced, and a guard exception (optional)
        guard_exception(t, name, kGUARD_EXC_KERN_FAILURE, 0);
        return KERN_FAILURE;
      }
      p->pdrequest = take_notify();
      return KERN_SUCCESS;
    }
    ref<port> old = std::move(p->nsrequest);
    p->nsrequest = take_notify();
    p->nssync = sync;
    give_previous(std::move(old));
    if (p->nsrequest && p->srights == 0 && sync <= p->mscount) check_no_senders(p);
    return KERN_SUCCESS;
  }

  // DEAD_NAME and SEND_POSSIBLE watch a name.
  if (special(name)) return KERN_INVALID_ARGUMENT;
  entry* e = entry_at(t, name);
  if (!e) return KERN_INVALID_NAME;
  if (e->type & MACH_PORT_TYPE_PORT_SET) return KERN_INVALID_RIGHT;
  convert_if_dead(t, name, *e);
  if (e->type & MACH_PORT_TYPE_DEAD_NAME) {
    if (msgid == MACH_NOTIFY_SEND_POSSIBLE && have_notify) {
      // A send-possible request on a dead name answers at once with a dead-name
      // notification, which carries one more uref.
      if (e->urefs < urefs_max) ++e->urefs;
      notify_simple(take_notify(), MACH_NOTIFY_DEAD_NAME, name);
      return KERN_SUCCESS;
    }
    return KERN_INVALID_ARGUMENT;
  }
  port* p = e->object->as_port();
  // Cancel (and hand back) any request already on this name.
  ref<port> old;
  if (e->has_request) {
    auto& v = p->requests;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it->owner == &t && it->name == name) {
        old = std::move(it->notify);
        v.erase(it);
        break;
      }
    }
    e->has_request = false;
  }
  ref<port> nr = take_notify();
  if (nr) {
    // A sender refused for its byte budget (machd) is told when the next message leaves
    // instead, as if the queue were full: at once, it would retry into another refusal.
    const bool budget_wait = t.queued->refused && p->head;
    if (msgid == MACH_NOTIFY_SEND_POSSIBLE && sync != 0 && !budget_wait &&
        ((e->type & MACH_PORT_TYPE_SEND_ONCE) || !p->full())) {
      notify_simple(std::move(nr), MACH_NOTIFY_SEND_POSSIBLE, name);
    } else {
      name_request r;
      r.owner = &t;
      r.name = name;
      r.notify = std::move(nr);
      r.send_possible = msgid == MACH_NOTIFY_SEND_POSSIBLE;
      r.armed = r.send_possible && sync != 0;
      p->requests.push_back(std::move(r));
      e->has_request = true;
    }
  }
  give_previous(std::move(old));
  return KERN_SUCCESS;
}

kern_return_t kernel::port_get_attributes(task& t, mach_port_name_t name,
                                          mach_port_flavor_t flavor, mach_port_info_t info,
                                          mach_msg_type_number_t* count) {
  switch (flavor) {
    case MACH_PORT_LIMITS_INFO:
    case MACH_PORT_RECEIVE_STATUS:
    case MACH_PORT_DNREQUESTS_SIZE:
    case MACH_PORT_INFO_EXT:
    case MACH_PORT_GUARD_INFO:
      break;
    default:
      return KERN_INVALID_ARGUMENT;
  }
  if (flavor == MACH_PORT_LIMITS_INFO && special(name)) {
    *count = 0;
    return KERN_SUCCESS;
  }
  port* p = nullptr;
  if (kern_return_t kr = receive_port_of(t, name, &p); kr != KERN_SUCCESS) return kr;
  switch (flavor) {
    case MACH_PORT_LIMITS_INFO: {
      if (*count < MACH_PORT_LIMITS_INFO_COUNT) return KERN_FAILURE;
      mach_port_limits_t l{p->qlimit};
      std::memcpy(info, &l, sizeof l);
      *count = MACH_PORT_LIMITS_INFO_COUNT;
      return KERN_SUCCESS;
    }
    case MACH_PORT_RECEIVE_STATUS: {
      if (*count < MACH_PORT_RECEIVE_STATUS_COUNT) return KERN_FAILURE;
      mach_port_status_t s{};
      s.mps_pset = p->sets.empty() ? 0 : 1;
      s.mps_seqno = p->seqno;
      s.mps_mscount = p->mscount;
      s.mps_qlimit = p->qlimit;
      s.mps_msgcount = p->msgcount;
      s.mps_sorights = p->sorights;
      s.mps_srights = p->srights != 0;
      s.mps_pdrequest = p->pdrequest ? 1 : 0;
      s.mps_nsrequest = p->nsrequest ? 1 : 0;
      s.mps_flags = (p->guarded ? MACH_PORT_STATUS_FLAG_GUARDED : 0) |
                    (p->strict_guard ? MACH_PORT_STATUS_FLAG_STRICT_GUARD : 0) |
                    (p->immovable_receive ? MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE : 0);
      std::memcpy(info, &s, sizeof s);
      *count = MACH_PORT_RECEIVE_STATUS_COUNT;
      return KERN_SUCCESS;
    }
    case MACH_PORT_DNREQUESTS_SIZE: {
      if (*count < MACH_PORT_DNREQUESTS_SIZE_COUNT) return KERN_FAILURE;
      const auto n = static_cast<integer_t>(p->requests.size());
      std::memcpy(info, &n, sizeof n);
      *count = MACH_PORT_DNREQUESTS_SIZE_COUNT;
      return KERN_SUCCESS;
    }
    case MACH_PORT_INFO_EXT: {
      if (*count < MACH_PORT_INFO_EXT_COUNT) return KERN_FAILURE;
      mach_port_info_ext_t x{};
      x.mpie_status.mps_pset = p->sets.empty() ? 0 : 1;
      x.mpie_status.mps_seqno = p->seqno;
      x.mpie_status.mps_mscount = p->mscount;
      x.mpie_status.mps_qlimit = p->qlimit;
      x.mpie_status.mps_msgcount = p->msgcount;
      x.mpie_status.mps_sorights = p->sorights;
      x.mpie_status.mps_srights = p->srights != 0;
      x.mpie_status.mps_pdrequest = p->pdrequest ? 1 : 0;
      x.mpie_status.mps_nsrequest = p->nsrequest ? 1 : 0;
      std::memcpy(info, &x, sizeof x);
      *count = MACH_PORT_INFO_EXT_COUNT;
      return KERN_SUCCESS;
    }
    default: {  // MACH_PORT_GUARD_INFO
      if (*count < MACH_PORT_GUARD_INFO_COUNT) return KERN_FAILURE;
      mach_port_guard_info_t g{};
      g.mpgi_guard = p->strict_guard ? 0 : p->context;
      std::memcpy(info, &g, sizeof g);
      *count = MACH_PORT_GUARD_INFO_COUNT;
      return KERN_SUCCESS;
    }
  }
}

kern_return_t kernel::port_set_attributes(task& t, mach_port_name_t name,
                                          mach_port_flavor_t flavor, mach_port_info_t info,
                                          mach_msg_type_number_t count) {
  if (flavor != MACH_PORT_LIMITS_INFO && flavor != MACH_PORT_DNREQUESTS_SIZE &&
      flavor != MACH_PORT_TEMPOWNER && flavor != MACH_PORT_IMPORTANCE_RECEIVER &&
      flavor != MACH_PORT_DENAP_RECEIVER)
    return KERN_INVALID_ARGUMENT;
  port* p = nullptr;
  if (kern_return_t kr = receive_port_of(t, name, &p); kr != KERN_SUCCESS) return kr;
  if (flavor == MACH_PORT_LIMITS_INFO) {
    if (count < MACH_PORT_LIMITS_INFO_COUNT) return KERN_FAILURE;
    mach_port_limits_t l;
    std::memcpy(&l, info, sizeof l);
    if (l.mpl_qlimit > MACH_PORT_QLIMIT_MAX) return KERN_INVALID_VALUE;
    const bool grew = l.mpl_qlimit > p->qlimit;
    p->qlimit = l.mpl_qlimit;
    if (grew) p->senders.wake_all();
  }
  // DNREQUESTS_SIZE and the importance flavors are accepted and ignored, as on XNU.
  return KERN_SUCCESS;
}

kern_return_t kernel::port_insert_member(task& t, mach_port_name_t member, mach_port_name_t set) {
  if (special(member) || special(set)) return KERN_INVALID_RIGHT;
  entry* me = lookup_live(t, member);
  entry* se = lookup_live(t, set);
  if (!me || !se) return KERN_INVALID_NAME;
  if (!(me->type & MACH_PORT_TYPE_RECEIVE) || !(se->type & MACH_PORT_TYPE_PORT_SET))
    return KERN_INVALID_RIGHT;
  port* p = me->object->as_port();
  port_set* s = se->object->as_set();
  if (std::find(p->sets.begin(), p->sets.end(), s) != p->sets.end()) return KERN_ALREADY_IN_SET;
  p->sets.push_back(s);
  s->members.push_back(p);
  if (p->head) {
    prepost(s, p);
    s->receivers.wake_all();
    knotes_changed(s);
  }
  return KERN_SUCCESS;
}

kern_return_t kernel::port_extract_member(task& t, mach_port_name_t member,
                                          mach_port_name_t set) {
  if (special(member) || special(set)) return KERN_INVALID_RIGHT;
  entry* me = lookup_live(t, member);
  entry* se = lookup_live(t, set);
  if (!me || !se) return KERN_INVALID_NAME;
  if (!(me->type & MACH_PORT_TYPE_RECEIVE) || !(se->type & MACH_PORT_TYPE_PORT_SET))
    return KERN_INVALID_RIGHT;
  port* p = me->object->as_port();
  port_set* s = se->object->as_set();
  auto it = std::find(p->sets.begin(), p->sets.end(), s);
  if (it == p->sets.end()) return KERN_NOT_IN_SET;
  p->sets.erase(it);
  remove_member(s, p);
  knotes_changed(s);
  return KERN_SUCCESS;
}

kern_return_t kernel::port_move_member(task& t, mach_port_name_t member, mach_port_name_t after) {
  if (after == MACH_PORT_DEAD) return KERN_INVALID_RIGHT;
  port* p = nullptr;
  if (kern_return_t kr = receive_port_of(t, member, &p); kr != KERN_SUCCESS) return kr;
  if (after == MACH_PORT_NULL) {
    if (p->sets.empty()) return KERN_NOT_IN_SET;
    leave_sets(p);
    return KERN_SUCCESS;
  }
  entry* se = lookup_live(t, after);
  if (!se) return KERN_INVALID_NAME;
  if (!(se->type & MACH_PORT_TYPE_PORT_SET)) return KERN_INVALID_RIGHT;
  port_set* s = se->object->as_set();
  const bool already = std::find(p->sets.begin(), p->sets.end(), s) != p->sets.end();
  for (port_set* other : std::vector<port_set*>(p->sets.begin(), p->sets.end())) {
    if (other == s) continue;
    remove_member(other, p);
    knotes_changed(other);
  }
  p->sets.clear();
  p->sets.push_back(s);
  if (!already) {
    s->members.push_back(p);
    if (p->head) {
      prepost(s, p);
      s->receivers.wake_all();
      knotes_changed(s);
    }
  }
  return KERN_SUCCESS;
}

kern_return_t kernel::port_get_set_status(task& t, mach_port_name_t set,
                                          std::vector<mach_port_name_t>& members) {
  members.clear();
  if (special(set)) return KERN_INVALID_NAME;
  entry* se = lookup_live(t, set);
  if (!se) return KERN_INVALID_NAME;
  if (!(se->type & MACH_PORT_TYPE_PORT_SET)) return KERN_INVALID_RIGHT;
  for (port* p : se->object->as_set()->members)
    if (p->receiver == &t) members.push_back(p->receiver_name);
  return KERN_SUCCESS;
}

kern_return_t kernel::port_get_context(task& t, mach_port_name_t name,
                                       mach_port_context_t* context) {
  port* p = nullptr;
  if (kern_return_t kr = receive_port_of(t, name, &p); kr != KERN_SUCCESS) return kr;
  *context = p->strict_guard ? 0 : p->context;
  return KERN_SUCCESS;
}

kern_return_t kernel::port_set_context(task& t, mach_port_name_t name,
                                       mach_port_context_t context) {
  port* p = nullptr;
  if (kern_return_t kr = receive_port_of(t, name, &p); kr != KERN_SUCCESS) return kr;
  if (p->strict_guard) {
    guard_exception(t, name, kGUARD_EXC_SET_CONTEXT, p->context);
    return KERN_INVALID_ARGUMENT;
  }
  // For a non-strict guarded port the context *is* the guard.
  p->context = context;
  return KERN_SUCCESS;
}

kern_return_t kernel::port_set_mscount(task& t, mach_port_name_t name,
                                       mach_port_mscount_t mscount) {
  port* p = nullptr;
  if (kern_return_t kr = receive_port_of(t, name, &p); kr != KERN_SUCCESS) return kr;
  p->mscount = mscount;
  return KERN_SUCCESS;
}

kern_return_t kernel::port_set_seqno(task& t, mach_port_name_t name, mach_port_seqno_t seqno) {
  port* p = nullptr;
  if (kern_return_t kr = receive_port_of(t, name, &p); kr != KERN_SUCCESS) return kr;
  p->seqno = seqno;
  return KERN_SUCCESS;
}

kern_return_t kernel::port_get_srights(task& t, mach_port_name_t name,
                                       mach_port_rights_t* srights) {
  port* p = nullptr;
  if (kern_return_t kr = receive_port_of(t, name, &p); kr != KERN_SUCCESS) return kr;
  *srights = p->srights;
  return KERN_SUCCESS;
}

kern_return_t kernel::port_peek(task& t, mach_port_name_t name,
                                mach_msg_trailer_type_t trailer_type, mach_port_seqno_t* seqno,
                                mach_msg_size_t* size, mach_msg_id_t* id,
                                mach_msg_trailer_info_t trailer, mach_msg_type_number_t* count) {
  const std::uint32_t elements = (trailer_type >> 24) & 0xF;
  if (elements > MACH_RCV_TRAILER_AUDIT) return KERN_INVALID_VALUE;
  static constexpr std::uint32_t sizes[] = {8, 12, 20, 52};
  if (*count < sizes[elements]) return KERN_INVALID_VALUE;
  port* p = nullptr;
  if (kern_return_t kr = receive_port_of(t, name, &p); kr != KERN_SUCCESS) return kr;
  // seqno 0 means "the first message"; otherwise the message that will get that seqno.
  std::uint32_t seq = p->seqno;
  kmsg* m = p->head;
  if (*seqno != 0) {
    while (m && seq != *seqno) {
      m = m->next;
      ++seq;
    }
  }
  if (!m) return KERN_FAILURE;
  *seqno = seq;
  *size = m->size + 8;  // XNU quirk: the kernel-internal size
  *id = m->id;
  mach_msg_audit_trailer_t tr{};
  tr.msgh_trailer_type = MACH_MSG_TRAILER_FORMAT_0;
  tr.msgh_trailer_size = sizes[elements];
  tr.msgh_seqno = seq;
  if (m->kernel_sender) {
    tr.msgh_sender.val[1] = 1;
  } else {
    tr.msgh_sender.val[0] = m->sender.euid;
    tr.msgh_sender.val[1] = m->sender.egid;
    const std::uint32_t a[8] = {m->sender.auid, m->sender.euid, m->sender.egid,
                                m->sender.ruid, m->sender.rgid, m->sender.pid,
                                m->sender.asid, m->sender.pidversion};
    std::memcpy(tr.msgh_audit.val, a, sizeof a);
  }
  std::memcpy(trailer, &tr, sizes[elements]);
  *count = sizes[elements];
  return KERN_SUCCESS;
}

}  // namespace machemu::kern
