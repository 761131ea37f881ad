/* SPDX-License-Identifier: BSL-1.0 */
/* machio/detail/iokit_sdk_gaps.h — the IOKit and CoreFoundation declarations machio's
 * IOKit layer uses, for SDKs that lack the frameworks.
 *
 * A Mac's SDK has <IOKit/IOKitLib.h> (which brings CoreFoundation), and so has mach-emu
 * on Linux (emu/iokit, emu/corefoundation); then this file only includes it. The SDK bundled with the zig cross-compiler has no frameworks at all; then
 * this file declares the few types, constants and functions machio uses, with the SDK's
 * names, signatures and values, so that the cross build compiles and links (against the
 * text stubs in cmake/darwin-stubs) exactly as it would against the real frameworks. Same
 * idea as darwin_sdk_gaps.h. */
#ifndef MACHIO_DETAIL_IOKIT_SDK_GAPS_H
#define MACHIO_DETAIL_IOKIT_SDK_GAPS_H

#include <mach/mach.h>

#if __has_include(<IOKit/IOKitLib.h>)
#include <CoreFoundation/CoreFoundation.h>
#include <IOKit/IOKitLib.h>
#include <IOKit/IOMessage.h>
#include <IOKit/OSMessageNotification.h>
#else

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CoreFoundation: the opaque references and scalars used below. */
typedef unsigned char Boolean;
typedef signed long CFIndex;
typedef unsigned long CFTypeID;
typedef uint32_t CFStringEncoding;
typedef CFIndex CFNumberType;
typedef const void *CFTypeRef;
typedef const struct __CFAllocator *CFAllocatorRef;
typedef const struct __CFString *CFStringRef;
typedef const struct __CFNumber *CFNumberRef;
typedef const struct __CFDictionary *CFDictionaryRef;
typedef struct __CFDictionary *CFMutableDictionaryRef;

#define kCFStringEncodingUTF8 ((CFStringEncoding)0x08000100)
#define kCFNumberSInt32Type ((CFNumberType)3)
#define kCFNumberSInt64Type ((CFNumberType)4)

void CFRelease(CFTypeRef cf);
CFTypeID CFGetTypeID(CFTypeRef cf);
CFTypeID CFNumberGetTypeID(void);
Boolean CFNumberGetValue(CFNumberRef number, CFNumberType theType, void *valuePtr);
CFStringRef CFStringCreateWithCString(CFAllocatorRef alloc, const char *cStr, CFStringEncoding encoding);

/* IOKit: every io_*_t is a send right to a kernel object, counted by IOObjectRetain and
 * IOObjectRelease. */
typedef mach_port_t io_object_t;
typedef io_object_t io_iterator_t;
typedef io_object_t io_registry_entry_t;
typedef io_object_t io_service_t;
typedef char io_name_t[128];
typedef uint32_t IOOptionBits;
typedef kern_return_t IOReturn;
typedef struct IONotificationPort *IONotificationPortRef;

typedef void (*IOServiceMatchingCallback)(void *refcon, io_iterator_t iterator);
typedef void (*IOServiceInterestCallback)(void *refcon, io_service_t service, uint32_t messageType,
                                          void *messageArgument);

#define kIOReturnSuccess KERN_SUCCESS

#define kIOPublishNotification "IOServicePublish"
#define kIOFirstPublishNotification "IOServiceFirstPublish"
#define kIOMatchedNotification "IOServiceMatched"
#define kIOFirstMatchNotification "IOServiceFirstMatch"
#define kIOTerminatedNotification "IOServiceTerminate"
#define kIOGeneralInterest "IOGeneralInterest"
#define kIOBusyInterest "IOBusyInterest"

/* The msgh_id of every message the kernel sends to a notification port. */
#define kOSNotificationMessageID 53
/* Interest message types (IOMessage.h): sys_iokit | sub_iokit_common | code. */
#define kIOMessageServiceIsTerminated ((uint32_t)0xE0000010)
#define kIOMessageServiceIsSuspended ((uint32_t)0xE0000020)
#define kIOMessageServiceIsResumed ((uint32_t)0xE0000030)

/* mainPort MACH_PORT_NULL means the default main port. */
IONotificationPortRef IONotificationPortCreate(mach_port_t mainPort);
void IONotificationPortDestroy(IONotificationPortRef notify);
mach_port_t IONotificationPortGetMachPort(IONotificationPortRef notify);
void IODispatchCalloutFromMessage(void *unused, mach_msg_header_t *msg, void *reference);

CFMutableDictionaryRef IOServiceMatching(const char *name);
kern_return_t IOServiceAddMatchingNotification(IONotificationPortRef notifyPort, const io_name_t notificationType,
                                               CFDictionaryRef matching, IOServiceMatchingCallback callback,
                                               void *refCon, io_iterator_t *notification);
kern_return_t IOServiceAddInterestNotification(IONotificationPortRef notifyPort, io_service_t service,
                                               const io_name_t interestType, IOServiceInterestCallback callback,
                                               void *refCon, io_object_t *notification);
io_object_t IOIteratorNext(io_iterator_t iterator);
kern_return_t IOObjectRetain(io_object_t object);
kern_return_t IOObjectRelease(io_object_t object);
kern_return_t IORegistryEntryGetName(io_registry_entry_t entry, io_name_t name);
kern_return_t IORegistryEntryGetRegistryEntryID(io_registry_entry_t entry, uint64_t *entryID);
CFTypeRef IORegistryEntryCreateCFProperty(io_registry_entry_t entry, CFStringRef key, CFAllocatorRef allocator,
                                          IOOptionBits options);

#ifdef __cplusplus
}
#endif

#endif /* __has_include(<IOKit/IOKitLib.h>) */

#endif /* MACHIO_DETAIL_IOKIT_SDK_GAPS_H */
