/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu's IOKit: the USB class and property names of the SDK's IOKit/usb headers, as
 * the registry's USB devices carry them. */
#ifndef MACHEMU_IOKIT_USB_USBSPEC_H
#define MACHEMU_IOKIT_USB_USBSPEC_H

#define kIOUSBHostDeviceClassName "IOUSBHostDevice"
#define kIOUSBDeviceClassName "IOUSBDevice"

#define kUSBVendorID "idVendor"
#define kUSBProductID "idProduct"
#define kUSBDeviceReleaseNumber "bcdDevice"
#define kUSBDevicePropertyLocationID "locationID"
#define kUSBDevicePropertyAddress "USB Address"
#define kUSBProductString "USB Product Name"
#define kUSBVendorString "USB Vendor Name"
#define kUSBSerialNumberString "USB Serial Number"
#define kUSBDevicePropertySpeed "Device Speed"
#define kUSBSessionID "sessionID"
#define kUSBDeviceClass "bDeviceClass"

#endif
