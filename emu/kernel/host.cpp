// SPDX-License-Identifier: BSL-1.0
// The host port and thread ports: kernel objects a task names with send rights
// (mach_host_self, mach_thread_self). As on XNU each call hands out one more user
// reference on the same name, which the caller must deallocate. Messages sent to them are
// dropped as for the task port: mach-emu answers host_info and thread_policy_set as
// functions, not as MIG requests to these ports.
#include "kernel/kernel.hpp"

namespace machemu::kern {

// One more send right on the kernel object `slot` (made on first use), copied out to `t`.
kern_return_t kernel::kernel_object_send(task& t, ref<port>& slot, mach_port_name_t* name) {
  if (!slot) {
    slot = new_port();
    slot->kernel_object = kobject_plain;
  }
  ++slot->srights;
  kright r{slot, MACH_MSG_TYPE_PORT_SEND, false};
  return copy_out_right(t, std::move(r), name);
}

kern_return_t kernel::host_self(task& t, mach_port_name_t* name) {
  return kernel_object_send(t, host_port_, name);
}

kern_return_t kernel::thread_self(task& t, std::uint64_t thread_id, mach_port_name_t* name) {
  return kernel_object_send(t, t.thread_ports[thread_id], name);
}

bool kernel::names_host(task& t, mach_port_name_t name) {
  entry* e = entry_at(t, name);
  return host_port_ && e && (e->type & MACH_PORT_TYPE_SEND) &&
         e->object.get() == static_cast<ipc_object*>(host_port_.get());
}

}  // namespace machemu::kern
