// SPDX-License-Identifier: BSL-1.0
// The bootstrap calls: launchd's name service lives in the kernel core (in this process or
// in machd) and is reached through the transport.
#include <servers/bootstrap.h>

#include <mach/mach.h>

#include "lib/transport.hpp"

// The task's bootstrap port as libsystem's start-up fetches it with
// task_get_bootstrap_port: a send right to the name service. The kernel core puts it in
// every new space right after the task's own port (kernel::create_task), so its name is
// the same in every task, a forked child's included, and needs no call before main().
mach_port_t bootstrap_port = 0x203;

namespace {
kern_return_t service_call(machemu::lib::call what, mach_port_t bp, const char* service,
                           mach_port_t port, mach_port_t* out) {
  if (bp == MACH_PORT_NULL) return MACH_SEND_INVALID_DEST;
  if (!service) return BOOTSTRAP_UNKNOWN_SERVICE;
  machemu::lib::port_call c;
  c.what = what;
  c.a[0] = bp;
  c.a[1] = port;
  // At most BOOTSTRAP_MAX_NAME_LEN bytes: longer names are refused by the core.
  std::size_t n = 0;
  while (n < BOOTSTRAP_MAX_NAME_LEN && service[n]) ++n;
  const auto* p = reinterpret_cast<const std::byte*>(service);
  c.in.assign(p, p + n);
  machemu::lib::port_result r;
  const kern_return_t kr = machemu::lib::run(c, r);
  if (kr == KERN_SUCCESS && out) *out = static_cast<mach_port_t>(r.out[0]);
  return kr;
}
}  // namespace

extern "C" {

kern_return_t bootstrap_check_in(mach_port_t bp, const name_t service_name, mach_port_t* sp) {
  if (!sp) return BOOTSTRAP_NOT_PRIVILEGED;
  return service_call(machemu::lib::call::bootstrap_check_in, bp, service_name, 0, sp);
}

kern_return_t bootstrap_look_up(mach_port_t bp, const name_t service_name, mach_port_t* sp) {
  if (!sp) return BOOTSTRAP_NOT_PRIVILEGED;
  return service_call(machemu::lib::call::bootstrap_look_up, bp, service_name, 0, sp);
}

kern_return_t bootstrap_register(mach_port_t bp, name_t service_name, mach_port_t sp) {
  return service_call(machemu::lib::call::bootstrap_register, bp, service_name, sp, nullptr);
}

const char* bootstrap_strerror(kern_return_t r) {
  switch (r) {
    case BOOTSTRAP_SUCCESS: return "Success";
    case BOOTSTRAP_NOT_PRIVILEGED: return "Permission denied";
    case BOOTSTRAP_NAME_IN_USE:
    case BOOTSTRAP_SERVICE_ACTIVE: return "Service name already exists";
    case BOOTSTRAP_UNKNOWN_SERVICE: return "Unknown service name";
    case BOOTSTRAP_BAD_COUNT: return "Too many lookups were requested in one request";
    case BOOTSTRAP_NO_MEMORY: return "Out of memory";
    default: return mach_error_string(r);
  }
}

}  // extern "C"
