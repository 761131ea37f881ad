/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <mach/mach_error.h> -- text for Mach error codes. */
#ifndef MACHEMU_MACH_MACH_ERROR_H
#define MACHEMU_MACH_MACH_ERROR_H

#include <mach/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A static string describing `error_value`; never NULL, never to be freed. (Not const
 * in the SDK either.) */
char *mach_error_string(mach_error_t error_value);

/* Prints "str error-string (error-type/code)" to stderr. */
void mach_error(const char *str, mach_error_t error_value);

/* A static string naming the system/subsystem of `error_value`. */
char *mach_error_type(mach_error_t error_value);

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_MACH_MACH_ERROR_H */
