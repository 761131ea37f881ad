// SPDX-License-Identifier: BSL-1.0
// mach-emu's IOKit registry core: matching as IOService matches, and the notification
// rules of XNU's IOServiceUserNotification — existing services in the first set, a ping
// only when armed and the set was empty, the latest service first, arming by draining,
// at most 1,024 outstanding — with no CF object left behind.
#include "registry.hpp"

#include "machemu_cf_testing.h"

#include <boost/test/unit_test.hpp>

#include <string>
#include <variant>
#include <vector>

namespace iokit = machemu::iokit;
using iokit::entry_id;
using iokit::event;
using iokit::matching_kind;

namespace {

struct cf_accounting {
  CFIndex before = machemu_cf_live_objects();
  ~cf_accounting() { BOOST_TEST(machemu_cf_live_objects() == before); }
};

// A matching dictionary of one string key (what IOServiceMatching/IOServiceNameMatching make).
CFMutableDictionaryRef matching(CFStringRef key, const char* value) {
  CFMutableDictionaryRef d =
      CFDictionaryCreateMutable(nullptr, 0, &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
  CFStringRef v = CFStringCreateWithCString(nullptr, value, kCFStringEncodingUTF8);
  CFDictionarySetValue(d, key, v);
  CFRelease(v);
  return d;
}

CFMutableDictionaryRef properties(SInt32 vendor) {
  CFMutableDictionaryRef d =
      CFDictionaryCreateMutable(nullptr, 0, &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
  CFNumberRef n = CFNumberCreate(nullptr, kCFNumberSInt32Type, &vendor);
  CFDictionarySetValue(d, CFSTR("idVendor"), n);
  CFRelease(n);
  return d;
}

iokit::service_description usb(const char* name, CFDictionaryRef props = nullptr, entry_id parent = 0) {
  return {{"IOUSBHostDevice", "IOUSBDevice", "IOService", "IORegistryEntry"}, name, props, parent};
}

// The next service of registration \p r, 0 for none (ids are never 0).
entry_id next_of(iokit::registry& reg, iokit::registration_id r) { return reg.next(r).value_or(0); }

std::size_t pings(const std::vector<event>& events) {
  std::size_t n = 0;
  for (const event& e : events) n += std::holds_alternative<iokit::ping>(e) ? 1 : 0;
  return n;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(emu_iokit_registry, cf_accounting)

BOOST_AUTO_TEST_CASE(a_first_match_set_starts_with_what_exists_and_pings_once_per_arming) {
  iokit::registry reg;
  std::vector<event> events;
  const entry_id a = *reg.publish(usb("a"), events);
  const entry_id b = *reg.publish(usb("b"), events);
  BOOST_TEST(events.empty());  // nobody registered yet

  CFMutableDictionaryRef m = matching(CFSTR("IOProviderClass"), "IOUSBHostDevice");
  const auto r = reg.add_matching(matching_kind::first_match, m);
  CFRelease(m);
  // Existing services, the latest first; no ping for them (the set starts unarmed).
  BOOST_TEST(next_of(reg, r) == b);
  const entry_id c = *reg.publish(usb("c"), events);
  BOOST_TEST(pings(events) == 0u);  // not armed yet
  BOOST_TEST(next_of(reg, r) == c);
  BOOST_TEST(next_of(reg, r) == a);
  BOOST_TEST(!reg.next(r).has_value());  // drained: armed now

  const entry_id d = *reg.publish(usb("d"), events);
  BOOST_TEST(pings(events) == 1u);
  const entry_id e = *reg.publish(usb("e"), events);
  BOOST_TEST(pings(events) == 1u);  // the set was not empty: one ping per arming
  BOOST_TEST(next_of(reg, r) == e);
  BOOST_TEST(next_of(reg, r) == d);
  BOOST_TEST(!reg.next(r).has_value());
  reg.remove(r);
}

BOOST_AUTO_TEST_CASE(matching_reads_class_name_registry_id_and_property_tables) {
  iokit::registry reg;
  std::vector<event> events;
  CFMutableDictionaryRef p = properties(0x05ac);
  const entry_id apple = *reg.publish(usb("Keyboard", p), events);
  CFRelease(p);  // the registry holds its own reference
  const entry_id other = *reg.publish({{"IOPCIDevice", "IOService"}, "pci", nullptr, 0}, events);

  CFMutableDictionaryRef by_super = matching(CFSTR("IOProviderClass"), "IOService");
  BOOST_TEST(reg.matching_services(by_super).size() == 2u);  // every class in the chain matches
  CFMutableDictionaryRef by_name = matching(CFSTR("IONameMatch"), "Keyboard");
  BOOST_TEST((reg.matching_services(by_name) == std::vector<entry_id>{apple}));

  const void* names[] = {CFSTR("x"), CFSTR("pci")};
  CFArrayRef list = CFArrayCreate(nullptr, names, 2, &kCFTypeArrayCallBacks);
  CFDictionarySetValue(by_name, CFSTR("IONameMatch"), list);  // any of several names
  CFRelease(list);
  BOOST_TEST((reg.matching_services(by_name) == std::vector<entry_id>{other}));

  CFMutableDictionaryRef by_id =
      CFDictionaryCreateMutable(nullptr, 0, &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
  const SInt64 wanted = static_cast<SInt64>(other);
  CFNumberRef n = CFNumberCreate(nullptr, kCFNumberSInt64Type, &wanted);
  CFDictionarySetValue(by_id, CFSTR("IORegistryEntryID"), n);
  CFRelease(n);
  BOOST_TEST((reg.matching_services(by_id) == std::vector<entry_id>{other}));

  CFMutableDictionaryRef by_property = matching(CFSTR("IOProviderClass"), "IOUSBHostDevice");
  CFMutableDictionaryRef table = properties(0x05ac);
  CFDictionarySetValue(by_property, CFSTR("IOPropertyMatch"), table);
  CFDictionarySetValue(by_property, CFSTR("SomethingElse"), kCFBooleanTrue);  // ignored
  BOOST_TEST((reg.matching_services(by_property) == std::vector<entry_id>{apple}));
  CFRelease(table);
  table = properties(0x1d6b);
  CFDictionarySetValue(by_property, CFSTR("IOPropertyMatch"), table);
  BOOST_TEST(reg.matching_services(by_property).empty());
  CFRelease(table);

  for (CFMutableDictionaryRef d : {by_super, by_name, by_id, by_property}) CFRelease(d);
}

BOOST_AUTO_TEST_CASE(termination_tells_interest_then_terminated_notifications_children_first) {
  iokit::registry reg;
  std::vector<event> events;
  const entry_id hub = *reg.publish(usb("hub"), events);
  const entry_id device = *reg.publish(usb("device", nullptr, hub), events);
  BOOST_TEST(!reg.publish(usb("orphan", nullptr, 12345), events).has_value());  // no such parent
  BOOST_TEST(!reg.publish({{}, "classless", nullptr, 0}, events).has_value());

  CFMutableDictionaryRef m = matching(CFSTR("IOProviderClass"), "IOUSBHostDevice");
  const auto gone = reg.add_matching(matching_kind::terminated, m);
  CFRelease(m);
  BOOST_TEST(!reg.next(gone).has_value());  // starts empty, and is armed by this
  const auto hub_interest = *reg.add_interest(hub);
  const auto device_interest = *reg.add_interest(device);

  BOOST_TEST(reg.message(device, 0xe0004000, 42, events));  // a service's own message
  BOOST_REQUIRE(events.size() == 1u);
  const auto& custom = std::get<iokit::interest_message>(events[0]);
  BOOST_TEST(custom.registration == device_interest);
  BOOST_TEST(custom.argument == 42u);
  events.clear();

  BOOST_TEST(reg.terminate(hub, events));
  BOOST_REQUIRE(events.size() == 3u);
  // The device (a child) first: its interest message, then the terminated ping.
  BOOST_TEST(std::get<iokit::interest_message>(events[0]).registration == device_interest);
  BOOST_TEST(std::get<iokit::interest_message>(events[0]).message_type == iokit::registry::message_service_is_terminated);
  BOOST_TEST(std::get<iokit::ping>(events[1]).registration == gone);
  BOOST_TEST(std::get<iokit::interest_message>(events[2]).registration == hub_interest);
  BOOST_TEST(next_of(reg, gone) == hub);
  BOOST_TEST(next_of(reg, gone) == device);
  BOOST_TEST(!reg.live(hub));
  BOOST_TEST(reg.find(hub) != nullptr);  // still readable by whoever holds it
  BOOST_TEST(!reg.terminate(hub, events));
  BOOST_TEST(!reg.add_interest(hub).has_value());
  BOOST_TEST(reg.services().empty());
}

BOOST_AUTO_TEST_CASE(a_set_holds_at_most_1024_outstanding_services) {
  iokit::registry reg;
  std::vector<event> events;
  CFMutableDictionaryRef m = matching(CFSTR("IOProviderClass"), "IOService");
  const auto r = reg.add_matching(matching_kind::publish, m);
  CFRelease(m);
  BOOST_TEST(!reg.next(r).has_value());
  for (int i = 0; i < 1100; ++i) reg.publish(usb("burst"), events);
  BOOST_TEST(pings(events) == 1u);
  std::size_t taken = 0;
  while (reg.next(r)) ++taken;
  BOOST_TEST(taken == iokit::registry::max_outstanding);  // XNU drops the rest
}

BOOST_AUTO_TEST_SUITE_END()
