/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/vm_param.h> -- page size and rounding, as the SDK's: on x86_64 PAGE_SIZE
 * is the constant 4096 (I386_PGBYTES), elsewhere the runtime page size (vm_page_size). */
#ifndef MACHEMU_MACH_VM_PARAM_H
#define MACHEMU_MACH_VM_PARAM_H

#include <mach/mach_init.h>
#include <mach/vm_types.h>

#if defined(__x86_64__) || defined(__i386__)
#define I386_PGBYTES 4096
#define I386_PGSHIFT 12
#define PAGE_SIZE  I386_PGBYTES
#define PAGE_SHIFT I386_PGSHIFT
#define PAGE_MASK  (PAGE_SIZE - 1)
#else
#define PAGE_SIZE  vm_page_size
#define PAGE_MASK  vm_page_mask
#define PAGE_SHIFT vm_page_shift
#endif

#define trunc_page(x) ((vm_offset_t)(x) & ~((vm_offset_t)vm_page_mask))
#define round_page(x) trunc_page((vm_offset_t)(x) + (vm_offset_t)vm_page_mask)
#define mach_vm_trunc_page(x) ((mach_vm_offset_t)(x) & ~((mach_vm_offset_t)vm_page_mask))
#define mach_vm_round_page(x) \
    mach_vm_trunc_page((mach_vm_offset_t)(x) + (mach_vm_offset_t)vm_page_mask)

#endif /* MACHEMU_MACH_VM_PARAM_H */
