/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/mach_vm.h> -- the 64-bit-typed forms of vm_allocate/vm_deallocate. */
#ifndef MACHEMU_MACH_MACH_VM_H
#define MACHEMU_MACH_MACH_VM_H

#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/vm_statistics.h>
#include <mach/vm_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* As vm_allocate(); the caller owns the returned pages. */
kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address, mach_vm_size_t size, int flags);

/* As vm_deallocate(). */
kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address, mach_vm_size_t size);

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_MACH_MACH_VM_H */
