/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu test support: services published into IOKit's registry by hand, from any
 * process, with every notification that follows (what `machd iokit` does from a shell).
 * Not part of the Darwin API and not installed. */
#ifndef MACHEMU_IOKIT_TESTING_H
#define MACHEMU_IOKIT_TESTING_H

#include <IOKit/IOKitLib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Publishes a service of \p classes (the most derived first, NULL-terminated, e.g.
 * {"IOUSBHostDevice", "IOService", NULL}) named \p name, with a copy of \p properties
 * (borrowed; NULL: none), attached to service \p parent (0: the root). Its registry id
 * goes to \p entryID. kIOReturnBadArgument without a class, kIOReturnNoDevice for a
 * parent that is not live. */
kern_return_t machemu_iokit_publish(const char* const* classes, const char* name, CFDictionaryRef properties,
                                    uint64_t parent, uint64_t* entryID);
/* Terminates a service and its children (kIOMessageServiceIsTerminated to their interest
 * notifications, then the terminated notifications); kIOReturnNoDevice when not live. */
kern_return_t machemu_iokit_terminate(uint64_t entryID);
/* Sends \p type with \p argument to the service's interest notifications. */
kern_return_t machemu_iokit_message(uint64_t entryID, natural_t type, uint64_t argument);
/* The live services, one line each: "<id> <parent id> <class> <name>\n" (malloc'd, the
 * caller frees it), or NULL. */
char* machemu_iokit_list(void);

#ifdef __cplusplus
}
#endif

#endif
