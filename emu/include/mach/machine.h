/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/machine.h> -- CPU type and subtype codes, as the SDK's. */
#ifndef MACHEMU_MACH_MACHINE_H
#define MACHEMU_MACH_MACHINE_H

#include <mach/machine/vm_types.h>

typedef integer_t cpu_type_t;
typedef integer_t cpu_subtype_t;
typedef integer_t cpu_threadtype_t;

#define CPU_ARCH_MASK  0xff000000
#define CPU_ARCH_ABI64 0x01000000

#define CPU_TYPE_ANY    ((cpu_type_t)-1)
#define CPU_TYPE_X86    ((cpu_type_t)7)
#define CPU_TYPE_I386   CPU_TYPE_X86
#define CPU_TYPE_X86_64 (CPU_TYPE_X86 | CPU_ARCH_ABI64)
#define CPU_TYPE_ARM    ((cpu_type_t)12)
#define CPU_TYPE_ARM64  (CPU_TYPE_ARM | CPU_ARCH_ABI64)

#define CPU_SUBTYPE_X86_ALL    ((cpu_subtype_t)3)
#define CPU_SUBTYPE_X86_64_ALL ((cpu_subtype_t)3)
#define CPU_SUBTYPE_ARM64_ALL  ((cpu_subtype_t)0)

#define CPU_THREADTYPE_NONE ((cpu_threadtype_t)0)

#endif /* MACHEMU_MACH_MACHINE_H */
