// SPDX-License-Identifier: BSL-1.0
// machd's USB source, the part that reads sysfs: which names are devices, what is read
// from a device directory, macOS's locationID, and the IOUSBHostDevice service described
// with the SDK's property keys. Against a fixture tree; no registry, no machd.
#include <IOKit/usb/USBSpec.h>

#include <boost/test/unit_test.hpp>

#include "machemu_cf_testing.h"
#include "usb/sysfs_device.hpp"
#include "usb_fixture.hpp"

using namespace machemu::iokit::usb;

namespace {

std::int64_t number(CFDictionaryRef d, const char* key) {
  CFStringRef k = CFStringCreateWithCString(nullptr, key, kCFStringEncodingUTF8);
  const void* v = CFDictionaryGetValue(d, k);
  CFRelease(k);
  std::int64_t n = -1;
  BOOST_REQUIRE(v != nullptr);
  BOOST_REQUIRE(CFNumberGetValue(static_cast<CFNumberRef>(v), kCFNumberSInt64Type, &n));
  return n;
}

std::string string(CFDictionaryRef d, const char* key) {
  CFStringRef k = CFStringCreateWithCString(nullptr, key, kCFStringEncodingUTF8);
  const void* v = CFDictionaryGetValue(d, k);
  CFRelease(k);
  if (v == nullptr) return "(none)";
  char buf[256];
  BOOST_REQUIRE(CFStringGetCString(static_cast<CFStringRef>(v), buf, sizeof buf, kCFStringEncodingUTF8));
  return buf;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(iokit_usb_sysfs)

BOOST_AUTO_TEST_CASE(device_names_are_bus_dash_ports) {
  for (const char* yes : {"1-1", "1-1.4", "3-2.1.7", "12-10"}) BOOST_TEST(is_device_name(yes), yes);
  for (const char* no : {"usb1", "1-1:1.0", "1-", "-1", "1-1.", "1-.1", "1-1..2", "a-1", "1-x", ""})
    BOOST_TEST(!is_device_name(no), no);
}

BOOST_AUTO_TEST_CASE(location_ids_are_the_bus_then_a_nibble_per_port) {
  BOOST_TEST(location_id(1, {1}) == 0x01100000u);
  BOOST_TEST(location_id(1, {1, 4}) == 0x01140000u);
  BOOST_TEST(location_id(0x14, {2, 3, 1}) == 0x14231000u);
  BOOST_TEST(location_id(2, {1, 2, 3, 4, 5, 6, 7}) == 0x02123456u);  // six ports at most
}

BOOST_AUTO_TEST_CASE(a_device_directory_is_read_and_described) {
  machio_test::usb_fixture fx;
  fx.make({"1-1.4", 0x046d, 0xc52b, 0x1211, 7, "USB Receiver", "Logitech", "ABC123"});
  const CFIndex cf = machemu_cf_live_objects();
  const auto d = read_sysfs_device(fx.device_dir("1-1.4"), "1-1.4");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->vendor == 0x046du);
  BOOST_TEST(d->product == 0xc52bu);
  BOOST_TEST(d->release == 0x1211u);
  BOOST_TEST(d->bus == 1u);
  BOOST_TEST(d->address == 7u);
  BOOST_TEST((d->ports == std::vector<std::uint8_t>{1, 4}));
  BOOST_TEST(d->parent_sysname == "1-1");

  const auto s = describe(*d, 0x1234, 0x100000100);
  BOOST_TEST((s.classes == std::vector<std::string>{"IOUSBHostDevice", "IOService", "IORegistryEntry"}));
  BOOST_TEST(s.name == "USB Receiver");
  BOOST_TEST(s.parent == 0x100000100u);
  BOOST_TEST(number(s.properties, kUSBVendorID) == 0x046d);
  BOOST_TEST(number(s.properties, kUSBProductID) == 0xc52b);
  BOOST_TEST(number(s.properties, kUSBDeviceReleaseNumber) == 0x1211);
  BOOST_TEST(number(s.properties, kUSBDevicePropertyLocationID) == 0x01140000);
  BOOST_TEST(number(s.properties, kUSBDevicePropertyAddress) == 7);
  BOOST_TEST(number(s.properties, kUSBSessionID) == 0x1234);
  BOOST_TEST(string(s.properties, kUSBProductString) == "USB Receiver");
  BOOST_TEST(string(s.properties, kUSBVendorString) == "Logitech");
  BOOST_TEST(string(s.properties, kUSBSerialNumberString) == "ABC123");
  CFRelease(s.properties);
  BOOST_TEST(machemu_cf_live_objects() == cf);
}

BOOST_AUTO_TEST_CASE(missing_strings_are_left_out_and_the_name_defaults) {
  machio_test::usb_fixture fx;
  fx.make({"2-1", 0x1234, 0x5678});
  const auto d = read_sysfs_device(fx.device_dir("2-1"), "2-1");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->parent_sysname.empty());  // on a root hub
  const auto s = describe(*d, 1, 0);
  BOOST_TEST(s.name == "IOUSBHostDevice");
  BOOST_TEST(string(s.properties, kUSBProductString) == "(none)");
  BOOST_TEST(string(s.properties, kUSBSerialNumberString) == "(none)");
  CFRelease(s.properties);
}

BOOST_AUTO_TEST_CASE(what_is_not_a_readable_device_is_refused) {
  machio_test::usb_fixture fx;
  fx.make({"1-2", 0x1, 0x2});
  BOOST_TEST(!read_sysfs_device(fx.device_dir("1-2"), "usb1"));   // not a device name
  BOOST_TEST(!read_sysfs_device(fx.device_dir("9-9"), "9-9"));    // no directory
  std::filesystem::remove(fx.device_dir("1-2") + "/idProduct");
  BOOST_TEST(!read_sysfs_device(fx.device_dir("1-2"), "1-2"));    // no ids
  std::ofstream(fx.device_dir("1-2") + "/idProduct") << "zz\n";
  BOOST_TEST(!read_sysfs_device(fx.device_dir("1-2"), "1-2"));    // not hex
}

BOOST_AUTO_TEST_SUITE_END()
