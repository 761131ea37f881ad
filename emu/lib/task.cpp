// SPDX-License-Identifier: BSL-1.0
// The task calls: task_get_special_port and task_set_special_port, answered by the kernel
// core (in this process or in machd) as XNU answers the MIG routines of task.defs.
#include <mach/mach.h>

#include "lib/transport.hpp"

extern "C" {

kern_return_t task_get_special_port(task_inspect_t task, int which_port,
                                    mach_port_t* special_port) {
  machemu::lib::port_call c;
  c.what = machemu::lib::call::task_get_special_port;
  c.a[0] = task;
  c.a[1] = static_cast<std::uint32_t>(which_port);
  machemu::lib::port_result r;
  const kern_return_t kr = machemu::lib::run(c, r);
  // MIG's user stub writes the out argument only when the routine succeeded.
  if (kr == KERN_SUCCESS && special_port) *special_port = static_cast<mach_port_t>(r.out[0]);
  return kr;
}

kern_return_t task_set_special_port(task_t task, int which_port, mach_port_t special_port) {
  machemu::lib::port_call c;
  c.what = machemu::lib::call::task_set_special_port;
  c.a[0] = task;
  c.a[1] = static_cast<std::uint32_t>(which_port);
  c.a[2] = special_port;
  machemu::lib::port_result r;
  return machemu::lib::run(c, r);
}

}  // extern "C"
