/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/mig_strncpy_zerofill_support.h> -- empty on purpose. MIG-generated code
 * tests for this header with __has_include and, when it is there, copies c_string
 * arguments with mig_strncpy_zerofill (<mach/mig.h>), as on current macOS. */
#ifndef MACHEMU_MACH_MIG_STRNCPY_ZEROFILL_SUPPORT_H
#define MACHEMU_MACH_MIG_STRNCPY_ZEROFILL_SUPPORT_H
#endif
