/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu's IOKit headers from strict C11, included twice as headers are, with the SDK's
 * layouts and values (xnu's OSMessageNotification.h, IOReturn.h, IOMessage.h). */
#include <IOKit/IOKitLib.h>
#include <IOKit/IOKitLib.h>

#include <stddef.h>

_Static_assert(sizeof(struct OSNotificationHeader64) == 72, "size, type and eight reference words");
_Static_assert(offsetof(struct OSNotificationHeader64, reference) == 8, "reference after size and type");
_Static_assert(sizeof(struct IOServiceInterestContent64) == 12, "packed to 4");
_Static_assert(kOSNotificationMessageID == 53, "msgh_id of every notification");
_Static_assert(kIOServiceMessageNotificationType == 160, "interest messages");

int main(void) {
  return kIOReturnNotFound == (IOReturn)0xe00002f0 && kIOReturnSuccess == 0 &&
                 kIOMessageServiceIsTerminated == 0xe0000010u && kIOMatchingCalloutRefconIndex == 2 &&
                 kIOInterestCalloutServiceIndex == 3
             ? 0
             : 1;
}
