// The host port and thread ports: kernel objects a task names with send rights
// (mach_host_self, mach_thread_self). As on XNU each call hands out one more user
// reference on the same name, which the caller must deallocate. Messages sent to them are
// dropped as for the task port: mach-emu answers host_info and thread_policy_set as
// functions, not as MIG requests to these ports.
#include "kernel/kernel.hpp"

namespace machemu::kern {

kern_return_t kernel::host_self(task& t, mach_port_name_t* name) {
  if (!host_port_) {
    host_port_ = new_port();
    host_port_->kernel_object = true;
  }
  ++host_port_->srights;
  kright r{host_port_, MACH_MSG_TYPE_PORT_SEND, false};
  return copy_out_right(t, std::move(r), name);
}

kern_return_t kernel::thread_self(task& t, std::uint64_t thread_id, mach_port_name_t* name) {
  ref<port>& p = t.thread_ports[thread_id];
  if (!p) {
    p = new_port();
    p->kernel_object = true;
  }
  ++p->srights;
  kright r{p, MACH_MSG_TYPE_PORT_SEND, false};
  return copy_out_right(t, std::move(r), name);
}

bool kernel::names_host(task& t, mach_port_name_t name) {
  entry* e = entry_at(t, name);
  return host_port_ && e && (e->type & MACH_PORT_TYPE_SEND) &&
         e->object.get() == static_cast<ipc_object*>(host_port_.get());
}

}  // namespace machemu::kern
