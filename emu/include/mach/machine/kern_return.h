/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/machine/kern_return.h> -- kern_return_t (32-bit signed on every arch). */
#ifndef MACHEMU_MACH_MACHINE_KERN_RETURN_H
#define MACHEMU_MACH_MACHINE_KERN_RETURN_H

typedef int kern_return_t;

#endif /* MACHEMU_MACH_MACHINE_KERN_RETURN_H */
