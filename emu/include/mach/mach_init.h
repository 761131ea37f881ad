/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/mach_init.h> -- the calling task's own port. */
#ifndef MACHEMU_MACH_MACH_INIT_H
#define MACHEMU_MACH_MACH_INIT_H

#include <mach/mach_types.h>
#include <mach/vm_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A send right to the caller's task port, set up before main(). The program must not
 * deallocate it. */
extern mach_port_t mach_task_self_;
#define mach_task_self() mach_task_self_
#define current_task() mach_task_self()

/* A send right to the bootstrap server (TASK_BOOTSTRAP_PORT). The SDK declares it
 * here as well as in <servers/bootstrap.h>. */
extern mach_port_t bootstrap_port;

/* A new send right (one more user reference each call: deallocate it) to the host's
 * port and to the calling thread's port. */
extern mach_port_t mach_host_self(void);
extern mach_port_t mach_thread_self(void);

/* The VM page size, as vm_page_size etc. in libsyscall. */
extern vm_size_t vm_page_size;
extern vm_size_t vm_page_mask;
extern int vm_page_shift;

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_MACH_MACH_INIT_H */
