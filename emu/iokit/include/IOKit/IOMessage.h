/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu's IOKit: the messages a service sends its interest notifications (the SDK's
 * values). */
#ifndef MACHEMU_IOKIT_IOMESSAGE_H
#define MACHEMU_IOKIT_IOMESSAGE_H

#include <IOKit/IOReturn.h>
#include <stdint.h>

typedef uint32_t IOMessage;

#define iokit_common_msg(message) (uint32_t)(sys_iokit | sub_iokit_common | (message))
#define iokit_family_msg(sub, message) (uint32_t)(sys_iokit | (sub) | (message))
#define iokit_vendor_specific_msg(message) (uint32_t)(sys_iokit | sub_iokit_vendor_specific | (message))
#define sub_iokit_vendor_specific err_sub(-2)

#define kIOMessageServiceIsTerminated iokit_common_msg(0x010)
#define kIOMessageServiceIsSuspended iokit_common_msg(0x020)
#define kIOMessageServiceIsResumed iokit_common_msg(0x030)
#define kIOMessageServiceIsRequestingClose iokit_common_msg(0x100)
#define kIOMessageServiceIsAttemptingOpen iokit_common_msg(0x101)
#define kIOMessageServiceWasClosed iokit_common_msg(0x110)
#define kIOMessageServiceBusyStateChange iokit_common_msg(0x120)
#define kIOMessageServicePropertyChange iokit_common_msg(0x130)

#endif
