/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/task.h> -- calls on a task port. mach-emu knows one task per process
 * (the caller's own): a task port naming another task is refused as XNU refuses a port
 * that is not a task. */
#ifndef MACHEMU_MACH_TASK_H
#define MACHEMU_MACH_TASK_H

#include <mach/mach_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One more send right (a user reference: deallocate it) on special port `which_port` of
 * `task`, or MACH_PORT_NULL when that port is unset. TASK_KERNEL_PORT, TASK_NAME_PORT,
 * TASK_INSPECT_PORT and TASK_READ_PORT give the task port, TASK_HOST_PORT the host port.
 * An unknown id: KERN_INVALID_ARGUMENT. */
kern_return_t task_get_special_port(task_inspect_t task, int which_port,
                                    mach_port_t *special_port);

/* Replaces special port `which_port` of `task` with a copy of the send right
 * `special_port` (the caller keeps its own; MACH_PORT_NULL unsets the port). The old right
 * is released. TASK_KERNEL_PORT and TASK_HOST_PORT: KERN_NO_ACCESS, as on XNU with SIP;
 * TASK_ACCESS_PORT can be set once. A name without a send right: MACH_SEND_INVALID_RIGHT. */
kern_return_t task_set_special_port(task_t task, int which_port, mach_port_t special_port);

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_MACH_TASK_H */
