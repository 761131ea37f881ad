// SPDX-License-Identifier: BSL-1.0
// IODispatchCalloutFromMessage against messages laid out as xnu's IOUserClient.cpp sends
// them (IOServiceUserNotification's ping, IOServiceMessageUserNotification's interest
// message): the callback the reference names is called with the refcon, the iterator or
// the service; not when the iterator's owner has released it; the message's rights are
// released in every case, and a malformed message calls nothing and loses nothing.
#include <IOKit/IOKitLib.h>
#include <mach/mach.h>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {
const mach_port_t self = mach_task_self();

struct seen {
  int calls = 0;
  void* refcon = nullptr;
  io_object_t object = IO_OBJECT_NULL;
  natural_t type = 0;
  void* argument = nullptr;
};

void on_match(void* refcon, io_iterator_t iterator) {
  seen* s = static_cast<seen*>(refcon);
  ++s->calls;
  s->refcon = refcon;
  s->object = iterator;
}

void on_interest(void* refcon, io_service_t service, natural_t type, void* argument) {
  seen* s = static_cast<seen*>(refcon);
  ++s->calls;
  s->refcon = refcon;
  s->object = service;
  s->type = type;
  s->argument = argument;
}

mach_port_urefs_t send_refs(mach_port_name_t name) {
  mach_port_urefs_t n = 0;
  (void)mach_port_get_refs(self, name, MACH_PORT_RIGHT_SEND, &n);
  return n;
}

// What IOKit's kernel sends for a matching notification: the iterator (made send) as the
// local port, OSNotificationHeader64 with the whole reference.
struct ping_message {
  mach_msg_header_t header;
  OSNotificationHeader64 notification;
};
static_assert(sizeof(ping_message) == 96);

// And for an interest message: the service in a port descriptor, then the header and
// the content with a one-word argument.
#pragma pack(push, 4)
struct interest_message {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_port_descriptor_t service;
  OSNotificationHeader64 notification;
  IOServiceInterestContent64 content;
};
#pragma pack(pop)
static_assert(sizeof(interest_message) == 124);

void send_ping(mach_port_name_t to, mach_port_name_t iterator, void* callback, void* refcon, natural_t type,
               mach_msg_size_t size = sizeof(ping_message)) {
  ping_message m{};
  m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND);
  m.header.msgh_size = size;
  m.header.msgh_remote_port = to;
  m.header.msgh_local_port = iterator;
  m.header.msgh_id = kOSNotificationMessageID;
  m.notification.type = type;
  m.notification.reference[kIOMatchingCalloutFuncIndex] = reinterpret_cast<std::uintptr_t>(callback);
  m.notification.reference[kIOMatchingCalloutRefconIndex] = reinterpret_cast<std::uintptr_t>(refcon);
  BOOST_REQUIRE(mach_msg(&m.header, MACH_SEND_MSG, size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS);
}

void send_interest(mach_port_name_t to, mach_port_name_t iterator, mach_port_name_t service, seen* s,
                   natural_t message, io_user_reference_t argument) {
  interest_message m{};
  m.header.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND);
  m.header.msgh_size = sizeof m;
  m.header.msgh_remote_port = to;
  m.header.msgh_local_port = iterator;
  m.header.msgh_id = kOSNotificationMessageID;
  m.body.msgh_descriptor_count = 1;
  m.service.name = service;
  m.service.disposition = MACH_MSG_TYPE_MAKE_SEND;
  m.service.type = MACH_MSG_PORT_DESCRIPTOR;
  m.notification.size = 64 + sizeof(IOServiceInterestContent64);  // xnu's extraSize
  m.notification.type = kIOServiceMessageNotificationType;
  m.notification.reference[kIOInterestCalloutFuncIndex] = reinterpret_cast<std::uintptr_t>(&on_interest);
  m.notification.reference[kIOInterestCalloutRefconIndex] = reinterpret_cast<std::uintptr_t>(s);
  m.content.messageType = message;
  m.content.messageArgument[0] = argument;
  BOOST_REQUIRE(mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) ==
                MACH_MSG_SUCCESS);
}

void receive_and_dispatch(mach_port_name_t port) {
  rcv_buffer buf{};
  BOOST_REQUIRE(mach_msg(&buf.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof buf, port, 0, MACH_PORT_NULL) ==
                MACH_MSG_SUCCESS);
  IODispatchCalloutFromMessage(nullptr, &buf.header, nullptr);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(iokit_dispatch, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(a_ping_calls_the_matching_callback_with_its_iterator) {
  const mach_port_name_t notify = new_receive();
  const mach_port_name_t iterator = new_receive_send();  // the owner's reference
  for (natural_t type : {kIOServicePublishNotificationType, kIOServiceMatchedNotificationType,
                         kIOServiceTerminatedNotificationType}) {
    seen s;
    send_ping(notify, iterator, reinterpret_cast<void*>(&on_match), &s, type);
    receive_and_dispatch(notify);
    BOOST_TEST(s.calls == 1);
    BOOST_TEST(s.refcon == &s);
    BOOST_TEST(s.object == iterator);
    BOOST_TEST(send_refs(iterator) == 1u);  // the message's released
  }
  // The owner lets go of the iterator while a ping is queued: no call, nothing left.
  seen late;
  send_ping(notify, iterator, reinterpret_cast<void*>(&on_match), &late, kIOServiceMatchedNotificationType);
  BOOST_REQUIRE(mach_port_deallocate(self, iterator) == KERN_SUCCESS);
  receive_and_dispatch(notify);
  BOOST_TEST(late.calls == 0);
  BOOST_TEST(send_refs(iterator) == 0u);
  BOOST_REQUIRE(mach_port_mod_refs(self, iterator, MACH_PORT_RIGHT_RECEIVE, -1) == KERN_SUCCESS);
  BOOST_REQUIRE(mach_port_mod_refs(self, notify, MACH_PORT_RIGHT_RECEIVE, -1) == KERN_SUCCESS);
}

BOOST_AUTO_TEST_CASE(an_interest_message_calls_back_with_the_service_type_and_argument) {
  const mach_port_name_t notify = new_receive();
  const mach_port_name_t iterator = new_receive_send();
  const mach_port_name_t service = new_receive_send();
  seen s;
  send_interest(notify, iterator, service, &s, kIOMessageServiceIsTerminated, 0);
  receive_and_dispatch(notify);
  BOOST_TEST(s.calls == 1);
  BOOST_TEST(s.object == service);
  BOOST_TEST(s.type == kIOMessageServiceIsTerminated);
  BOOST_TEST(s.argument == nullptr);
  seen custom;
  send_interest(notify, iterator, service, &custom, 0xe0004242, 42);
  receive_and_dispatch(notify);
  BOOST_TEST(custom.type == 0xe0004242u);
  BOOST_TEST(reinterpret_cast<std::uintptr_t>(custom.argument) == 42u);  // one word: by value
  BOOST_TEST(send_refs(service) == 1u);  // the descriptor's right released
  BOOST_TEST(send_refs(iterator) == 1u);
  for (mach_port_name_t p : {notify, iterator, service})
    BOOST_REQUIRE(mach_port_destroy(self, p) == KERN_SUCCESS);
}

BOOST_AUTO_TEST_CASE(a_malformed_or_foreign_message_calls_nothing_and_loses_nothing) {
  const mach_port_name_t notify = new_receive();
  const mach_port_name_t iterator = new_receive_send();
  seen s;
  // Cut short inside OSNotificationHeader64.
  send_ping(notify, iterator, reinterpret_cast<void*>(&on_match), &s, kIOServiceMatchedNotificationType, 40);
  receive_and_dispatch(notify);
  BOOST_TEST(s.calls == 0);
  BOOST_TEST(send_refs(iterator) == 1u);  // the message's right went with it
  // An unknown type, and a null callback: nothing called, the right released.
  send_ping(notify, iterator, reinterpret_cast<void*>(&on_match), &s, kLastIOKitNotificationType);
  receive_and_dispatch(notify);
  send_ping(notify, iterator, nullptr, &s, kIOServiceMatchedNotificationType);
  receive_and_dispatch(notify);
  BOOST_TEST(s.calls == 0);
  BOOST_TEST(send_refs(iterator) == 1u);
  // Another msgh_id is not IOKit's: left alone, for its owner to destroy.
  mach_msg_header_t other{};
  other.msgh_id = 1234;
  IODispatchCalloutFromMessage(nullptr, &other, nullptr);
  for (mach_port_name_t p : {notify, iterator}) BOOST_REQUIRE(mach_port_destroy(self, p) == KERN_SUCCESS);
}

BOOST_AUTO_TEST_SUITE_END()
