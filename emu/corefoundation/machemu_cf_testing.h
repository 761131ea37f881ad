/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu's CoreFoundation, test-only: how many CF objects exist (constants excluded),
 * so that a test can check it created and released the same number. Not installed. */
#ifndef MACHEMU_CF_TESTING_H
#define MACHEMU_CF_TESTING_H

#include <CoreFoundation/CFBase.h>

CF_EXTERN_C_BEGIN
CFIndex machemu_cf_live_objects(void);
CF_EXTERN_C_END

#endif
