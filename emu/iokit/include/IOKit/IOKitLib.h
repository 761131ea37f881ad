/* mach-emu's IOKit user library (IOKitLib). Being built for issue 16: so far the message
 * dispatcher; the registry calls (IOServiceAddMatchingNotification, IOIteratorNext, ...)
 * come with machd's registry. */
#ifndef MACHEMU_IOKIT_IOKITLIB_H
#define MACHEMU_IOKIT_IOKITLIB_H

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

/* Decodes a notification message received on a notification port and calls the callback
 * it names, as IOKitUser does: nothing for another msgh_id; no call when the iterator's
 * owner has released it (the message's right is its last); then it releases the rights
 * the message carried (the iterator's and the service's). \p reference is unused. */
void IODispatchCalloutFromMessage(void* unused, mach_msg_header_t* msg, void* reference);

#ifdef __cplusplus
}
#endif

#endif
