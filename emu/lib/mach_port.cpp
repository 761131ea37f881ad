// SPDX-License-Identifier: BSL-1.0
// The mach_port_* functions: argument checks that XNU's MIG layer does in the caller,
// then one port_call through the transport.
#include <mach/mach.h>

#include <cstring>
#include <initializer_list>

#include "lib/transport.hpp"

using machemu::lib::call;
using machemu::lib::port_call;
using machemu::lib::port_result;

namespace {

port_call make(call what, std::initializer_list<std::uint64_t> args) {
  port_call c;
  c.what = what;
  int i = 0;
  for (std::uint64_t a : args) c.a[i++] = a;
  return c;
}

kern_return_t simple(call what, std::initializer_list<std::uint64_t> args) {
  port_result r;
  return machemu::lib::run(make(what, args), r);
}

// Runs the call and stores out[0] in *out on success.
template <class T>
kern_return_t one_out(call what, std::initializer_list<std::uint64_t> args, T* out) {
  port_result r;
  const kern_return_t kr = machemu::lib::run(make(what, args), r);
  if (kr == KERN_SUCCESS) *out = static_cast<T>(r.out[0]);
  return kr;
}

// Hands an array out as MIG does: fresh memory the caller must vm_deallocate.
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
  if (!name) return KERN_INVALID_ARGUMENT;
  return one_out(call::allocate, {task, right}, name);
}

kern_return_t mach_port_allocate_name(ipc_space_t task, mach_port_right_t right, mach_port_name_t name) {
  return simple(call::allocate_name, {task, right, name});
}

kern_return_t mach_port_construct(ipc_space_t task, mach_port_options_ptr_t options,
                                  mach_port_context_t context, mach_port_name_t* name) {
  if (!options || !name) return KERN_INVALID_ARGUMENT;
  port_call c = make(call::construct, {task, context});
  const auto* p = reinterpret_cast<const std::byte*>(options);
  c.in.assign(p, p + sizeof *options);
  port_result r;
  const kern_return_t kr = machemu::lib::run(c, r);
  if (kr == KERN_SUCCESS) *name = static_cast<mach_port_name_t>(r.out[0]);
  return kr;
}

kern_return_t mach_port_destruct(ipc_space_t task, mach_port_name_t name, mach_port_delta_t srdelta,
                                 mach_port_context_t guard) {
  return simple(call::destruct, {task, name, static_cast<std::uint32_t>(srdelta), guard});
}

kern_return_t mach_port_guard(ipc_space_t task, mach_port_name_t name, mach_port_context_t guard,
                              boolean_t strict) {
  return simple(call::guard, {task, name, guard, strict ? MPG_STRICT : 0u});
}

kern_return_t mach_port_guard_with_flags(ipc_space_t task, mach_port_name_t name,
                                         mach_port_context_t guard, uint64_t flags) {
  return simple(call::guard, {task, name, guard, flags});
}

kern_return_t mach_port_unguard(ipc_space_t task, mach_port_name_t name, mach_port_context_t guard) {
  return simple(call::unguard, {task, name, guard});
}

kern_return_t mach_port_swap_guard(ipc_space_t task, mach_port_name_t name,
                                   mach_port_context_t old_guard, mach_port_context_t new_guard) {
  return simple(call::swap_guard, {task, name, old_guard, new_guard});
}

kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name) {
  return simple(call::deallocate, {task, name});
}

kern_return_t mach_port_destroy(ipc_space_t task, mach_port_name_t name) {
  return simple(call::destroy, {task, name});
}

kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name, mach_port_right_t right,
                                 mach_port_delta_t delta) {
  return simple(call::mod_refs, {task, name, right, static_cast<std::uint32_t>(delta)});
}

kern_return_t mach_port_get_refs(ipc_space_t task, mach_port_name_t name, mach_port_right_t right,
                                 mach_port_urefs_t* refs) {
  if (!refs) return KERN_INVALID_ARGUMENT;
  return one_out(call::get_refs, {task, name, right}, refs);
}

kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name, mach_port_type_t* type) {
  if (!type) return KERN_INVALID_ARGUMENT;
  return one_out(call::type, {task, name}, type);
}

kern_return_t mach_port_names(ipc_space_t task, mach_port_name_array_t* names,
                              mach_msg_type_number_t* names_count, mach_port_type_array_t* types,
                              mach_msg_type_number_t* types_count) {
  port_result r;
  kern_return_t kr = machemu::lib::run(make(call::names, {task}), r);
  if (kr != KERN_SUCCESS) return kr;
  const std::size_t n = r.out[0];
  const std::size_t bytes = n * sizeof(mach_port_name_t);
  if (r.blob.size() != 2 * bytes) return KERN_FAILURE;
  vm_address_t na = 0, ta = 0;
  if ((kr = out_array(r.blob.data(), bytes, &na)) != KERN_SUCCESS) return kr;
  if ((kr = out_array(r.blob.data() + bytes, bytes, &ta)) != KERN_SUCCESS) {
    vm_deallocate(mach_task_self(), na, bytes);
    return kr;
  }
  *names = reinterpret_cast<mach_port_name_array_t>(na);
  *types = reinterpret_cast<mach_port_type_array_t>(ta);
  *names_count = static_cast<mach_msg_type_number_t>(n);
  *types_count = static_cast<mach_msg_type_number_t>(n);
  return KERN_SUCCESS;
}

kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name, mach_port_t poly,
                                     mach_msg_type_name_t poly_poly) {
  return simple(call::insert_right, {task, name, poly, poly_poly});
}

kern_return_t mach_port_extract_right(ipc_space_t task, mach_port_name_t name,
                                      mach_msg_type_name_t msgt_name, mach_port_t* poly,
                                      mach_msg_type_name_t* poly_poly) {
  if (!poly || !poly_poly) return KERN_INVALID_ARGUMENT;
  port_result r;
  const kern_return_t kr = machemu::lib::run(make(call::extract_right, {task, name, msgt_name}), r);
  if (kr == KERN_SUCCESS) {
    *poly = static_cast<mach_port_t>(r.out[0]);
    *poly_poly = static_cast<mach_msg_type_name_t>(r.out[1]);
  }
  return kr;
}

kern_return_t mach_port_request_notification(ipc_space_t task, mach_port_name_t name,
                                             mach_msg_id_t msgid, mach_port_mscount_t sync,
                                             mach_port_t notify, mach_msg_type_name_t notify_poly,
                                             mach_port_t* previous) {
  port_result r;
  const kern_return_t kr = machemu::lib::run(
      make(call::request_notification,
           {task, name, static_cast<std::uint32_t>(msgid), sync, notify, notify_poly}),
      r);
  // The core reports the previous right (MACH_PORT_NULL when refused) either way.
  if (previous) *previous = static_cast<mach_port_t>(r.out[0]);
  return kr;
}

kern_return_t mach_port_get_attributes(ipc_space_t task, mach_port_name_t name,
                                       mach_port_flavor_t flavor, mach_port_info_t info,
                                       mach_msg_type_number_t* count) {
  if (!info || !count) return KERN_INVALID_ARGUMENT;
  port_result r;
  const kern_return_t kr = machemu::lib::run(
      make(call::get_attributes, {task, name, static_cast<std::uint32_t>(flavor), *count}), r);
  if (kr == KERN_SUCCESS) {
    const auto n = static_cast<mach_msg_type_number_t>(r.out[0]);
    if (n > *count || r.blob.size() != n * sizeof(integer_t)) return KERN_FAILURE;
    // An empty answer (count 0: LIMITS_INFO of a null name) has no bytes to copy.
    if (!r.blob.empty()) std::memcpy(info, r.blob.data(), r.blob.size());
    *count = n;
  }
  return kr;
}

kern_return_t mach_port_set_attributes(ipc_space_t task, mach_port_name_t name,
                                       mach_port_flavor_t flavor, mach_port_info_t info,
                                       mach_msg_type_number_t count) {
  if (!info) return KERN_INVALID_ARGUMENT;
  port_call c = make(call::set_attributes, {task, name, static_cast<std::uint32_t>(flavor), count});
  // The core reads at most the largest flavor (a few integers); never more than given.
  const std::size_t n = (count > 16 ? 16 : count) * sizeof(integer_t);
  const auto* p = reinterpret_cast<const std::byte*>(info);
  c.in.assign(p, p + n);
  port_result r;
  return machemu::lib::run(c, r);
}

kern_return_t mach_port_insert_member(ipc_space_t task, mach_port_name_t name, mach_port_name_t pset) {
  return simple(call::insert_member, {task, name, pset});
}

kern_return_t mach_port_extract_member(ipc_space_t task, mach_port_name_t name, mach_port_name_t pset) {
  return simple(call::extract_member, {task, name, pset});
}

kern_return_t mach_port_move_member(ipc_space_t task, mach_port_name_t member, mach_port_name_t after) {
  return simple(call::move_member, {task, member, after});
}

kern_return_t mach_port_get_set_status(ipc_space_t task, mach_port_name_t name,
                                       mach_port_name_array_t* members,
                                       mach_msg_type_number_t* count) {
  port_result r;
  kern_return_t kr = machemu::lib::run(make(call::get_set_status, {task, name}), r);
  if (kr != KERN_SUCCESS) return kr;
  const std::size_t n = r.out[0];
  if (r.blob.size() != n * sizeof(mach_port_name_t)) return KERN_FAILURE;
  vm_address_t a = 0;
  if ((kr = out_array(r.blob.data(), r.blob.size(), &a)) != KERN_SUCCESS) return kr;
  *members = reinterpret_cast<mach_port_name_array_t>(a);
  *count = static_cast<mach_msg_type_number_t>(n);
  return KERN_SUCCESS;
}

kern_return_t mach_port_get_context(ipc_space_t task, mach_port_name_t name, mach_port_context_t* context) {
  if (!context) return KERN_INVALID_ARGUMENT;
  return one_out(call::get_context, {task, name}, context);
}

kern_return_t mach_port_set_context(ipc_space_t task, mach_port_name_t name, mach_port_context_t context) {
  return simple(call::set_context, {task, name, context});
}

kern_return_t mach_port_set_mscount(ipc_space_t task, mach_port_name_t name, mach_port_mscount_t mscount) {
  return simple(call::set_mscount, {task, name, mscount});
}

kern_return_t mach_port_set_seqno(ipc_space_t task, mach_port_name_t name, mach_port_seqno_t seqno) {
  return simple(call::set_seqno, {task, name, seqno});
}

kern_return_t mach_port_get_srights(ipc_space_t task, mach_port_name_t name, mach_port_rights_t* srights) {
  if (!srights) return KERN_INVALID_ARGUMENT;
  return one_out(call::get_srights, {task, name}, srights);
}

kern_return_t mach_port_peek(ipc_space_t task, mach_port_name_t name, mach_msg_trailer_type_t trailer_type,
                             mach_port_seqno_t* seqno, mach_msg_size_t* size, mach_msg_id_t* id,
                             mach_msg_trailer_info_t trailer, mach_msg_type_number_t* count) {
  if (!seqno || !size || !id || !trailer || !count) return KERN_INVALID_ARGUMENT;
  port_result r;
  const kern_return_t kr = machemu::lib::run(
      make(call::peek, {task, name, static_cast<std::uint32_t>(trailer_type), *seqno, *count}), r);
  if (kr == KERN_SUCCESS) {
    const auto n = static_cast<mach_msg_type_number_t>(r.out[3]);
    if (n > *count || r.blob.size() != n) return KERN_FAILURE;
    *seqno = static_cast<mach_port_seqno_t>(r.out[0]);
    *size = static_cast<mach_msg_size_t>(r.out[1]);
    *id = static_cast<mach_msg_id_t>(static_cast<std::uint32_t>(r.out[2]));
    if (n != 0) std::memcpy(trailer, r.blob.data(), n);
    *count = n;
  }
  return kr;
}

}  // extern "C"
