// SPDX-License-Identifier: BSL-1.0
// Linux sysfs USB devices as IOUSBHostDevice services (sysfs_device.hpp).
#include "usb/sysfs_device.hpp"

#include <IOKit/usb/USBSpec.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace machemu::iokit::usb {
namespace {

// The first line of \p directory/\p file, without its newline; nullopt when unreadable.
std::optional<std::string> read_line(const std::string& directory, const char* file) {
  std::ifstream in(directory + "/" + file);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

std::optional<std::uint32_t> read_number(const std::string& directory, const char* file, int base) {
  const auto line = read_line(directory, file);
  if (!line || line->empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const unsigned long v = std::strtoul(line->c_str(), &end, base);
  if (errno != 0 || *end != '\0' || v > 0xffffffffu) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

void set_number(CFMutableDictionaryRef d, const char* key, std::int64_t value) {
  CFStringRef k = CFStringCreateWithCString(nullptr, key, kCFStringEncodingUTF8);
  CFNumberRef v = CFNumberCreate(nullptr, kCFNumberSInt64Type, &value);
  if (k && v) CFDictionarySetValue(d, k, v);
  if (k) CFRelease(k);
  if (v) CFRelease(v);
}

void set_string(CFMutableDictionaryRef d, const char* key, const std::optional<std::string>& value) {
  if (!value) return;
  CFStringRef k = CFStringCreateWithCString(nullptr, key, kCFStringEncodingUTF8);
  CFStringRef v = CFStringCreateWithCString(nullptr, value->c_str(), kCFStringEncodingUTF8);
  if (k && v) CFDictionarySetValue(d, k, v);
  if (k) CFRelease(k);
  if (v) CFRelease(v);
}

}  // namespace

bool is_device_name(const std::string& name) {
  const auto dash = name.find('-');
  if (dash == 0 || dash == std::string::npos || dash + 1 == name.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (i == dash) continue;
    const char c = name[i];
    const bool digit = c >= '0' && c <= '9';
    if (i < dash ? !digit : !(digit || (c == '.' && name[i - 1] != '.' && name[i - 1] != '-'))) return false;
  }
  return name.back() != '.';
}

std::optional<sysfs_device> read_sysfs_device(const std::string& directory, const std::string& sysname) {
  if (!is_device_name(sysname)) return std::nullopt;
  sysfs_device d;
  d.sysname = sysname;
  const auto vendor = read_number(directory, "idVendor", 16);
  const auto product = read_number(directory, "idProduct", 16);
  if (!vendor || !product) return std::nullopt;
  d.vendor = *vendor;
  d.product = *product;
  d.release = read_number(directory, "bcdDevice", 16).value_or(0);
  d.address = read_number(directory, "devnum", 10).value_or(0);
  const auto dash = sysname.find('-');
  d.bus = read_number(directory, "busnum", 10).value_or(static_cast<std::uint32_t>(std::strtoul(sysname.c_str(), nullptr, 10)));
  std::istringstream path(sysname.substr(dash + 1));
  for (std::string port; std::getline(path, port, '.');) d.ports.push_back(static_cast<std::uint8_t>(std::strtoul(port.c_str(), nullptr, 10)));
  if (const auto dot = sysname.rfind('.'); dot != std::string::npos) d.parent_sysname = sysname.substr(0, dot);
  d.vendor_name = read_line(directory, "manufacturer");
  d.product_name = read_line(directory, "product");
  d.serial = read_line(directory, "serial");
  return d;
}

std::uint32_t location_id(std::uint32_t bus, const std::vector<std::uint8_t>& ports) {
  std::uint32_t id = (bus & 0xffu) << 24;
  for (std::size_t i = 0; i < ports.size() && i < 6; ++i) id |= static_cast<std::uint32_t>(ports[i] & 0xfu) << (20 - 4 * i);
  return id;
}

service_description describe(const sysfs_device& d, std::uint64_t session, entry_id parent) {
  service_description s;
  s.classes = {kIOUSBHostDeviceClassName, "IOService", "IORegistryEntry"};
  s.name = d.product_name.value_or(kIOUSBHostDeviceClassName);
  s.parent = parent;
  CFMutableDictionaryRef props =
      CFDictionaryCreateMutable(nullptr, 0, &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
  set_number(props, kUSBVendorID, d.vendor);
  set_number(props, kUSBProductID, d.product);
  set_number(props, kUSBDeviceReleaseNumber, d.release);
  set_number(props, kUSBDevicePropertyLocationID, location_id(d.bus, d.ports));
  set_number(props, kUSBDevicePropertyAddress, d.address);
  set_number(props, kUSBSessionID, static_cast<std::int64_t>(session));
  set_string(props, kUSBVendorString, d.vendor_name);
  set_string(props, kUSBProductString, d.product_name);
  set_string(props, kUSBSerialNumberString, d.serial);
  s.properties = props;
  return s;
}

}  // namespace machemu::iokit::usb
