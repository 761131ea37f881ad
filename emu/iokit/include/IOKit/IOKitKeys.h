/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu's IOKit: the registry keys and notification names of the SDK's IOKitKeys.h
 * that IOKitLib's callers use. */
#ifndef MACHEMU_IOKIT_IOKITKEYS_H
#define MACHEMU_IOKIT_IOKITKEYS_H

#define kIOServicePlane "IOService"

#define kIOProviderClassKey "IOProviderClass"
#define kIONameMatchKey "IONameMatch"
#define kIOPropertyMatchKey "IOPropertyMatch"
#define kIORegistryEntryIDKey "IORegistryEntryID"

#define kIOPublishNotification "IOServicePublish"
#define kIOFirstPublishNotification "IOServiceFirstPublish"
#define kIOMatchedNotification "IOServiceMatched"
#define kIOFirstMatchNotification "IOServiceFirstMatch"
#define kIOTerminatedNotification "IOServiceTerminate"

#define kIOGeneralInterest "IOGeneralInterest"
#define kIOBusyInterest "IOBusyInterest"
#define kIOAppPowerStateInterest "IOAppPowerStateInterest"
#define kIOPriorityPowerStateInterest "IOPriorityPowerStateInterest"

#endif
