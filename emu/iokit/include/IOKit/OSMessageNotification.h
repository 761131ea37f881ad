/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu's IOKit: the notification messages IOKit's kernel sends, as xnu's
 * iokit/IOKit/OSMessageNotification.h lays them out for 64-bit tasks:
 *
 *   matching ("ping"):  mach_msg_header_t (remote: the notification's iterator, with a
 *                       send right the message carries), OSNotificationHeader64 (size 0,
 *                       the kIOService*NotificationType, the caller's reference words)
 *   interest:           complex: header, body, one port descriptor (the service),
 *                       OSNotificationHeader64, IOServiceInterestContent64
 *
 * msgh_id is kOSNotificationMessageID for both. The whole OSAsyncReference64 travels, the
 * words the caller did not give zeroed (xnu pads the reference to io_async_ref64_t): a
 * ping is 96 bytes, an interest message with a one-word argument 124. */
#ifndef MACHEMU_IOKIT_OSMESSAGENOTIFICATION_H
#define MACHEMU_IOKIT_OSMESSAGENOTIFICATION_H

#include <IOKit/IOTypes.h>
#include <mach/message.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  kFirstIOKitNotificationType = 100,
  kIOServicePublishNotificationType = 100,
  kIOServiceMatchedNotificationType = 101,
  kIOServiceTerminatedNotificationType = 102,
  kIOAsyncCompletionNotificationType = 150,
  kIOServiceMessageNotificationType = 160,
  kLastIOKitNotificationType = 199,
  /* The type word's low bits are the type; bits 30-31 say how many bytes at the end of
   * the message are padding. */
  kIOKitNoticationTypeMask = 0x00000FFF,
  kIOKitNoticationTypeSizeAdjShift = 30,
  kIOKitNoticationMsgSizeMask = 3
};

enum { kOSNotificationMessageID = 53, kOSAsyncCompleteMessageID = 57, kMaxAsyncArgs = 16 };

/* Where the callback and its refcon sit in the reference words. */
enum {
  kIOAsyncReservedIndex = 0,
  kIOAsyncReservedCount,
  kIOAsyncCalloutFuncIndex = kIOAsyncReservedCount,
  kIOAsyncCalloutRefconIndex,
  kIOAsyncCalloutCount,
  kIOMatchingCalloutFuncIndex = kIOAsyncReservedCount,
  kIOMatchingCalloutRefconIndex,
  kIOMatchingCalloutCount,
  kIOInterestCalloutFuncIndex = kIOAsyncReservedCount,
  kIOInterestCalloutRefconIndex,
  kIOInterestCalloutServiceIndex,
  kIOInterestCalloutCount
};

enum { kOSAsyncRef64Count = 8, kOSAsyncRef64Size = kOSAsyncRef64Count * (int)sizeof(io_user_reference_t) };
typedef io_user_reference_t OSAsyncReference64[kOSAsyncRef64Count];

struct OSNotificationHeader64 {
  mach_msg_size_t size; /* the content's size */
  natural_t type;
  OSAsyncReference64 reference;
#ifndef __cplusplus
  unsigned char content[]; /* (C++ has no flexible array members; the content follows) */
#endif
};

#pragma pack(push, 4)
struct IOServiceInterestContent64 {
  natural_t messageType;
  io_user_reference_t messageArgument[1];
};
#pragma pack(pop)

struct IOAsyncCompletionContent {
  IOReturn result;
#ifndef __cplusplus
  void* args[] __attribute__((packed)); /* (in C++: the arguments follow) */
#endif
};

#ifndef __cplusplus
typedef struct OSNotificationHeader64 OSNotificationHeader64;
typedef struct IOServiceInterestContent64 IOServiceInterestContent64;
typedef struct IOAsyncCompletionContent IOAsyncCompletionContent;
#endif

#ifdef __cplusplus
}
#endif

#endif
