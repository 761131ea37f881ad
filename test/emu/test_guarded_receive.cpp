// SPDX-License-Identifier: BSL-1.0
// A receive right that arrives by mach_msg in a guarded port descriptor with
// MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE is guarded with the address of the receiver's
// buffer (XNU ipc_right_copyout, from the receiving thread's recv_msg_addr). Built in both
// modes (label emu, and label machd, where the buffer machd fills is not the receiver's).
#include <mach/mach.h>
#include <sys/event.h>

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdint>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {

const timespec five_seconds = {5, 0};

struct guarded_msg {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_guarded_port_descriptor_t port;
};

// Moves a new receive right to `dest` in an immovable-receive guarded descriptor.
void send_guarded_receive(mach_port_name_t dest) {
  mach_port_options_t o{};
  o.flags = MPO_CONTEXT_AS_GUARD;
  mach_port_name_t g = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_construct(mach_task_self(), &o, 0x99, &g), KERN_SUCCESS);
  guarded_msg m{};
  m.header.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.header.msgh_remote_port = dest;
  m.header.msgh_size = sizeof m;
  m.body.msgh_descriptor_count = 1;
  m.port.name = g;
  m.port.disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
  m.port.type = MACH_MSG_GUARDED_PORT_DESCRIPTOR;
  m.port.flags = MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE;
  m.port.context = 0x99;
  BOOST_REQUIRE_EQUAL(mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof m, 0,
                               MACH_PORT_NULL, 0, MACH_PORT_NULL),
                      MACH_MSG_SUCCESS);
}

// Checks that the received right is guarded by `buffer`'s address and destroys it with
// that guard (a wrong guard is refused).
void expect_guarded_by(const void* buffer) {
  const auto* r = static_cast<const guarded_msg*>(buffer);
  const mach_port_name_t name = r->port.name;
  const mach_port_context_t context = r->port.context;  // packed: copied out first
  const auto address = reinterpret_cast<std::uintptr_t>(buffer);
  BOOST_CHECK_EQUAL(context, address);
  BOOST_REQUIRE_EQUAL(type_of(name), MACH_PORT_TYPE_RECEIVE);
  BOOST_CHECK(status(name).mps_flags & MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE);
  BOOST_CHECK_EQUAL(mach_port_destruct(mach_task_self(), name, 0, address + 8), KERN_INVALID_ARGUMENT);
  BOOST_CHECK_EQUAL(mach_port_destruct(mach_task_self(), name, 0, address), KERN_SUCCESS);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(guarded_receive, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(mach_msg_guards_with_the_receive_buffer_address) {
  const mach_port_name_t p = new_receive_send();
  send_guarded_receive(p);
  // Received at an offset into a larger allocation, so that the address is nobody's
  // default.
  alignas(8) std::byte storage[64 + sizeof(rcv_buffer)] = {};
  auto* buf = reinterpret_cast<mach_msg_header_t*>(storage + 64);
  BOOST_REQUIRE_EQUAL(mach_msg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH_RCV_GUARDED_DESC, 0,
                               sizeof(rcv_buffer), p, 0, MACH_PORT_NULL),
                      MACH_MSG_SUCCESS);
  expect_guarded_by(buf);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(a_separate_receive_buffer_is_the_one_that_counts) {
  const mach_port_name_t p = new_receive_send();
  send_guarded_receive(p);
  guarded_msg send_side{};
  alignas(8) std::byte storage[sizeof(rcv_buffer)] = {};
  auto* rcv = reinterpret_cast<mach_msg_header_t*>(storage);
  BOOST_REQUIRE_EQUAL(mach_msg_overwrite(&send_side.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH_RCV_GUARDED_DESC,
                                         0, sizeof(rcv_buffer), p, 0, MACH_PORT_NULL, rcv, 0),
                      MACH_MSG_SUCCESS);
  expect_guarded_by(rcv);
  drop_port(p);
}

// XNU's EVFILT_MACHPORT honours only MACH_RCV_MSG, LARGE, LARGE_IDENTITY, the trailer
// bits, VOUCHER and STRICT_REPLY among a knote's receive options (filt_machportprocess):
// a direct receive never asks for guarded descriptors, so the right is destroyed.
BOOST_AUTO_TEST_CASE(a_kevent_direct_receive_drops_a_guarded_right) {
  const mach_port_name_t p = new_receive_send();
  const int kq = ::kqueue();
  BOOST_REQUIRE_GE(kq, 0);
  alignas(8) std::byte storage[sizeof(rcv_buffer)] = {};
  kevent64_s ch{};
  EV_SET64(&ch, p, EVFILT_MACHPORT, EV_ADD, MACH_RCV_MSG | MACH_RCV_GUARDED_DESC, 0, 0,
           reinterpret_cast<std::uintptr_t>(storage), sizeof(rcv_buffer));
  BOOST_REQUIRE_EQUAL(kevent64(kq, &ch, 1, nullptr, 0, 0, nullptr), 0);
  send_guarded_receive(p);
  kevent64_s ev{};
  BOOST_REQUIRE_EQUAL(kevent64(kq, nullptr, 0, &ev, 1, 0, &five_seconds), 1);
  BOOST_CHECK_EQUAL(ev.fflags, static_cast<std::uint32_t>(MACH_MSG_SUCCESS));
  const auto* r = reinterpret_cast<const guarded_msg*>(storage);
  const mach_port_name_t name = r->port.name;
  const mach_port_context_t context = r->port.context;
  BOOST_CHECK_EQUAL(name, MACH_PORT_NULL);
  BOOST_CHECK_EQUAL(context, 0u);
  BOOST_CHECK_EQUAL(::close(kq), 0);
  drop_port(p);
}

BOOST_AUTO_TEST_SUITE_END()
