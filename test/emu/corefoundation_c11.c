/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu's CoreFoundation from strict C11, as IOKit's C users call it: build a matching
 * dictionary, read it back, release everything. Exits 0 when all of it holds. */
#include <CoreFoundation/CoreFoundation.h>
#include <CoreFoundation/CoreFoundation.h> /* twice, as headers are */

#include "machemu_cf_testing.h"

#include <stdio.h>
#include <string.h>

#define CHECK(c)                                          \
  do {                                                    \
    if (!(c)) {                                           \
      fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); \
      return 1;                                           \
    }                                                     \
  } while (0)

int main(void) {
  const CFIndex before = machemu_cf_live_objects();
  CFMutableDictionaryRef match =
      CFDictionaryCreateMutable(kCFAllocatorDefault, 0, &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
  SInt32 vendor = 0x1d6b;
  CFNumberRef n = CFNumberCreate(kCFAllocatorDefault, kCFNumberSInt32Type, &vendor);
  CFDictionarySetValue(match, CFSTR("idVendor"), n);
  CFRelease(n);
  CFDictionarySetValue(match, CFSTR("IOProviderClass"), CFSTR("IOUSBHostDevice"));

  CFTypeRef got = CFDictionaryGetValue(match, CFSTR("idVendor"));
  CHECK(got != NULL && CFGetTypeID(got) == CFNumberGetTypeID());
  SInt64 read = 0;
  CHECK(CFNumberGetValue((CFNumberRef)got, kCFNumberSInt64Type, &read) && read == 0x1d6b);
  char name[64];
  CHECK(CFStringGetCString((CFStringRef)CFDictionaryGetValue(match, CFSTR("IOProviderClass")), name, sizeof name,
                           kCFStringEncodingUTF8));
  CHECK(strcmp(name, "IOUSBHostDevice") == 0);
  CHECK(CFDictionaryGetCount(match) == 2);
  CFRelease(match);
  CHECK(machemu_cf_live_objects() == before);
  return 0;
}
