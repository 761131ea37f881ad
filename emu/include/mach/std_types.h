/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/std_types.h> -- the basic Mach types in one include. */
#ifndef MACHEMU_MACH_STD_TYPES_H
#define MACHEMU_MACH_STD_TYPES_H

#include <stdint.h>
#include <mach/boolean.h>
#include <mach/kern_return.h>
#include <mach/port.h>
#include <mach/vm_types.h>

#endif /* MACHEMU_MACH_STD_TYPES_H */
