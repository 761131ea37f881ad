/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/vm_statistics.h> -- only the allocation flags vm_allocate() takes. */
#ifndef MACHEMU_MACH_VM_STATISTICS_H
#define MACHEMU_MACH_VM_STATISTICS_H

/* FIXED is the absence of ANYWHERE: the address argument is used as given. */
#define VM_FLAGS_FIXED    0x00000000
#define VM_FLAGS_ANYWHERE 0x00000001

/* The top byte of the flags tags the region for Darwin's memory tools; mach-emu accepts
 * and ignores it. */
#define VM_FLAGS_ALIAS_MASK 0xFF000000
#define VM_MAKE_TAG(tag) ((unsigned)(tag) << 24)
#define VM_GET_FLAGS_ALIAS(flags, alias) ((alias) = (int)(((unsigned)(flags) >> 24) & 0xFF))
#define VM_MEMORY_MALLOC   1
#define VM_MEMORY_MACH_MSG 20

#endif /* MACHEMU_MACH_VM_STATISTICS_H */
