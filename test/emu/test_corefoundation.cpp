// SPDX-License-Identifier: BSL-1.0
// mach-emu's CoreFoundation: CF's ownership rule (Create/Copy give a reference, Get
// borrows), value equality and hashing, the callbacks containers use, and no object left
// behind: every case checks the live count returns to where it started.
#include <CoreFoundation/CoreFoundation.h>

#include "machemu_cf_testing.h"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

// Every case ends with as many CF objects as it began with.
struct cf_accounting {
  CFIndex before = machemu_cf_live_objects();
  ~cf_accounting() { BOOST_TEST(machemu_cf_live_objects() == before); }
};

std::string text_of(CFStringRef s) {
  char buffer[256];
  BOOST_REQUIRE(CFStringGetCString(s, buffer, sizeof buffer, kCFStringEncodingUTF8));
  return buffer;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(emu_corefoundation, cf_accounting)

BOOST_AUTO_TEST_CASE(a_created_object_has_one_reference_and_goes_with_the_last) {
  CFStringRef s = CFStringCreateWithCString(kCFAllocatorDefault, "IOUSBHostDevice", kCFStringEncodingUTF8);
  BOOST_REQUIRE(s != nullptr);
  BOOST_TEST(machemu_cf_live_objects() == before + 1);
  BOOST_TEST(CFGetRetainCount(s) == 1);
  BOOST_TEST(CFRetain(s) == s);
  BOOST_TEST(CFGetRetainCount(s) == 2);
  CFRelease(s);
  BOOST_TEST(machemu_cf_live_objects() == before + 1);
  CFRelease(s);
  BOOST_TEST(machemu_cf_live_objects() == before);
}

BOOST_AUTO_TEST_CASE(strings_keep_their_text_and_count_utf16_units) {
  CFStringRef s = CFStringCreateWithCString(nullptr, "USB \xc3\xa9t\xc3\xa9 \xf0\x9f\x94\x8c", kCFStringEncodingUTF8);
  BOOST_REQUIRE(s != nullptr);
  BOOST_TEST(CFGetTypeID(s) == CFStringGetTypeID());
  BOOST_TEST(CFStringGetLength(s) == 10);  // U+1F50C is two UTF-16 units
  BOOST_TEST(text_of(s) == "USB \xc3\xa9t\xc3\xa9 \xf0\x9f\x94\x8c");
  BOOST_TEST(CFStringGetCStringPtr(s, kCFStringEncodingUTF8) != nullptr);
  BOOST_TEST(CFStringGetCStringPtr(s, kCFStringEncodingASCII) == nullptr);  // not ASCII text
  char ascii[64];
  BOOST_TEST(!CFStringGetCString(s, ascii, sizeof ascii, kCFStringEncodingASCII));
  char small[4];
  BOOST_TEST(!CFStringGetCString(s, small, sizeof small, kCFStringEncodingUTF8));  // no room
  BOOST_TEST(CFStringGetMaximumSizeForEncoding(CFStringGetLength(s), kCFStringEncodingUTF8) >= 15);
  CFRelease(s);
  // Bytes that are not UTF-8 make no string.
  BOOST_TEST(CFStringCreateWithCString(nullptr, "\xc3(", kCFStringEncodingUTF8) == nullptr);
  BOOST_TEST(CFStringCreateWithCString(nullptr, "\xed\xa0\x80", kCFStringEncodingUTF8) == nullptr);  // a surrogate
  BOOST_TEST(CFStringCreateWithCString(nullptr, "caf\xc3\xa9", kCFStringEncodingASCII) == nullptr);
}

BOOST_AUTO_TEST_CASE(cfstr_is_one_constant_per_text_that_release_never_frees) {
  CFStringRef a = CFSTR("idVendor");
  BOOST_TEST(a == CFSTR("idVendor"));
  BOOST_TEST(CFSTR("idProduct") != a);
  CFRelease(CFRetain(a));
  BOOST_TEST(CFGetRetainCount(a) > 1000000);
  CFStringRef made = CFStringCreateWithCString(nullptr, "idVendor", kCFStringEncodingUTF8);
  BOOST_TEST(CFEqual(made, a));
  BOOST_TEST(CFHash(made) == CFHash(a));
  BOOST_TEST(CFStringCompare(made, CFSTR("idProduct"), 0) == kCFCompareGreaterThan);
  CFRelease(made);
}

BOOST_AUTO_TEST_CASE(numbers_convert_and_say_when_a_conversion_loses) {
  const SInt32 vendor = 0x05ac;
  CFNumberRef n = CFNumberCreate(nullptr, kCFNumberSInt32Type, &vendor);
  BOOST_TEST(CFGetTypeID(n) == CFNumberGetTypeID());
  BOOST_TEST(CFNumberGetType(n) == kCFNumberSInt32Type);
  SInt64 wide = 0;
  BOOST_TEST(CFNumberGetValue(n, kCFNumberSInt64Type, &wide));
  BOOST_TEST(wide == 0x05ac);
  SInt8 narrow = 0;
  BOOST_TEST(!CFNumberGetValue(n, kCFNumberSInt8Type, &narrow));  // 1452 does not fit
  double d = 0;
  BOOST_TEST(CFNumberGetValue(n, kCFNumberDoubleType, &d));
  BOOST_TEST(d == 1452.0);

  const double half = 2.5;
  CFNumberRef f = CFNumberCreate(nullptr, kCFNumberFloat64Type, &half);
  BOOST_TEST(CFNumberIsFloatType(f));
  int i = 0;
  BOOST_TEST(!CFNumberGetValue(f, kCFNumberIntType, &i));
  BOOST_TEST(i == 2);  // truncated, and said so

  const SInt64 same = 1452;
  CFNumberRef m = CFNumberCreate(nullptr, kCFNumberSInt64Type, &same);
  BOOST_TEST(CFEqual(n, m));  // by value, whatever the types
  BOOST_TEST(CFHash(n) == CFHash(m));
  BOOST_TEST(!CFEqual(n, f));
  BOOST_TEST(CFNumberCreate(nullptr, 99, &same) == nullptr);  // no such type
  CFRelease(n);
  CFRelease(f);
  CFRelease(m);
}

BOOST_AUTO_TEST_CASE(booleans_and_data) {
  BOOST_TEST(CFBooleanGetValue(kCFBooleanTrue));
  BOOST_TEST(!CFBooleanGetValue(kCFBooleanFalse));
  BOOST_TEST(CFGetTypeID(kCFBooleanTrue) == CFBooleanGetTypeID());
  BOOST_TEST(!CFEqual(kCFBooleanTrue, kCFBooleanFalse));
  const UInt8 bytes[] = {1, 2, 3};
  CFDataRef a = CFDataCreate(nullptr, bytes, 3), b = CFDataCreate(nullptr, bytes, 3);
  BOOST_TEST(CFDataGetLength(a) == 3);
  BOOST_TEST(std::memcmp(CFDataGetBytePtr(a), bytes, 3) == 0);
  BOOST_TEST(CFEqual(a, b));
  BOOST_TEST(CFHash(a) == CFHash(b));
  CFRelease(a);
  CFRelease(b);
}

BOOST_AUTO_TEST_CASE(a_dictionary_with_type_callbacks_owns_what_it_holds) {
  CFMutableDictionaryRef d =
      CFDictionaryCreateMutable(nullptr, 0, &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
  CFStringRef key = CFStringCreateWithCString(nullptr, "IOProviderClass", kCFStringEncodingUTF8);
  CFStringRef value = CFStringCreateWithCString(nullptr, "IOUSBHostDevice", kCFStringEncodingUTF8);
  CFDictionarySetValue(d, key, value);
  BOOST_TEST(CFGetRetainCount(value) == 2);  // the dictionary's reference
  CFRelease(key);
  CFRelease(value);  // the dictionary still holds both
  // Found by an equal key, not only the same object.
  BOOST_TEST(CFEqual(CFDictionaryGetValue(d, CFSTR("IOProviderClass")), CFSTR("IOUSBHostDevice")));
  BOOST_TEST(CFDictionaryGetCount(d) == 1);

  const SInt32 v = 7;
  CFNumberRef seven = CFNumberCreate(nullptr, kCFNumberSInt32Type, &v);
  CFDictionarySetValue(d, CFSTR("idProduct"), seven);
  CFDictionaryAddValue(d, CFSTR("idProduct"), kCFBooleanTrue);  // exists: left alone
  BOOST_TEST(CFDictionaryGetValue(d, CFSTR("idProduct")) == seven);
  CFDictionarySetValue(d, CFSTR("idProduct"), kCFBooleanTrue);  // replaced: seven released
  BOOST_TEST(CFGetRetainCount(seven) == 1);
  CFRelease(seven);
  const void* found = nullptr;
  BOOST_TEST(CFDictionaryGetValueIfPresent(d, CFSTR("idProduct"), &found));
  BOOST_TEST(found == kCFBooleanTrue);
  BOOST_TEST(!CFDictionaryContainsKey(d, CFSTR("idVendor")));

  CFMutableDictionaryRef copy = CFDictionaryCreateMutableCopy(nullptr, 0, d);
  BOOST_TEST(CFEqual(copy, d));
  CFDictionaryRemoveValue(copy, CFSTR("idProduct"));
  BOOST_TEST(!CFEqual(copy, d));
  BOOST_TEST(CFDictionaryGetCount(copy) == 1);

  std::vector<std::string> keys;
  CFDictionaryApplyFunction(
      d, [](const void* k, const void*, void* context) {
        static_cast<std::vector<std::string>*>(context)->push_back(text_of(static_cast<CFStringRef>(k)));
      },
      &keys);
  BOOST_TEST(keys.size() == 2u);
  const void* ks[2];
  const void* vs[2];
  CFDictionaryGetKeysAndValues(d, ks, vs);
  BOOST_TEST(CFEqual(ks[0], CFSTR("IOProviderClass")));
  CFRelease(copy);
  CFRelease(d);
}

BOOST_AUTO_TEST_CASE(containers_without_callbacks_keep_plain_pointers) {
  int a = 1, b = 2;
  const void* keys[] = {&a};
  const void* values[] = {&b};
  CFDictionaryRef d = CFDictionaryCreate(nullptr, keys, values, 1, nullptr, nullptr);
  BOOST_TEST(CFDictionaryGetValue(d, &a) == &b);
  int a2 = 1;
  BOOST_TEST(CFDictionaryGetValue(d, &a2) == nullptr);  // compared by address
  CFRelease(d);

  CFMutableArrayRef arr = CFArrayCreateMutable(nullptr, 0, &kCFTypeArrayCallBacks);
  CFStringRef s = CFStringCreateWithCString(nullptr, "x", kCFStringEncodingUTF8);
  CFArrayAppendValue(arr, s);
  CFArrayAppendValue(arr, kCFBooleanFalse);
  CFRelease(s);
  BOOST_TEST(CFArrayGetCount(arr) == 2);
  BOOST_TEST(CFArrayGetValueAtIndex(arr, 0) == s);
  const void* items[] = {CFSTR("x"), kCFBooleanFalse};
  CFArrayRef same = CFArrayCreate(nullptr, items, 2, &kCFTypeArrayCallBacks);
  BOOST_TEST(CFEqual(arr, same));
  CFArrayRemoveValueAtIndex(arr, 0);  // releases s: its last reference
  BOOST_TEST(CFArrayGetCount(arr) == 1);
  BOOST_TEST(!CFEqual(arr, same));
  CFRelease(same);
  CFRelease(arr);
}

BOOST_AUTO_TEST_CASE(containers_nest_and_release_what_they_hold) {
  CFMutableDictionaryRef outer =
      CFDictionaryCreateMutable(nullptr, 0, &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
  CFMutableDictionaryRef inner =
      CFDictionaryCreateMutable(nullptr, 0, &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
  const SInt32 id = 42;
  CFNumberRef n = CFNumberCreate(nullptr, kCFNumberSInt32Type, &id);
  CFDictionarySetValue(inner, CFSTR("locationID"), n);
  CFDictionarySetValue(outer, CFSTR("IOPropertyMatch"), inner);
  CFRelease(n);
  CFRelease(inner);
  BOOST_TEST(machemu_cf_live_objects() == before + 3);
  CFRelease(outer);  // takes inner and n with it
}

BOOST_AUTO_TEST_SUITE_END()
