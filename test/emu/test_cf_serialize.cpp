// SPDX-License-Identifier: BSL-1.0
// CF property values to bytes and back (emu/corefoundation/serialize.hpp), as machd will
// carry a service's properties: every type round-trips to an equal value with its number
// type kept, what cannot be carried is refused, and every truncation or corruption of a
// valid encoding gives null with no object left behind.
#include "serialize.hpp"

#include "machemu_cf_testing.h"

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <vector>

namespace cf = machemu::cf;

namespace {

struct cf_accounting {
  CFIndex before = machemu_cf_live_objects();
  ~cf_accounting() { BOOST_TEST(machemu_cf_live_objects() == before); }
};

// A USB device's properties, as the USB source will publish them, with one of each type.
CFDictionaryRef device_properties() {
  CFMutableDictionaryRef d =
      CFDictionaryCreateMutable(nullptr, 0, &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
  const SInt32 vendor = 0x1d6b;
  const SInt64 session = 0x123456789abcLL;
  const double power = 0.5;
  CFNumberRef n1 = CFNumberCreate(nullptr, kCFNumberSInt32Type, &vendor);
  CFNumberRef n2 = CFNumberCreate(nullptr, kCFNumberSInt64Type, &session);
  CFNumberRef n3 = CFNumberCreate(nullptr, kCFNumberDoubleType, &power);
  const UInt8 raw[] = {0, 1, 2, 255};
  CFDataRef data = CFDataCreate(nullptr, raw, 4);
  const void* list[] = {CFSTR("a"), kCFBooleanTrue};
  CFArrayRef array = CFArrayCreate(nullptr, list, 2, &kCFTypeArrayCallBacks);
  CFDictionarySetValue(d, CFSTR("idVendor"), n1);
  CFDictionarySetValue(d, CFSTR("sessionID"), n2);
  CFDictionarySetValue(d, CFSTR("power"), n3);
  CFDictionarySetValue(d, CFSTR("USB Product Name"), CFSTR("Linux Foundation 3.0 root hub \xe2\x9c\x93"));
  CFDictionarySetValue(d, CFSTR("raw"), data);
  CFDictionarySetValue(d, CFSTR("list"), array);
  CFDictionarySetValue(d, CFSTR("removable"), kCFBooleanFalse);
  for (CFTypeRef o : {CFTypeRef(n1), CFTypeRef(n2), CFTypeRef(n3), CFTypeRef(data), CFTypeRef(array)}) CFRelease(o);
  return d;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(emu_cf_serialize, cf_accounting)

BOOST_AUTO_TEST_CASE(every_type_round_trips_to_an_equal_value) {
  CFDictionaryRef d = device_properties();
  std::vector<std::byte> bytes;
  BOOST_REQUIRE(cf::serialize(d, bytes));
  std::size_t used = 0;
  CFTypeRef back = cf::deserialize(bytes, used);
  BOOST_REQUIRE(back != nullptr);
  BOOST_TEST(used == bytes.size());
  BOOST_TEST(CFEqual(back, d));
  // Number types are kept, not only values.
  auto* vendor = static_cast<CFNumberRef>(CFDictionaryGetValue(static_cast<CFDictionaryRef>(back), CFSTR("idVendor")));
  BOOST_TEST(CFNumberGetType(vendor) == kCFNumberSInt32Type);
  BOOST_TEST(cf::holds_cf_objects(back));
  CFRelease(back);
  CFRelease(d);
}

BOOST_AUTO_TEST_CASE(what_cannot_be_carried_is_refused_and_out_is_left_as_it_was) {
  std::vector<std::byte> bytes{std::byte{7}};
  int a = 1;
  const void* plain[] = {&a};
  CFArrayRef pointers = CFArrayCreate(nullptr, plain, 1, nullptr);
  BOOST_TEST(!cf::serialize(pointers, bytes));
  BOOST_TEST(bytes.size() == 1u);
  CFRelease(pointers);
  // Nested past max_depth.
  CFTypeRef v = CFSTR("leaf");
  CFRetain(v);
  for (std::size_t i = 0; i < cf::max_depth + 1; ++i) {
    const void* one[] = {v};
    CFTypeRef outer = CFArrayCreate(nullptr, one, 1, &kCFTypeArrayCallBacks);
    CFRelease(v);
    v = outer;
  }
  BOOST_TEST(!cf::serialize(v, bytes));
  BOOST_TEST(bytes.size() == 1u);
  CFRelease(v);
}

BOOST_AUTO_TEST_CASE(every_truncation_and_every_flipped_byte_is_safe) {
  CFDictionaryRef d = device_properties();
  std::vector<std::byte> bytes;
  BOOST_REQUIRE(cf::serialize(d, bytes));
  CFRelease(d);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::size_t used = 1;
    BOOST_TEST_CONTEXT("truncated to " << n) {
      BOOST_TEST(cf::deserialize(std::span<const std::byte>(bytes).first(n), used) == nullptr);
      BOOST_TEST(used == 0u);
    }
  }
  // A flipped byte gives null or some valid value, never more than the input, and no
  // object outlives the value returned.
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::vector<std::byte> bad = bytes;
    bad[i] ^= std::byte{0x5a};
    std::size_t used = 0;
    if (CFTypeRef v = cf::deserialize(bad, used)) {
      BOOST_TEST(used <= bad.size());
      CFRelease(v);
    }
  }
  // A count that promises far more than the bytes hold.
  const std::vector<std::byte> liar{std::byte{'a'}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff}, std::byte{0x7f}};
  std::size_t used = 0;
  BOOST_TEST(cf::deserialize(liar, used) == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
