// SPDX-License-Identifier: BSL-1.0
// One mach_port_* or bootstrap_* call in a form that can cross a socket.
//
// The C wrappers fill a `port_call` (scalar arguments in `a`, an input array in `in`) and
// hand it to the transport; the in-process transport and machd both run it with
// `execute`, so the argument handling lives once. Results come back as scalars in `out`
// and, for the calls that return arrays, bytes in `blob`.
#pragma once

#include <mach/mach_types.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernel/kernel.hpp"

namespace machemu::lib {

enum class call : std::uint32_t {
  allocate = 1, allocate_name, construct, destruct, guard, unguard, swap_guard, deallocate,
  destroy, mod_refs, get_refs, type, names, insert_right, extract_right,
  request_notification, get_attributes, set_attributes, insert_member, extract_member,
  move_member, get_set_status, get_context, set_context, set_mscount, set_seqno,
  get_srights, peek, bootstrap_check_in, bootstrap_look_up, bootstrap_register,
  host_self, thread_self, is_host, task_get_special_port, task_set_special_port,
  // mach-emu's own: the state `machd status` shows, rendered (a[1]: lib::status_format).
  status,
  // IOKit's routines (emu/iokit/host.hpp runs them; a[0] is the object the routine is
  // sent to, as MIG's destination: the main port or an io_object_t).
  iokit_main_port, iokit_get_matching_services, iokit_get_matching_service,
  iokit_add_notification, iokit_add_interest_notification, iokit_iterator_next,
  iokit_iterator_reset, iokit_iterator_is_valid, iokit_object_get_class,
  iokit_object_conforms_to, iokit_entry_get_name, iokit_entry_get_id,
  iokit_entry_get_property, iokit_entry_get_properties, iokit_entry_get_parent,
  // mach-emu's own, for tests and `machd iokit` (machemu_iokit_testing.h).
  iokit_publish, iokit_terminate, iokit_message, iokit_list,
  iokit_first = iokit_main_port,
  last = iokit_list,
};

constexpr bool is_iokit_call(call c) noexcept { return c >= call::iokit_first && c <= call::last; }

struct port_call {
  call what = call::allocate;
  std::uint64_t a[6] = {};       // a[0] is always the task port the caller named
  std::vector<std::byte> in;     // options struct, attribute info, or a service name
};

struct port_result {
  kern_return_t kr = KERN_SUCCESS;
  std::uint64_t out[4] = {};
  std::vector<std::byte> blob;   // name arrays, attribute info, a peeked trailer
  std::uint64_t guard_code = 0;  // an EXC_GUARD the call raised (kernel::guard_exception)
  std::uint64_t guard_subcode = 0;
};

// Runs `c` for task `t`. Never blocks; validates every size in `c` (it may come from
// another process).
void execute(kern::kernel& k, kern::task& t, const port_call& c, port_result& r);

}  // namespace machemu::lib
