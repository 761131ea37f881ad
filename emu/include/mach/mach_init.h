/* mach-emu: <mach/mach_init.h> -- the calling task's own port. */
#ifndef MACHEMU_MACH_MACH_INIT_H
#define MACHEMU_MACH_MACH_INIT_H

#include <mach/mach_types.h>

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

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_MACH_MACH_INIT_H */
