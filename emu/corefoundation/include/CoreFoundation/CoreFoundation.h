/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu's CoreFoundation: the part of CF that IOKit's API and its users need (see
 * doc/emu-divergences.md for what is not here). */
#ifndef MACHEMU_COREFOUNDATION_H
#define MACHEMU_COREFOUNDATION_H

#include <CoreFoundation/CFArray.h>
#include <CoreFoundation/CFBase.h>
#include <CoreFoundation/CFData.h>
#include <CoreFoundation/CFDictionary.h>
#include <CoreFoundation/CFNumber.h>
#include <CoreFoundation/CFString.h>

#endif
