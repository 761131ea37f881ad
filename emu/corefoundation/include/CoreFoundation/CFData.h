/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu's CoreFoundation: immutable byte buffers. */
#ifndef MACHEMU_CF_DATA_H
#define MACHEMU_CF_DATA_H

#include <CoreFoundation/CFBase.h>

CF_EXTERN_C_BEGIN

typedef const struct __CFData* CFDataRef;
CFTypeID CFDataGetTypeID(void);
/* A copy of \p length bytes at \p bytes. */
CFDataRef CFDataCreate(CFAllocatorRef allocator, const UInt8* bytes, CFIndex length);
CFIndex CFDataGetLength(CFDataRef theData);
/* The bytes in place (borrowed). */
const UInt8* CFDataGetBytePtr(CFDataRef theData);

CF_EXTERN_C_END

#endif
