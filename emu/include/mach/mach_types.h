/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/mach_types.h> -- the port-typed handles the IPC calls take: tasks,
 * spaces, hosts and threads (mach-emu has no processor or ledger objects). */
#ifndef MACHEMU_MACH_MACH_TYPES_H
#define MACHEMU_MACH_MACH_TYPES_H

#include <stdint.h>
#include <mach/machine/vm_types.h>
#include <mach/message.h>
#include <mach/port.h>
#include <mach/task_special_ports.h>
#include <mach/vm_prot.h>
#include <mach/vm_statistics.h>
#include <mach/vm_types.h>

typedef mach_port_t task_t;
typedef mach_port_t task_name_t;
typedef mach_port_t task_inspect_t;
typedef mach_port_t task_read_t;
typedef mach_port_t ipc_space_t;
typedef mach_port_t ipc_space_read_t;
typedef mach_port_t ipc_space_inspect_t;
typedef mach_port_t bootstrap_t;
typedef mach_port_t host_t;
typedef mach_port_t host_priv_t;
typedef mach_port_t host_name_t;
typedef mach_port_t thread_t;
typedef mach_port_t thread_act_t;
typedef mach_port_t thread_inspect_t;

typedef task_t task_port_t;
typedef task_t *task_array_t;
typedef ipc_space_t ipc_space_port_t;

#define TASK_NULL              ((task_t)0)
#define TASK_NAME_NULL         ((task_name_t)0)
#define TASK_INSPECT_NULL      ((task_inspect_t)0)
#define TASK_READ_NULL         ((task_read_t)0)
#define IPC_SPACE_NULL         ((ipc_space_t)0)
#define IPC_SPACE_READ_NULL    ((ipc_space_read_t)0)
#define IPC_SPACE_INSPECT_NULL ((ipc_space_inspect_t)0)

#endif /* MACHEMU_MACH_MACH_TYPES_H */
