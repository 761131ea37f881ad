/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/machine/boolean.h> -- boolean_t per architecture. */
#ifndef MACHEMU_MACH_MACHINE_BOOLEAN_H
#define MACHEMU_MACH_MACHINE_BOOLEAN_H

/* The SDK makes boolean_t unsigned on x86_64 user space and signed on arm64; both are
 * 32 bits, so message layouts do not depend on the choice. */
#if defined(__x86_64__)
typedef unsigned int boolean_t;
#else
typedef int boolean_t;
#endif

#endif /* MACHEMU_MACH_MACHINE_BOOLEAN_H */
