/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/vm_map.h> -- allocating and freeing memory in a task, as needed for
 * out-of-line message data. */
#ifndef MACHEMU_MACH_VM_MAP_H
#define MACHEMU_MACH_VM_MAP_H

#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/vm_statistics.h>
#include <mach/vm_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Maps `size` bytes (rounded up to pages) of zeroed memory at *address
 * (VM_FLAGS_FIXED) or wherever there is room (VM_FLAGS_ANYWHERE); the caller owns it. */
kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address, vm_size_t size, int flags);

/* Unmaps the pages covering [address, address + size). Out-of-line regions received in
 * a message are freed this way. */
kern_return_t vm_deallocate(vm_map_t target_task, vm_address_t address, vm_size_t size);

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_MACH_VM_MAP_H */
