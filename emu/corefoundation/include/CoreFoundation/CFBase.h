/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu's CoreFoundation: the base types and the functions every CF object answers.
 * Names, types and values are the macOS SDK's. Ownership is CF's: what a function named
 * Create or Copy returns is the caller's (one reference, released with CFRelease); what a
 * Get function returns is borrowed. */
#ifndef MACHEMU_CF_BASE_H
#define MACHEMU_CF_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define CF_EXTERN_C_BEGIN extern "C" {
#define CF_EXTERN_C_END }
#else
#define CF_EXTERN_C_BEGIN
#define CF_EXTERN_C_END
#endif

CF_EXTERN_C_BEGIN

typedef unsigned char Boolean;
typedef uint8_t UInt8;
typedef int8_t SInt8;
typedef uint16_t UInt16;
typedef int16_t SInt16;
typedef uint32_t UInt32;
typedef int32_t SInt32;
typedef uint64_t UInt64;
typedef int64_t SInt64;
typedef float Float32;
typedef double Float64;

typedef signed long CFIndex;
typedef unsigned long CFTypeID;
typedef unsigned long CFOptionFlags;
typedef unsigned long CFHashCode;
typedef const void* CFTypeRef;

typedef struct {
  CFIndex location;
  CFIndex length;
} CFRange;

static inline CFRange CFRangeMake(CFIndex location, CFIndex length) {
  CFRange r = {location, length};
  return r;
}

enum { kCFNotFound = -1 };

typedef CFIndex CFComparisonResult;
enum { kCFCompareLessThan = -1, kCFCompareEqualTo = 0, kCFCompareGreaterThan = 1 };

/* One allocator: the default (NULL). Allocator arguments are accepted and ignored. */
typedef const struct __CFAllocator* CFAllocatorRef;
#define kCFAllocatorDefault ((CFAllocatorRef)NULL)

typedef const struct __CFString* CFStringRef;
typedef struct __CFString* CFMutableStringRef;

/* Adds a reference to \p cf and returns it. \p cf must not be NULL (CF crashes; so does
 * this, with a message). */
CFTypeRef CFRetain(CFTypeRef cf);
/* Drops a reference; the object goes with its last one. NULL: aborts, as CF crashes. */
void CFRelease(CFTypeRef cf);
/* The object's references (constants answer a very large count, as CF's do). */
CFIndex CFGetRetainCount(CFTypeRef cf);
/* The object's type: compare with CFStringGetTypeID() and the others. */
CFTypeID CFGetTypeID(CFTypeRef cf);
/* Same type and same value (strings by characters, numbers by value, containers by
 * their contents). */
Boolean CFEqual(CFTypeRef a, CFTypeRef b);
/* A hash that agrees with CFEqual. */
CFHashCode CFHash(CFTypeRef cf);

CF_EXTERN_C_END

#endif
