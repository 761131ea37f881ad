// The mach_port_* functions: argument checks that XNU's MIG layer does, then the core.
#include <mach/mach.h>

#include <cstring>
#include <vector>

#include "lib/runtime.hpp"

using machemu::lib::runtime;

namespace {

// Runs `fn(kernel, task)` under the lock for the task named by `task_port`.
template <class F>
kern_return_t with_task(mach_port_t task_port, F&& fn) {
  runtime& rt = runtime::get();
  auto lk = rt.lock();
  machemu::kern::task& t = rt.calling_task();
  if (task_port != t.self_name) return KERN_INVALID_TASK;
  return fn(rt.core(), t);
}

// Hands a name array out as MIG does: fresh memory the caller must vm_deallocate.
kern_return_t out_array(const void* data, std::size_t bytes, vm_address_t* out) {
  if (bytes == 0) {
    *out = 0;
    return KERN_SUCCESS;
  }
  if (kern_return_t kr = vm_allocate(mach_task_self(), out, bytes, VM_FLAGS_ANYWHERE);
      kr != KERN_SUCCESS)
    return kr;
  std::memcpy(reinterpret_cast<void*>(*out), data, bytes);
  return KERN_SUCCESS;
}

}  // namespace

extern "C" {

kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right, mach_port_name_t* name) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_allocate(t, right, name); });
}

kern_return_t mach_port_allocate_name(ipc_space_t task, mach_port_right_t right, mach_port_name_t name) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_allocate_name(t, right, name); });
}

kern_return_t mach_port_construct(ipc_space_t task, mach_port_options_ptr_t options,
                                  mach_port_context_t context, mach_port_name_t* name) {
  if (!options || !name) return KERN_INVALID_ARGUMENT;
  return with_task(task, [&](auto& k, auto& t) { return k.port_construct(t, options, context, name); });
}

kern_return_t mach_port_destruct(ipc_space_t task, mach_port_name_t name, mach_port_delta_t srdelta,
                                 mach_port_context_t guard) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_destruct(t, name, srdelta, guard); });
}

kern_return_t mach_port_guard(ipc_space_t task, mach_port_name_t name, mach_port_context_t guard,
                              boolean_t strict) {
  return with_task(task, [&](auto& k, auto& t) {
    return k.port_guard(t, name, guard, strict ? MPG_STRICT : 0);
  });
}

kern_return_t mach_port_guard_with_flags(ipc_space_t task, mach_port_name_t name,
                                         mach_port_context_t guard, uint64_t flags) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_guard(t, name, guard, flags); });
}

kern_return_t mach_port_unguard(ipc_space_t task, mach_port_name_t name, mach_port_context_t guard) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_unguard(t, name, guard); });
}

kern_return_t mach_port_swap_guard(ipc_space_t task, mach_port_name_t name,
                                   mach_port_context_t old_guard, mach_port_context_t new_guard) {
  return with_task(task, [&](auto& k, auto& t) {
    return k.port_swap_guard(t, name, old_guard, new_guard);
  });
}

kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_deallocate(t, name); });
}

kern_return_t mach_port_destroy(ipc_space_t task, mach_port_name_t name) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_destroy(t, name); });
}

kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name, mach_port_right_t right,
                                 mach_port_delta_t delta) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_mod_refs(t, name, right, delta); });
}

kern_return_t mach_port_get_refs(ipc_space_t task, mach_port_name_t name, mach_port_right_t right,
                                 mach_port_urefs_t* refs) {
  if (!refs) return KERN_INVALID_ARGUMENT;
  return with_task(task, [&](auto& k, auto& t) { return k.port_get_refs(t, name, right, refs); });
}

kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name, mach_port_type_t* type) {
  if (!type) return KERN_INVALID_ARGUMENT;
  return with_task(task, [&](auto& k, auto& t) { return k.port_type(t, name, type); });
}

kern_return_t mach_port_names(ipc_space_t task, mach_port_name_array_t* names,
                              mach_msg_type_number_t* names_count, mach_port_type_array_t* types,
                              mach_msg_type_number_t* types_count) {
  std::vector<mach_port_name_t> n;
  std::vector<mach_port_type_t> ty;
  kern_return_t kr = with_task(task, [&](auto& k, auto& t) { return k.port_names(t, n, ty); });
  if (kr != KERN_SUCCESS) return kr;
  vm_address_t na = 0, ta = 0;
  if ((kr = out_array(n.data(), n.size() * sizeof(mach_port_name_t), &na)) != KERN_SUCCESS) return kr;
  if ((kr = out_array(ty.data(), ty.size() * sizeof(mach_port_type_t), &ta)) != KERN_SUCCESS) {
    vm_deallocate(mach_task_self(), na, n.size() * sizeof(mach_port_name_t));
    return kr;
  }
  *names = reinterpret_cast<mach_port_name_array_t>(na);
  *types = reinterpret_cast<mach_port_type_array_t>(ta);
  *names_count = static_cast<mach_msg_type_number_t>(n.size());
  *types_count = static_cast<mach_msg_type_number_t>(ty.size());
  return KERN_SUCCESS;
}

kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name, mach_port_t poly,
                                     mach_msg_type_name_t poly_poly) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_insert_right(t, name, poly, poly_poly); });
}

kern_return_t mach_port_extract_right(ipc_space_t task, mach_port_name_t name,
                                      mach_msg_type_name_t msgt_name, mach_port_t* poly,
                                      mach_msg_type_name_t* poly_poly) {
  if (!poly || !poly_poly) return KERN_INVALID_ARGUMENT;
  return with_task(task, [&](auto& k, auto& t) {
    return k.port_extract_right(t, name, msgt_name, poly, poly_poly);
  });
}

kern_return_t mach_port_request_notification(ipc_space_t task, mach_port_name_t name,
                                             mach_msg_id_t msgid, mach_port_mscount_t sync,
                                             mach_port_t notify, mach_msg_type_name_t notify_poly,
                                             mach_port_t* previous) {
  mach_port_t ignored = MACH_PORT_NULL;
  return with_task(task, [&](auto& k, auto& t) {
    return k.port_request_notification(t, name, msgid, sync, notify, notify_poly,
                                       previous ? previous : &ignored);
  });
}

kern_return_t mach_port_get_attributes(ipc_space_t task, mach_port_name_t name,
                                       mach_port_flavor_t flavor, mach_port_info_t info,
                                       mach_msg_type_number_t* count) {
  if (!info || !count) return KERN_INVALID_ARGUMENT;
  return with_task(task, [&](auto& k, auto& t) {
    return k.port_get_attributes(t, name, flavor, info, count);
  });
}

kern_return_t mach_port_set_attributes(ipc_space_t task, mach_port_name_t name,
                                       mach_port_flavor_t flavor, mach_port_info_t info,
                                       mach_msg_type_number_t count) {
  if (!info) return KERN_INVALID_ARGUMENT;
  return with_task(task, [&](auto& k, auto& t) {
    return k.port_set_attributes(t, name, flavor, info, count);
  });
}

kern_return_t mach_port_insert_member(ipc_space_t task, mach_port_name_t name, mach_port_name_t pset) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_insert_member(t, name, pset); });
}

kern_return_t mach_port_extract_member(ipc_space_t task, mach_port_name_t name, mach_port_name_t pset) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_extract_member(t, name, pset); });
}

kern_return_t mach_port_move_member(ipc_space_t task, mach_port_name_t member, mach_port_name_t after) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_move_member(t, member, after); });
}

kern_return_t mach_port_get_set_status(ipc_space_t task, mach_port_name_t name,
                                       mach_port_name_array_t* members,
                                       mach_msg_type_number_t* count) {
  std::vector<mach_port_name_t> m;
  kern_return_t kr = with_task(task, [&](auto& k, auto& t) { return k.port_get_set_status(t, name, m); });
  if (kr != KERN_SUCCESS) return kr;
  vm_address_t a = 0;
  if ((kr = out_array(m.data(), m.size() * sizeof(mach_port_name_t), &a)) != KERN_SUCCESS) return kr;
  *members = reinterpret_cast<mach_port_name_array_t>(a);
  *count = static_cast<mach_msg_type_number_t>(m.size());
  return KERN_SUCCESS;
}

kern_return_t mach_port_get_context(ipc_space_t task, mach_port_name_t name, mach_port_context_t* context) {
  if (!context) return KERN_INVALID_ARGUMENT;
  return with_task(task, [&](auto& k, auto& t) { return k.port_get_context(t, name, context); });
}

kern_return_t mach_port_set_context(ipc_space_t task, mach_port_name_t name, mach_port_context_t context) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_set_context(t, name, context); });
}

kern_return_t mach_port_set_mscount(ipc_space_t task, mach_port_name_t name, mach_port_mscount_t mscount) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_set_mscount(t, name, mscount); });
}

kern_return_t mach_port_set_seqno(ipc_space_t task, mach_port_name_t name, mach_port_seqno_t seqno) {
  return with_task(task, [&](auto& k, auto& t) { return k.port_set_seqno(t, name, seqno); });
}

kern_return_t mach_port_get_srights(ipc_space_t task, mach_port_name_t name, mach_port_rights_t* srights) {
  if (!srights) return KERN_INVALID_ARGUMENT;
  return with_task(task, [&](auto& k, auto& t) { return k.port_get_srights(t, name, srights); });
}

kern_return_t mach_port_peek(ipc_space_t task, mach_port_name_t name, mach_msg_trailer_type_t trailer_type,
                             mach_port_seqno_t* seqno, mach_msg_size_t* size, mach_msg_id_t* id,
                             mach_msg_trailer_info_t trailer, mach_msg_type_number_t* count) {
  if (!seqno || !size || !id || !trailer || !count) return KERN_INVALID_ARGUMENT;
  return with_task(task, [&](auto& k, auto& t) {
    return k.port_peek(t, name, trailer_type, seqno, size, id, trailer, count);
  });
}

}  // extern "C"
