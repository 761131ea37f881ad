/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/vm_types.h> -- address-space types. */
#ifndef MACHEMU_MACH_VM_TYPES_H
#define MACHEMU_MACH_VM_TYPES_H

#include <stdint.h>
#include <mach/port.h>
#include <mach/machine/vm_types.h>

typedef vm_offset_t pointer_t;
typedef vm_offset_t vm_address_t;

typedef uint64_t addr64_t;
typedef uint32_t reg64_t;
typedef uint32_t ppnum_t;
#define PPNUM_MAX UINT32_MAX

/* A task's address space is named by its task port; mach_task_self() is the one a
 * user-space program passes. */
typedef mach_port_t vm_map_t, vm_map_read_t, vm_map_inspect_t;
#define VM_MAP_NULL         ((vm_map_t)0)
#define VM_MAP_INSPECT_NULL ((vm_map_inspect_t)0)
#define VM_MAP_READ_NULL    ((vm_map_read_t)0)

typedef uint64_t vm_object_offset_t;
typedef uint64_t vm_object_size_t;

#endif /* MACHEMU_MACH_VM_TYPES_H */
