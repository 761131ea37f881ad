/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu's CoreFoundation: immutable strings. Characters are kept as UTF-8; lengths
 * are counted in UTF-16 code units, as CF counts them. */
#ifndef MACHEMU_CF_STRING_H
#define MACHEMU_CF_STRING_H

#include <CoreFoundation/CFBase.h>

CF_EXTERN_C_BEGIN

typedef UInt32 CFStringEncoding;
enum {
  kCFStringEncodingMacRoman = 0,
  kCFStringEncodingASCII = 0x0600,
  kCFStringEncodingUTF8 = 0x08000100,
};

CFTypeID CFStringGetTypeID(void);

/* A new string from the NUL-terminated \p cStr in \p encoding (UTF-8 or ASCII; NULL for
 * bytes that are not valid in it). */
CFStringRef CFStringCreateWithCString(CFAllocatorRef alloc, const char* cStr, CFStringEncoding encoding);
/* \p numBytes bytes of \p bytes (no terminator needed). */
CFStringRef CFStringCreateWithBytes(CFAllocatorRef alloc, const UInt8* bytes, CFIndex numBytes,
                                    CFStringEncoding encoding, Boolean isExternalRepresentation);
CFStringRef CFStringCreateCopy(CFAllocatorRef alloc, CFStringRef theString);

/* The length in UTF-16 code units. */
CFIndex CFStringGetLength(CFStringRef theString);
/* Copies the string and a NUL into \p buffer of \p bufferSize bytes; false (and nothing
 * promised in \p buffer) when it does not fit or the encoding cannot hold it. */
Boolean CFStringGetCString(CFStringRef theString, char* buffer, CFIndex bufferSize, CFStringEncoding encoding);
/* The characters in place when they are already in \p encoding, else NULL (a caller
 * then uses CFStringGetCString, as with CF). Borrowed: valid while the string lives. */
const char* CFStringGetCStringPtr(CFStringRef theString, CFStringEncoding encoding);
/* The most bytes \p length UTF-16 units take in \p encoding, without the NUL. */
CFIndex CFStringGetMaximumSizeForEncoding(CFIndex length, CFStringEncoding encoding);
CFComparisonResult CFStringCompare(CFStringRef a, CFStringRef b, CFOptionFlags compareOptions);

/* A string constant: never released, the same object for the same text. */
CFStringRef __CFStringMakeConstantString(const char* cStr);
#define CFSTR(cStr) __CFStringMakeConstantString("" cStr "")

CF_EXTERN_C_END

#endif
