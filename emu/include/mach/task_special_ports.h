/* mach-emu: <mach/task_special_ports.h> -- special port ids (constants only; mach-emu
 * has no task_get_special_port). */
#ifndef MACHEMU_MACH_TASK_SPECIAL_PORTS_H
#define MACHEMU_MACH_TASK_SPECIAL_PORTS_H

typedef int task_special_port_t;

#define TASK_KERNEL_PORT          1
#define TASK_HOST_PORT            2
#define TASK_NAME_PORT            3
#define TASK_BOOTSTRAP_PORT       4 /* what the bootstrap_port global holds */
#define TASK_INSPECT_PORT         5
#define TASK_READ_PORT            6
#define TASK_ACCESS_PORT          9
#define TASK_DEBUG_CONTROL_PORT   10
#define TASK_RESOURCE_NOTIFY_PORT 11
#define TASK_MAX_SPECIAL_PORT     TASK_RESOURCE_NOTIFY_PORT

#endif /* MACHEMU_MACH_TASK_SPECIAL_PORTS_H */
