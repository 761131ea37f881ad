/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu test support: more than one task inside one process.
 *
 * Not part of the Darwin C API and not installed. A test creates tasks and switches the
 * calling thread between them; every C call then acts in the current thread's task, so
 * cross-task behaviour (rights moving between spaces, a task dying) is testable in-process.
 * Each task's own name for itself is mach_task_self(). */
#ifndef MACHEMU_TESTING_H
#define MACHEMU_TESTING_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct machemu_task* machemu_task_t;

/* A new task with an empty name space (only its self right). */
machemu_task_t machemu_task_create(void);
/* Destroys the task's space as XNU does when a task dies. */
void machemu_task_destroy(machemu_task_t task);
/* Makes the calling thread act in `task`; NULL returns it to the process's own task. */
void machemu_task_switch(machemu_task_t task);
/* Number of live ports in the kernel core (for leak checks). */
unsigned long machemu_port_count(void);

#ifdef __cplusplus
}
#endif

#endif
