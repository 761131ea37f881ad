// MIG's per-thread reply port, as libsyscall keeps it: created on first use, destroyed and
// recreated by the generated client code when a call fails in a way that may leave a
// stale reply queued on it.
#include <mach/mach.h>
#include <mach/mig.h>

namespace {
thread_local mach_port_t reply_port = MACH_PORT_NULL;
}

extern "C" {

mach_port_t mig_get_reply_port(void) {
  if (reply_port == MACH_PORT_NULL &&
      mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply_port) != KERN_SUCCESS)
    reply_port = MACH_PORT_NULL;
  return reply_port;
}

void mig_dealloc_reply_port(mach_port_t port) {
  if (port != reply_port || port == MACH_PORT_NULL) return;
  reply_port = MACH_PORT_NULL;
  mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
}

void mig_put_reply_port(mach_port_t port) { (void)port; }

}  // extern "C"
