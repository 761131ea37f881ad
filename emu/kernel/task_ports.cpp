// SPDX-License-Identifier: BSL-1.0
// A task's special ports (task_get_special_port, task_set_special_port), with XNU's rules
// (osfmk/kern/ipc_tt.c): getting one clones a send right to it, or gives MACH_PORT_NULL
// when it is unset; setting one stores a naked send right in the task and releases the old
// one. The task, host and name ports are the kernel's own and cannot be replaced.
#include <mach/task_special_ports.h>

#include "kernel/kernel.hpp"

namespace machemu::kern {

namespace {

// Which ports a task holds in `task::special` (the settable ones).
bool stored_in_task(int which) {
  switch (which) {
    case TASK_BOOTSTRAP_PORT:
    case TASK_ACCESS_PORT:
    case TASK_DEBUG_CONTROL_PORT:
    case TASK_RESOURCE_NOTIFY_PORT: return true;
    default: return false;
  }
}

}  // namespace

kern_return_t kernel::task_get_special_port(task& t, int which, mach_port_name_t* name) {
  if (!t.active) return KERN_FAILURE;
  switch (which) {
    // The task port flavours are all the one task port here: mach-emu has no read or
    // inspect ports (doc/emu-divergences.md).
    case TASK_KERNEL_PORT:
    case TASK_NAME_PORT:
    case TASK_INSPECT_PORT:
    case TASK_READ_PORT: return kernel_object_send(t, t.self_port, name);
    case TASK_HOST_PORT: return host_self(t, name);
    default: break;
  }
  if (!stored_in_task(which)) return KERN_INVALID_ARGUMENT;
  const task::special_port& slot = t.special[which];
  if (slot.dead) {
    *name = MACH_PORT_DEAD;
    return KERN_SUCCESS;
  }
  if (!slot.p) {
    *name = MACH_PORT_NULL;
    return KERN_SUCCESS;
  }
  ++slot.p->srights;
  kright r{slot.p, MACH_MSG_TYPE_PORT_SEND, false};
  return copy_out_right(t, std::move(r), name);
}

kern_return_t kernel::task_set_special_port(task& t, int which, mach_port_name_t name) {
  // MIG copies the argument in (COPY_SEND, as a port in the body) before the routine
  // runs; a name that holds no send right fails the send itself.
  kright r;
  if (MACH_PORT_VALID(name)) {
    if (copy_in_right(t, name, MACH_MSG_TYPE_COPY_SEND, &r, true) != KERN_SUCCESS)
      return MACH_SEND_INVALID_RIGHT;
  } else if (name == MACH_PORT_DEAD) {
    r.dead = true;
  }
  kern_return_t kr = KERN_SUCCESS;
  if (which == TASK_KERNEL_PORT || which == TASK_HOST_PORT) {
    // XNU allows these only with SIP disabled, for Mach-on-Mach emulation.
    kr = KERN_NO_ACCESS;
  } else if (!stored_in_task(which)) {
    kr = KERN_INVALID_ARGUMENT;
  } else if (which == TASK_ACCESS_PORT && (t.special[which].p || t.special[which].dead)) {
    kr = KERN_NO_ACCESS;  // set once, never overwritten
  } else if (!t.active) {
    kr = KERN_FAILURE;
  }
  if (kr != KERN_SUCCESS) {
    // The request message is destroyed, and the copied right with it.
    if (r.p) release_send(r.p.get());
    return kr;
  }
  task::special_port& slot = t.special[which];
  ref<port> old = std::move(slot.p);
  slot.p = std::move(r.p);
  slot.dead = r.dead;
  if (old) release_send(old.get());
  return KERN_SUCCESS;
}

bool kernel::names_bootstrap(task& t, mach_port_name_t name) {
  entry* e = entry_at(t, name);
  return bootstrap_port_ && e && (e->type & MACH_PORT_TYPE_SEND) &&
         e->object.get() == static_cast<ipc_object*>(bootstrap_port_.get());
}

}  // namespace machemu::kern
