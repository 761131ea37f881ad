// SPDX-License-Identifier: BSL-1.0
// mach-emu's IOKitLib against its registry (in-process here; test/iokit runs through
// machd): the SDK's calls with XNU's reference rules. Every io_object_t is a send right
// whose user references are the object's references; the matching dictionary is consumed
// even on failure; a notification's set starts unarmed, a ping comes only when armed and
// the set was empty; a released notification sends nothing more; a terminated service
// leaves the registry when its last holder lets go. Each case checks that no Mach right,
// no kernel port and no CF object is left over.
#include <IOKit/IOKitLib.h>
#include <mach/mach.h>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "emu_test_util.hpp"
#include "machemu_cf_testing.h"
#include "machemu_iokit_testing.h"
#include "testing/machemu_testing.h"

using namespace emu_test;

namespace {

const mach_port_t self = mach_task_self();

// Right accounting, and kernel ports and CF objects back where they were.
struct iokit_accounting : machio_test::right_accounting {
  unsigned long ports = machemu_port_count();
  CFIndex cf = machemu_cf_live_objects();
  ~iokit_accounting() {
    BOOST_CHECK_EQUAL(machemu_port_count(), ports);
    BOOST_CHECK_EQUAL(machemu_cf_live_objects(), cf);
  }
};

// A published service, terminated at the end of the scope.
struct service {
  std::uint64_t id = 0;
  explicit service(const char* cls, const char* name = "device", std::uint64_t parent = 0,
                   CFDictionaryRef props = nullptr) {
    const char* classes[] = {cls, "IOService", "IORegistryEntry", nullptr};
    BOOST_REQUIRE_EQUAL(machemu_iokit_publish(classes, name, props, parent, &id), KERN_SUCCESS);
  }
  ~service() { terminate(); }
  void terminate() {
    if (id) (void)machemu_iokit_terminate(std::exchange(id, 0));
  }
  service(const service&) = delete;
  service& operator=(const service&) = delete;
};

std::vector<io_object_t> drain(io_iterator_t it) {
  std::vector<io_object_t> out;
  while (io_object_t o = IOIteratorNext(it)) out.push_back(o);
  return out;
}

std::uint64_t entry_id(io_object_t o) {
  std::uint64_t id = 0;
  BOOST_REQUIRE_EQUAL(IORegistryEntryGetRegistryEntryID(o, &id), KERN_SUCCESS);
  return id;
}

void release_all(const std::vector<io_object_t>& objects) {
  for (io_object_t o : objects) BOOST_CHECK_EQUAL(IOObjectRelease(o), KERN_SUCCESS);
}

struct matching_seen {
  int calls = 0;
  io_iterator_t iterator = IO_OBJECT_NULL;
  std::vector<std::uint64_t> ids;  // drained in the callback, as a client does
};

void on_matching(void* refcon, io_iterator_t it) {
  auto* s = static_cast<matching_seen*>(refcon);
  ++s->calls;
  s->iterator = it;
  for (io_object_t o : drain(it)) {
    s->ids.push_back(entry_id(o));
    IOObjectRelease(o);
  }
}

struct interest_seen {
  std::vector<natural_t> types;
  std::vector<void*> arguments;
  std::vector<std::uint64_t> services;
};

void on_interest(void* refcon, io_service_t svc, natural_t type, void* argument) {
  auto* s = static_cast<interest_seen*>(refcon);
  s->types.push_back(type);
  s->arguments.push_back(argument);
  s->services.push_back(entry_id(svc));
}

// Dispatches every notification queued on \p port; returns how many there were.
int dispatch_queued(IONotificationPortRef notify) {
  int n = 0;
  for (;;) {
    struct {
      mach_msg_header_t header;
      unsigned char body[512];
    } buf{};
    if (mach_msg(&buf.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof buf, IONotificationPortGetMachPort(notify),
                 0, MACH_PORT_NULL) != MACH_MSG_SUCCESS)
      return n;
    IODispatchCalloutFromMessage(nullptr, &buf.header, nullptr);
    ++n;
  }
}

mach_port_urefs_t send_refs(mach_port_name_t name) {
  mach_port_urefs_t n = 0;
  (void)mach_port_get_refs(self, name, MACH_PORT_RIGHT_SEND, &n);
  return n;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(iokit_lib, iokit_accounting)

BOOST_AUTO_TEST_CASE(the_main_port_is_one_send_right_with_a_reference_per_call) {
  mach_port_t a = MACH_PORT_NULL, b = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(IOMainPort(MACH_PORT_NULL, &a), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(IOMasterPort(MACH_PORT_NULL, &b), KERN_SUCCESS);
  BOOST_TEST(a == b);
  BOOST_TEST(send_refs(a) == 2u);
  BOOST_TEST(kIOMainPortDefault == MACH_PORT_NULL);
  BOOST_TEST(kIOMasterPortDefault == MACH_PORT_NULL);
  IOObjectRelease(a);
  IOObjectRelease(b);
}

BOOST_AUTO_TEST_CASE(matching_services_are_send_rights_that_describe_their_service) {
  CFMutableDictionaryRef props =
      CFDictionaryCreateMutable(nullptr, 0, &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
  const int vendor = 0x05ac;
  CFNumberRef n = CFNumberCreate(nullptr, kCFNumberSInt32Type, &vendor);
  CFDictionarySetValue(props, CFSTR("idVendor"), n);
  CFRelease(n);
  service parent("TestHub", "hub");
  service child("TestDevice", "keyboard", parent.id, props);
  CFRelease(props);

  io_iterator_t it = IO_OBJECT_NULL;
  BOOST_REQUIRE_EQUAL(IOServiceGetMatchingServices(kIOMainPortDefault, IOServiceMatching("TestDevice"), &it),
                      KERN_SUCCESS);
  BOOST_TEST(IOIteratorIsValid(it));
  io_name_t cls{};
  BOOST_REQUIRE_EQUAL(IOObjectGetClass(it, cls), KERN_SUCCESS);
  BOOST_TEST(std::string(cls) == "IOUserIterator");
  std::vector<io_object_t> found = drain(it);
  BOOST_REQUIRE_EQUAL(found.size(), 1u);
  const io_service_t s = found[0];
  BOOST_TEST(entry_id(s) == child.id);
  BOOST_TEST(send_refs(s) == 1u);

  BOOST_REQUIRE_EQUAL(IOObjectGetClass(s, cls), KERN_SUCCESS);
  BOOST_TEST(std::string(cls) == "TestDevice");
  BOOST_TEST(IOObjectConformsTo(s, "IOService"));
  BOOST_TEST(!IOObjectConformsTo(s, "TestHub"));
  io_name_t name{};
  BOOST_REQUIRE_EQUAL(IORegistryEntryGetName(s, name), KERN_SUCCESS);
  BOOST_TEST(std::string(name) == "keyboard");

  CFTypeRef v = IORegistryEntryCreateCFProperty(s, CFSTR("idVendor"), nullptr, 0);
  BOOST_REQUIRE(v != nullptr);
  int got = 0;
  BOOST_TEST(CFNumberGetValue(static_cast<CFNumberRef>(v), kCFNumberSInt32Type, &got));
  BOOST_TEST(got == vendor);
  CFRelease(v);
  BOOST_TEST(IORegistryEntryCreateCFProperty(s, CFSTR("idProduct"), nullptr, 0) == nullptr);
  CFMutableDictionaryRef all = nullptr;
  BOOST_REQUIRE_EQUAL(IORegistryEntryCreateCFProperties(s, &all, nullptr, 0), KERN_SUCCESS);
  BOOST_TEST(CFDictionaryGetCount(all) == 1);
  CFRelease(all);

  io_registry_entry_t up = IO_OBJECT_NULL;
  BOOST_REQUIRE_EQUAL(IORegistryEntryGetParentEntry(s, kIOServicePlane, &up), KERN_SUCCESS);
  BOOST_TEST(entry_id(up) == parent.id);
  io_registry_entry_t root = IO_OBJECT_NULL;
  BOOST_TEST(IORegistryEntryGetParentEntry(up, kIOServicePlane, &root) == kIOReturnNoDevice);
  BOOST_TEST(root == IO_OBJECT_NULL);

  // The iterator is a snapshot: drained, then from the start again after a reset.
  BOOST_TEST(IOIteratorNext(it) == IO_OBJECT_NULL);
  IOIteratorReset(it);
  const io_object_t again = IOIteratorNext(it);
  BOOST_TEST(again == s);  // one object, one name
  BOOST_TEST(IOObjectIsEqualTo(again, s));
  BOOST_TEST(send_refs(s) == 2u);
  release_all({again, s, up, it});
}

BOOST_AUTO_TEST_CASE(references_are_user_references_of_the_send_right) {
  service dev("TestDevice");
  const io_service_t s = IOServiceGetMatchingService(kIOMainPortDefault, IORegistryEntryIDMatching(dev.id));
  BOOST_REQUIRE(s != IO_OBJECT_NULL);
  BOOST_REQUIRE_EQUAL(IOObjectRetain(s), KERN_SUCCESS);
  BOOST_TEST(send_refs(s) == 2u);
  IOObjectRelease(s);
  BOOST_TEST(send_refs(s) == 1u);
  IOObjectRelease(s);
  BOOST_TEST(type_kr(s) == KERN_INVALID_NAME);
}

BOOST_AUTO_TEST_CASE(matching_dictionaries_are_consumed_even_on_failure) {
  const CFIndex before = machemu_cf_live_objects();
  BOOST_TEST(IOServiceGetMatchingService(kIOMainPortDefault, IOServiceMatching("NoSuchClass")) == IO_OBJECT_NULL);
  io_iterator_t it = IO_OBJECT_NULL;
  BOOST_REQUIRE_EQUAL(IOServiceGetMatchingServices(kIOMainPortDefault, IOServiceNameMatching("none"), &it),
                      KERN_SUCCESS);
  BOOST_TEST(IOIteratorNext(it) == IO_OBJECT_NULL);
  IOObjectRelease(it);
  IONotificationPortRef notify = IONotificationPortCreate(kIOMainPortDefault);
  BOOST_REQUIRE(notify != nullptr);
  io_iterator_t n = IO_OBJECT_NULL;
  BOOST_TEST(IOServiceAddMatchingNotification(notify, "IOServiceNoSuchNotification", IOServiceMatching("X"),
                                              on_matching, nullptr, &n) == kIOReturnUnsupported);
  BOOST_TEST(n == IO_OBJECT_NULL);
  BOOST_TEST(IOServiceAddMatchingNotification(nullptr, kIOMatchedNotification, IOServiceMatching("X"), on_matching,
                                              nullptr, &n) == kIOReturnBadArgument);
  IONotificationPortDestroy(notify);
  BOOST_TEST(machemu_cf_live_objects() == before);
}

BOOST_AUTO_TEST_CASE(a_notification_starts_with_what_matches_and_pings_once_per_arming) {
  service existing("TestDevice", "old");
  IONotificationPortRef notify = IONotificationPortCreate(kIOMainPortDefault);
  matching_seen seen;
  io_iterator_t n = IO_OBJECT_NULL;
  BOOST_REQUIRE_EQUAL(IOServiceAddMatchingNotification(notify, kIOFirstMatchNotification,
                                                       IOServiceMatching("TestDevice"), on_matching, &seen, &n),
                      KERN_SUCCESS);
  io_name_t cls{};
  BOOST_REQUIRE_EQUAL(IOObjectGetClass(n, cls), KERN_SUCCESS);
  BOOST_TEST(std::string(cls) == "IOServiceUserNotification");
  // Unarmed until drained: publishing now sends nothing, the set just grows.
  service early("TestDevice", "early");
  BOOST_TEST(dispatch_queued(notify) == 0);
  std::vector<io_object_t> first = drain(n);  // newest first, as XNU's set hands them out
  BOOST_REQUIRE_EQUAL(first.size(), 2u);
  BOOST_TEST(entry_id(first[0]) == early.id);
  BOOST_TEST(entry_id(first[1]) == existing.id);
  release_all(first);

  // Armed: the first new service pings; the second joins the set without a ping.
  service a("TestDevice", "a");
  service b("TestDevice", "b");
  BOOST_TEST(dispatch_queued(notify) == 1);
  BOOST_TEST(seen.calls == 1);
  BOOST_TEST(seen.iterator == n);
  BOOST_TEST((seen.ids == std::vector<std::uint64_t>{b.id, a.id}));
  // Another class does not match.
  service other("OtherDevice");
  BOOST_TEST(dispatch_queued(notify) == 0);

  IOObjectRelease(n);
  IONotificationPortDestroy(notify);
}

BOOST_AUTO_TEST_CASE(terminated_notifications_and_interest_messages) {
  service dev("TestDevice", "dev");
  IONotificationPortRef notify = IONotificationPortCreate(kIOMainPortDefault);
  matching_seen gone;
  io_iterator_t t = IO_OBJECT_NULL;
  BOOST_REQUIRE_EQUAL(IOServiceAddMatchingNotification(notify, kIOTerminatedNotification,
                                                       IOServiceMatching("TestDevice"), on_matching, &gone, &t),
                      KERN_SUCCESS);
  BOOST_TEST(drain(t).empty());  // a terminated notification starts empty; now armed

  const io_service_t s = IOServiceGetMatchingService(kIOMainPortDefault, IORegistryEntryIDMatching(dev.id));
  BOOST_REQUIRE(s != IO_OBJECT_NULL);
  interest_seen seen;
  io_object_t interest = IO_OBJECT_NULL;
  BOOST_REQUIRE_EQUAL(IOServiceAddInterestNotification(notify, s, kIOGeneralInterest, on_interest, &seen, &interest),
                      KERN_SUCCESS);
  io_object_t bogus = IO_OBJECT_NULL;
  BOOST_TEST(IOServiceAddInterestNotification(notify, s, "IONoSuchInterest", on_interest, &seen, &bogus) ==
             kIOReturnUnsupported);

  constexpr natural_t custom = 0xe0000abc;
  BOOST_REQUIRE_EQUAL(machemu_iokit_message(dev.id, custom, 0x1234567890ull), KERN_SUCCESS);
  BOOST_TEST(dispatch_queued(notify) == 1);
  BOOST_REQUIRE_EQUAL(seen.types.size(), 1u);
  BOOST_TEST(seen.types[0] == custom);
  BOOST_TEST(reinterpret_cast<std::uintptr_t>(seen.arguments[0]) == 0x1234567890ull);
  BOOST_TEST(seen.services[0] == dev.id);

  const std::uint64_t id = dev.id;
  dev.terminate();
  // kIOMessageServiceIsTerminated first, then the terminated notification.
  BOOST_TEST(dispatch_queued(notify) == 2);
  BOOST_REQUIRE_EQUAL(seen.types.size(), 2u);
  BOOST_TEST(seen.types[1] == static_cast<natural_t>(kIOMessageServiceIsTerminated));
  BOOST_TEST((gone.ids == std::vector<std::uint64_t>{id}));

  // A held terminated service still answers; it is gone from matching.
  io_name_t name{};
  BOOST_TEST(IORegistryEntryGetName(s, name) == KERN_SUCCESS);
  BOOST_TEST(IOServiceGetMatchingService(kIOMainPortDefault, IORegistryEntryIDMatching(id)) == IO_OBJECT_NULL);
  release_all({s, interest, t});
  IONotificationPortDestroy(notify);
}

BOOST_AUTO_TEST_CASE(a_released_notification_sends_nothing_more) {
  IONotificationPortRef notify = IONotificationPortCreate(kIOMainPortDefault);
  matching_seen seen;
  io_iterator_t n = IO_OBJECT_NULL;
  BOOST_REQUIRE_EQUAL(IOServiceAddMatchingNotification(notify, kIOPublishNotification, IOServiceMatching("TestDevice"),
                                                       on_matching, &seen, &n),
                      KERN_SUCCESS);
  BOOST_TEST(drain(n).empty());
  IOObjectRelease(n);
  service dev("TestDevice");
  BOOST_TEST(dispatch_queued(notify) == 0);
  BOOST_TEST(seen.calls == 0);
  IONotificationPortDestroy(notify);
}

BOOST_AUTO_TEST_CASE(a_ping_in_flight_for_a_released_notification_calls_nothing) {
  IONotificationPortRef notify = IONotificationPortCreate(kIOMainPortDefault);
  matching_seen seen;
  io_iterator_t n = IO_OBJECT_NULL;
  BOOST_REQUIRE_EQUAL(IOServiceAddMatchingNotification(notify, kIOMatchedNotification, IOServiceMatching("TestDevice"),
                                                       on_matching, &seen, &n),
                      KERN_SUCCESS);
  BOOST_TEST(drain(n).empty());
  service dev("TestDevice");
  // The ping holds a reference of the notification: released now, it arrives with the
  // last one, and IODispatchCalloutFromMessage calls nothing.
  IOObjectRelease(n);
  BOOST_TEST(dispatch_queued(notify) == 1);
  BOOST_TEST(seen.calls == 0);
  IONotificationPortDestroy(notify);
}

BOOST_AUTO_TEST_CASE(destroying_the_notification_port_with_pings_queued_loses_no_right) {
  IONotificationPortRef notify = IONotificationPortCreate(kIOMainPortDefault);
  io_iterator_t n = IO_OBJECT_NULL;
  BOOST_REQUIRE_EQUAL(IOServiceAddMatchingNotification(notify, kIOMatchedNotification, IOServiceMatching("TestDevice"),
                                                       on_matching, nullptr, &n),
                      KERN_SUCCESS);
  BOOST_TEST(drain(n).empty());
  service dev("TestDevice");
  IONotificationPortDestroy(notify);  // the queued ping goes with the receive right
  service later("TestDevice");        // nothing to send to: dropped
  std::vector<io_object_t> left = drain(n);
  BOOST_TEST(left.size() == 2u);
  release_all(left);
  IOObjectRelease(n);
}

BOOST_AUTO_TEST_CASE(a_terminated_service_leaves_when_its_last_holder_lets_go) {
  std::uint64_t id = 0;
  io_service_t s = IO_OBJECT_NULL;
  {
    service dev("TestDevice", "held");
    id = dev.id;
    s = IOServiceGetMatchingService(kIOMainPortDefault, IORegistryEntryIDMatching(id));
    BOOST_REQUIRE(s != IO_OBJECT_NULL);
  }
  char* list = machemu_iokit_list();
  BOOST_TEST(std::string(list).find(std::to_string(id)) == std::string::npos);  // not live
  std::free(list);
  io_name_t name{};
  BOOST_TEST(IORegistryEntryGetName(s, name) == KERN_SUCCESS);  // still described
  IOObjectRelease(s);  // the fixture's counts show it freed: no port, no CF object left
}

BOOST_AUTO_TEST_CASE(calls_on_what_is_not_an_io_object_fail_cleanly) {
  const mach_port_name_t plain = new_receive_send();
  io_name_t cls{};
  BOOST_TEST(IOObjectGetClass(plain, cls) == kIOReturnBadArgument);
  BOOST_TEST(IOIteratorNext(plain) == IO_OBJECT_NULL);
  BOOST_TEST(!IOIteratorIsValid(plain));
  BOOST_TEST(IOObjectGetClass(0x12345603, cls) == MACH_SEND_INVALID_DEST);
  std::uint64_t id = 0;
  BOOST_TEST(IORegistryEntryGetRegistryEntryID(MACH_PORT_NULL, &id) == MACH_SEND_INVALID_DEST);
  io_iterator_t it = IO_OBJECT_NULL;
  BOOST_TEST(IOServiceGetMatchingServices(plain, IOServiceMatching("X"), &it) == kIOReturnBadArgument);
  // A service is no iterator, an iterator no registry entry.
  service dev("TestDevice");
  const io_service_t s = IOServiceGetMatchingService(kIOMainPortDefault, IORegistryEntryIDMatching(dev.id));
  BOOST_TEST(IOIteratorNext(s) == IO_OBJECT_NULL);
  BOOST_REQUIRE_EQUAL(IOServiceGetMatchingServices(kIOMainPortDefault, IOServiceMatching("TestDevice"), &it),
                      KERN_SUCCESS);
  io_name_t name{};
  BOOST_TEST(IORegistryEntryGetName(it, name) == kIOReturnBadArgument);
  io_registry_entry_t up = IO_OBJECT_NULL;
  BOOST_TEST(IORegistryEntryGetParentEntry(s, "IODeviceTree", &up) == kIOReturnBadArgument);
  release_all({s, it});
  drop_port(plain);
}

BOOST_AUTO_TEST_CASE(publishing_checks_its_arguments) {
  const char* none[] = {nullptr};
  std::uint64_t id = 0;
  BOOST_TEST(machemu_iokit_publish(none, "x", nullptr, 0, &id) == kIOReturnBadArgument);
  const char* classes[] = {"TestDevice", nullptr};
  BOOST_TEST(machemu_iokit_publish(classes, "x", nullptr, 0x7777, &id) == kIOReturnNoDevice);
  BOOST_TEST(machemu_iokit_terminate(0x7777) == kIOReturnNoDevice);
  BOOST_TEST(machemu_iokit_message(0x7777, 1, 0) == kIOReturnNoDevice);
}

BOOST_AUTO_TEST_SUITE_END()
