/* mach-emu: <mach/vm_statistics.h> -- only the allocation flags vm_allocate() takes. */
#ifndef MACHEMU_MACH_VM_STATISTICS_H
#define MACHEMU_MACH_VM_STATISTICS_H

/* FIXED is the absence of ANYWHERE: the address argument is used as given. */
#define VM_FLAGS_FIXED    0x00000000
#define VM_FLAGS_ANYWHERE 0x00000001

#endif /* MACHEMU_MACH_VM_STATISTICS_H */
