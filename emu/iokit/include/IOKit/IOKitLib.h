/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu's IOKit user library (IOKitLib): the registry, iterator and notification calls
 * of the macOS SDK, with its names, types and reference rules. Every io_object_t is a
 * send right, one reference is one user reference of it; IOObjectRelease deallocates it.
 * The registry itself lives where the kernel core does (machd, or this process in the
 * in-process mode): see doc/mach-emu.md and doc/emu-divergences.md. */
#ifndef MACHEMU_IOKIT_IOKITLIB_H
#define MACHEMU_IOKIT_IOKITLIB_H

#include <CoreFoundation/CoreFoundation.h>
#include <IOKit/IOKitKeys.h>
#include <IOKit/IOMessage.h>
#include <IOKit/IOReturn.h>
#include <IOKit/IOTypes.h>
#include <IOKit/OSMessageNotification.h>
#include <mach/message.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Called for a matching notification with the iterator to drain (IOIteratorNext until
 * it answers IO_OBJECT_NULL, which re-arms it). */
typedef void (*IOServiceMatchingCallback)(void* refcon, io_iterator_t iterator);
/* Called for each message of an interest notification: the service (borrowed, valid
 * during the call), the message type, and its argument. */
typedef void (*IOServiceInterestCallback)(void* refcon, io_service_t service, natural_t messageType,
                                          void* messageArgument);
typedef void (*IOAsyncCallback0)(void* refcon, IOReturn result);
typedef void (*IOAsyncCallback1)(void* refcon, IOReturn result, void* arg0);
typedef void (*IOAsyncCallback2)(void* refcon, IOReturn result, void* arg0, void* arg1);
typedef void (*IOAsyncCallback)(void* refcon, IOReturn result, void** args, uint32_t numArgs);

/* The main port by default (MACH_PORT_NULL: every call then fetches the main port itself
 * and lets it go). */
extern const mach_port_t kIOMainPortDefault;
extern const mach_port_t kIOMasterPortDefault;

/* A send right to IOKit's main port (one more reference; IOObjectRelease it). */
kern_return_t IOMainPort(mach_port_t bootstrapPort, mach_port_t* mainPort);
kern_return_t IOMasterPort(mach_port_t bootstrapPort, mach_port_t* mainPort);

typedef struct IONotificationPort* IONotificationPortRef;

/* A notification port: a receive right of its own, and a reference of the main port. */
IONotificationPortRef IONotificationPortCreate(mach_port_t mainPort);
/* Destroys its receive right (queued notifications go with it) and its main port
 * reference. Notifications registered on it stay until released, and send nothing. */
void IONotificationPortDestroy(IONotificationPortRef notify);
/* The receive right notifications arrive on (borrowed; watch it, do not destroy it). */
mach_port_t IONotificationPortGetMachPort(IONotificationPortRef notify);

kern_return_t IOObjectRelease(io_object_t object);
kern_return_t IOObjectRetain(io_object_t object);
/* The object's class: a service's most derived class; IOUserIterator for an iterator;
 * IOServiceUserNotification / IOServiceMessageUserNotification for a notification. */
kern_return_t IOObjectGetClass(io_object_t object, io_name_t className);
boolean_t IOObjectConformsTo(io_object_t object, const io_name_t className);
/* The same object: one task names one object with one name. */
boolean_t IOObjectIsEqualTo(io_object_t object, io_object_t anObject);

/* The next object (a new reference), or IO_OBJECT_NULL; for a matching notification an
 * empty answer re-arms it. */
io_object_t IOIteratorNext(io_iterator_t iterator);
void IOIteratorReset(io_iterator_t iterator);
boolean_t IOIteratorIsValid(io_iterator_t iterator);

/* Each consumes one reference of \p matching, even when it fails. */
io_service_t IOServiceGetMatchingService(mach_port_t mainPort, CFDictionaryRef matching);
kern_return_t IOServiceGetMatchingServices(mach_port_t mainPort, CFDictionaryRef matching,
                                           io_iterator_t* existing);
/* kIOPublishNotification, kIOFirstPublishNotification, kIOMatchedNotification,
 * kIOFirstMatchNotification or kIOTerminatedNotification. The notification starts
 * unarmed: drain it with IOIteratorNext (the services that already match, for all but
 * terminated) and its callback runs when its set next goes from empty to not. */
kern_return_t IOServiceAddMatchingNotification(IONotificationPortRef notifyPort, const io_name_t notificationType,
                                               CFDictionaryRef matching, IOServiceMatchingCallback callback,
                                               void* refCon, io_iterator_t* notification);
/* Every message \p service sends (kIOGeneralInterest), kIOMessageServiceIsTerminated
 * included, calls \p callback. */
kern_return_t IOServiceAddInterestNotification(IONotificationPortRef notifyPort, io_service_t service,
                                               const io_name_t interestType, IOServiceInterestCallback callback,
                                               void* refCon, io_object_t* notification);

/* Matching dictionaries (new, mutable, the caller's reference); NULL for a NULL name. */
CFMutableDictionaryRef IOServiceMatching(const char* name);
CFMutableDictionaryRef IOServiceNameMatching(const char* name);
CFMutableDictionaryRef IORegistryEntryIDMatching(uint64_t entryID);

kern_return_t IORegistryEntryGetName(io_registry_entry_t entry, io_name_t name);
kern_return_t IORegistryEntryGetRegistryEntryID(io_registry_entry_t entry, uint64_t* entryID);
/* A copy of the property (the caller's reference), or NULL. */
CFTypeRef IORegistryEntryCreateCFProperty(io_registry_entry_t entry, CFStringRef key, CFAllocatorRef allocator,
                                          IOOptionBits options);
kern_return_t IORegistryEntryCreateCFProperties(io_registry_entry_t entry, CFMutableDictionaryRef* properties,
                                                CFAllocatorRef allocator, IOOptionBits options);
/* The provider in \p plane (kIOServicePlane); kIOReturnNoDevice for a service attached to
 * the root. */
kern_return_t IORegistryEntryGetParentEntry(io_registry_entry_t entry, const io_name_t plane,
                                            io_registry_entry_t* parent);

/* Decodes a notification message received on a notification port and calls the callback
 * it names, as IOKitUser does: nothing for another msgh_id; no call when the iterator's
 * owner has released it (the message's right is its last); then it releases the rights
 * the message carried (the iterator's and the service's). \p reference is unused. */
void IODispatchCalloutFromMessage(void* unused, mach_msg_header_t* msg, void* reference);

#ifdef __cplusplus
}
#endif

#endif
