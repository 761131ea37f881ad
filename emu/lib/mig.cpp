// SPDX-License-Identifier: BSL-1.0
// The support routines MIG-generated code calls into libsyscall for: the per-thread reply
// port, the string copies c_string arguments use, and MIG's allocator for out-of-line
// data.
#include <mach/mach.h>
#include <mach/mig.h>

namespace {
thread_local mach_port_t reply_port = MACH_PORT_NULL;
}

extern "C" {

// The reply port as libsyscall keeps it: created on first use, destroyed and recreated by
// the generated client code when a call fails in a way that may leave a stale reply
// queued on it.
mach_port_t mig_get_reply_port(void) {
  if (reply_port == MACH_PORT_NULL &&
      mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply_port) != KERN_SUCCESS)
    reply_port = MACH_PORT_NULL;
  return reply_port;
}

// libsyscall destroys the thread's reply port whatever name it is given (generated stubs
// pass the port they used; programs pass MACH_PORT_NULL to drop the cached one), and the
// next mig_get_reply_port makes a fresh one.
void mig_dealloc_reply_port(mach_port_t port) {
  (void)port;
  const mach_port_t cached = reply_port;
  if (cached == MACH_PORT_NULL) return;
  reply_port = MACH_PORT_NULL;
  mach_port_mod_refs(mach_task_self(), cached, MACH_PORT_RIGHT_RECEIVE, -1);
}

void mig_put_reply_port(mach_port_t port) { (void)port; }

// A user stub packs a c_string with the count this returns, so the count includes the NUL
// (or is len when src had to be cut, and then dest[len - 1] is the NUL).
int mig_strncpy(char* dest, const char* src, int len) {
  if (len <= 0 || dest == nullptr) return 0;
  if (src == nullptr) src = "";  // libsyscall would fault; an empty string is kinder
  int copied = 1;
  for (; copied < len; ++copied)
    if ((*dest++ = *src++) == '\0') return copied;
  *dest = '\0';
  return copied;
}

// As mig_strncpy, but the bytes after the string are zeroed too, so a stub never sends
// what its stack held before. A null src sends len zero bytes and a count of 0. Stubs
// pick this one when <mach/mig_strncpy_zerofill_support.h> exists.
int mig_strncpy_zerofill(char* dest, const char* src, int len) {
  if (len <= 0 || dest == nullptr) return 0;
  int count = 0;
  bool ended = src == nullptr;
  int i = 1;
  for (; i < len; ++i) {
    if (ended) {
      *dest++ = '\0';
    } else if ((*dest++ = *src++) == '\0') {
      count = i;
      ended = true;
    }
  }
  *dest = '\0';
  return ended ? count : i;
}

// MIG's allocator for out-of-line data a server routine returns with dealloc: fresh pages,
// or 0 in *address when there are none (the stubs have no way to report the failure).
void mig_allocate(vm_address_t* address, vm_size_t size) {
  if (vm_allocate(mach_task_self(), address, size, VM_FLAGS_ANYWHERE) != KERN_SUCCESS) *address = 0;
}

void mig_deallocate(vm_address_t address, vm_size_t size) {
  (void)vm_deallocate(mach_task_self(), address, size);
}

}  // extern "C"
