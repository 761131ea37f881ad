// SPDX-License-Identifier: BSL-1.0
// A USB device as Linux's sysfs describes it (/sys/bus/usb/devices/<bus>-<ports>), and the
// IOUSBHostDevice service mach-emu's registry publishes for it, with the property keys of
// the macOS SDK (IOKit/usb/USBSpec.h). Reading only: no registry, no events here.
#ifndef MACHEMU_IOKIT_USB_SYSFS_DEVICE_HPP
#define MACHEMU_IOKIT_USB_SYSFS_DEVICE_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "registry.hpp"

namespace machemu::iokit::usb {

struct sysfs_device {
  std::string sysname;          // "1-1.4"
  std::string parent_sysname;   // "1-1", or empty when attached to a root hub
  std::uint32_t vendor = 0;     // idVendor
  std::uint32_t product = 0;    // idProduct
  std::uint32_t release = 0;    // bcdDevice
  std::uint32_t bus = 0;        // busnum
  std::uint32_t address = 0;    // devnum
  std::vector<std::uint8_t> ports;  // the hub ports from the root hub down: "1.4" → {1, 4}
  std::optional<std::string> vendor_name, product_name, serial;
};

//! Whether \p name is a device's sysfs name ("<bus>-<port>[.<port>...]"); root hubs
//! ("usb1") and interfaces ("1-1:1.0") are not.
bool is_device_name(const std::string& name);

//! Reads the device at \p directory (a sysfs device directory) called \p sysname; nullopt
//! when it is not a USB device with readable ids.
std::optional<sysfs_device> read_sysfs_device(const std::string& directory, const std::string& sysname);

//! macOS's locationID: the bus in the top byte, then one nibble per hub port from the root
//! down (bus 1, ports 1.4 → 0x01140000). Deeper than six ports keeps the first six.
std::uint32_t location_id(std::uint32_t bus, const std::vector<std::uint8_t>& ports);

//! The IOUSBHostDevice service for \p d: named after its product string (or
//! "IOUSBHostDevice"), properties idVendor, idProduct, bcdDevice, locationID, "USB
//! Address", sessionID (\p session) and the strings it has. \p parent is the registry id of
//! its hub's service (0: the root). The properties are the caller's reference.
service_description describe(const sysfs_device& d, std::uint64_t session, entry_id parent);

}  // namespace machemu::iokit::usb

#endif  // MACHEMU_IOKIT_USB_SYSFS_DEVICE_HPP
