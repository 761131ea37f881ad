// SPDX-License-Identifier: BSL-1.0
// Small helpers shared by the mach-emu conformance tests: allocate, send, receive and
// inspect rights with every result checked, so test bodies state only the fact under test.
#pragma once

#include <mach/mach.h>
#include <mach/notify.h>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>

#include "port_status.hpp"
#include "right_accounting.hpp"

namespace emu_test {

// A new receive right in the calling task; the caller owns it.
inline mach_port_name_t new_receive() {
  mach_port_name_t name = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name),
                      KERN_SUCCESS);
  return name;
}

// A new receive right with a send right under the same name (1 uref).
inline mach_port_name_t new_receive_send() {
  mach_port_name_t name = new_receive();
  BOOST_REQUIRE_EQUAL(mach_port_insert_right(mach_task_self(), name, name, MACH_MSG_TYPE_MAKE_SEND),
                      KERN_SUCCESS);
  return name;
}

// Destroys the receive right and drops any send urefs on the name.
inline void drop_port(mach_port_name_t name) {
  mach_port_urefs_t refs = 0;
  if (mach_port_get_refs(mach_task_self(), name, MACH_PORT_RIGHT_SEND, &refs) == KERN_SUCCESS &&
      refs > 0)
    BOOST_CHECK_EQUAL(mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_SEND,
                                         -static_cast<mach_port_delta_t>(refs)),
                      KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1),
                    KERN_SUCCESS);
}

inline mach_port_type_t type_of(mach_port_name_t name) {
  mach_port_type_t type = 0;
  BOOST_REQUIRE_EQUAL(mach_port_type(mach_task_self(), name, &type), KERN_SUCCESS);
  return type;
}

inline kern_return_t type_kr(mach_port_name_t name) {
  mach_port_type_t type = 0;
  return mach_port_type(mach_task_self(), name, &type);
}

inline mach_port_urefs_t refs(mach_port_name_t name, mach_port_right_t right) {
  mach_port_urefs_t n = 0;
  BOOST_REQUIRE_EQUAL(mach_port_get_refs(mach_task_self(), name, right, &n), KERN_SUCCESS);
  return n;
}

inline mach_port_status_t status(mach_port_name_t name) { return machio_test::receive_status(name); }

// A simple message with an inline payload word.
struct simple_msg {
  mach_msg_header_t header;
  std::uint32_t payload;
};

// Room for any test message plus the largest trailer.
struct rcv_buffer {
  mach_msg_header_t header;
  std::uint8_t body[1024];
};

inline mach_msg_return_t send_simple(mach_port_name_t dest, mach_msg_type_name_t disp,
                                     mach_port_name_t reply = MACH_PORT_NULL,
                                     mach_msg_type_name_t reply_disp = 0, mach_msg_id_t id = 100,
                                     mach_msg_option_t extra = MACH_SEND_TIMEOUT,
                                     mach_msg_timeout_t timeout = 0) {
  simple_msg m{};
  m.header.msgh_bits = MACH_MSGH_BITS(disp, reply_disp);
  m.header.msgh_remote_port = dest;
  m.header.msgh_local_port = reply;
  m.header.msgh_id = id;
  m.header.msgh_size = sizeof m;
  m.payload = 0xC0FFEE;
  return mach_msg(&m.header, MACH_SEND_MSG | extra, sizeof m, 0, MACH_PORT_NULL, timeout,
                  MACH_PORT_NULL);
}

inline mach_msg_return_t receive(mach_port_name_t from, rcv_buffer& buf,
                                 mach_msg_option_t extra = MACH_RCV_TIMEOUT,
                                 mach_msg_timeout_t timeout = 0,
                                 mach_msg_size_t size = sizeof(rcv_buffer)) {
  std::memset(&buf, 0, sizeof buf);
  return mach_msg(&buf.header, MACH_RCV_MSG | extra, 0, size, from, timeout, MACH_PORT_NULL);
}

// Receives one message and releases every right it carries.
inline mach_msg_return_t receive_and_destroy(mach_port_name_t from, mach_msg_id_t* id = nullptr) {
  rcv_buffer buf;
  mach_msg_return_t mr = receive(from, buf);
  if (mr == MACH_MSG_SUCCESS) {
    if (id) *id = buf.header.msgh_id;
    mach_msg_destroy(&buf.header);
  }
  return mr;
}

// Receives the next message on `port` and checks that it is the MACH_NOTIFY_SEND_ONCE a
// destroyed send-once right leaves behind.
inline void expect_send_once_notification(mach_port_name_t port) {
  mach_msg_id_t id = 0;
  BOOST_CHECK_EQUAL(receive_and_destroy(port, &id), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(id, MACH_NOTIFY_SEND_ONCE);
}

// Sets the port's queue limit (mach_port_set_attributes, MACH_PORT_LIMITS_INFO).
inline void set_queue_limit(mach_port_name_t port, mach_port_msgcount_t limit) {
  mach_port_limits_t limits{limit};
  BOOST_REQUIRE_EQUAL(mach_port_set_attributes(mach_task_self(), port, MACH_PORT_LIMITS_INFO,
                                               reinterpret_cast<mach_port_info_t>(&limits),
                                               MACH_PORT_LIMITS_INFO_COUNT),
                      KERN_SUCCESS);
}

inline mach_port_name_t make_send_once(mach_port_name_t receive_name) {
  mach_port_name_t so = MACH_PORT_NULL;
  mach_msg_type_name_t got = 0;
  BOOST_REQUIRE_EQUAL(mach_port_extract_right(mach_task_self(), receive_name,
                                              MACH_MSG_TYPE_MAKE_SEND_ONCE, &so, &got),
                      KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(got, static_cast<mach_msg_type_name_t>(MACH_MSG_TYPE_PORT_SEND_ONCE));
  return so;
}

}  // namespace emu_test
