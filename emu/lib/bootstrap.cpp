// The bootstrap calls. In the in-process mode launchd's name service lives in the core.
#include <servers/bootstrap.h>

#include <mach/mach.h>

#include "lib/runtime.hpp"

using machemu::lib::runtime;

// A send right to the name service would be the task's bootstrap special port; in the
// in-process mode the service is reached by function call, so any non-null name works as
// the handle and we use the task's own port name.
mach_port_t bootstrap_port = 0x103;

namespace {
template <class F>
kern_return_t with_bootstrap(mach_port_t bp, F&& fn) {
  if (bp == MACH_PORT_NULL) return MACH_SEND_INVALID_DEST;
  runtime& rt = runtime::get();
  auto lk = rt.lock();
  return fn(rt.core(), rt.calling_task());
}
}  // namespace

extern "C" {

kern_return_t bootstrap_check_in(mach_port_t bp, const name_t service_name, mach_port_t* sp) {
  if (!sp) return BOOTSTRAP_NOT_PRIVILEGED;
  return with_bootstrap(bp, [&](auto& k, auto& t) { return k.bootstrap_check_in(t, service_name, sp); });
}

kern_return_t bootstrap_look_up(mach_port_t bp, const name_t service_name, mach_port_t* sp) {
  if (!sp) return BOOTSTRAP_NOT_PRIVILEGED;
  return with_bootstrap(bp, [&](auto& k, auto& t) { return k.bootstrap_look_up(t, service_name, sp); });
}

kern_return_t bootstrap_register(mach_port_t bp, name_t service_name, mach_port_t sp) {
  return with_bootstrap(bp, [&](auto& k, auto& t) { return k.bootstrap_register(t, service_name, sp); });
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
