/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/boolean.h> -- Mach's boolean type, as on the macOS SDK. */
#ifndef MACHEMU_MACH_BOOLEAN_H
#define MACHEMU_MACH_BOOLEAN_H

#include <mach/machine/boolean.h>

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

#endif /* MACHEMU_MACH_BOOLEAN_H */
