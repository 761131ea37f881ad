// SPDX-License-Identifier: BSL-1.0
// §5: port, OOL memory, OOL ports and guarded port descriptors; malformed bodies.
#include <mach/mach.h>
#include <sys/mman.h>

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "emu_test_util.hpp"
#include "testing/machemu_testing.h"

static unsigned long machemu_port_count_wrapper() { return machemu_port_count(); }

using namespace emu_test;

namespace {
const mach_port_t self = mach_task_self();

struct port_msg {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_port_descriptor_t port;
};
struct ool_msg {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_ool_descriptor_t ool;
};
struct ool_ports_msg {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_ool_ports_descriptor_t ports;
};
struct guarded_msg {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_guarded_port_descriptor_t port;
};

template <class M>
M complex_to(mach_port_name_t dest) {
  M m{};
  m.header.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.header.msgh_remote_port = dest;
  m.header.msgh_id = 5;
  m.body.msgh_descriptor_count = 1;
  return m;
}

template <class M>
mach_msg_return_t send_msg(M& m, mach_msg_size_t size = sizeof(M)) {
  return mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

// A new receive right guarded with `guard` (MPO_CONTEXT_AS_GUARD).
mach_port_name_t guarded_receive(mach_port_context_t guard) {
  mach_port_options_t o{};
  o.flags = MPO_CONTEXT_AS_GUARD;
  mach_port_name_t g = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_construct(self, &o, guard, &g), KERN_SUCCESS);
  return g;
}

// A message to `dest` moving the receive right `g` in a guarded port descriptor (flags and
// context left for the test to set).
guarded_msg guarded_move_to(mach_port_name_t dest, mach_port_name_t g) {
  auto m = complex_to<guarded_msg>(dest);
  m.port.name = g;
  m.port.disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
  m.port.type = MACH_MSG_GUARDED_PORT_DESCRIPTOR;
  return m;
}

mach_msg_port_descriptor_t port_desc(mach_port_name_t name, mach_msg_type_name_t disp) {
  mach_msg_port_descriptor_t d{};
  d.name = name;
  d.disposition = disp;
  d.type = MACH_MSG_PORT_DESCRIPTOR;
  return d;
}
}  // namespace

BOOST_FIXTURE_TEST_SUITE(descriptors, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(port_descriptor_dispositions) {
  mach_port_name_t p = new_receive_send();
  const struct { mach_msg_type_name_t disp; mach_msg_type_name_t got; } cases[] = {
      {MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_PORT_SEND}, {MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_PORT_SEND},
      {MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_MSG_TYPE_PORT_SEND_ONCE}};
  for (const auto& c : cases) {
    mach_port_name_t q = new_receive();
    if (c.disp == MACH_MSG_TYPE_COPY_SEND)
      BOOST_REQUIRE_EQUAL(mach_port_insert_right(self, q, q, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
    auto m = complex_to<port_msg>(p);
    m.port = port_desc(q, c.disp);
    BOOST_REQUIRE_EQUAL(send_msg(m), MACH_MSG_SUCCESS);
    rcv_buffer buf;
    BOOST_REQUIRE_EQUAL(receive(p, buf), MACH_MSG_SUCCESS);
    const auto* r = reinterpret_cast<const port_msg*>(&buf);
    BOOST_CHECK(r->header.msgh_bits & MACH_MSGH_BITS_COMPLEX);
    BOOST_CHECK_EQUAL(r->body.msgh_descriptor_count, 1u);
    BOOST_CHECK_EQUAL(r->port.disposition, c.got);
    if (c.got == MACH_MSG_TYPE_PORT_SEND) {
      BOOST_CHECK_EQUAL(r->port.name, q);  // coalesces onto the receive right's name
      BOOST_CHECK_EQUAL(type_of(q), MACH_PORT_TYPE_SEND_RECEIVE);
    } else {
      BOOST_CHECK_NE(r->port.name, q);
      BOOST_CHECK_EQUAL(type_of(r->port.name), MACH_PORT_TYPE_SEND_ONCE);
      BOOST_CHECK_EQUAL(mach_port_deallocate(self, r->port.name), KERN_SUCCESS);
    }
    drop_port(q);
  }
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(move_receive_and_null_dead_names) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t q = new_receive();
  BOOST_REQUIRE_EQUAL(mach_port_set_mscount(self, q, 3), KERN_SUCCESS);
  auto m = complex_to<port_msg>(p);
  m.port = port_desc(q, MACH_MSG_TYPE_MOVE_RECEIVE);
  BOOST_REQUIRE_EQUAL(send_msg(m), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(type_kr(q), KERN_INVALID_NAME);
  rcv_buffer buf;
  BOOST_REQUIRE_EQUAL(receive(p, buf), MACH_MSG_SUCCESS);
  const auto* r = reinterpret_cast<const port_msg*>(&buf);
  BOOST_CHECK_EQUAL(r->port.disposition, static_cast<mach_msg_type_name_t>(MACH_MSG_TYPE_PORT_RECEIVE));
  BOOST_CHECK_EQUAL(type_of(r->port.name), MACH_PORT_TYPE_RECEIVE);
  BOOST_CHECK_EQUAL(status(r->port.name).mps_mscount, 0u);  // reset by the move
  drop_port(r->port.name);
  for (mach_port_name_t special : {mach_port_name_t{MACH_PORT_NULL}, mach_port_name_t{MACH_PORT_DEAD}}) {
    m = complex_to<port_msg>(p);
    m.port = port_desc(special, MACH_MSG_TYPE_MOVE_SEND);
    BOOST_REQUIRE_EQUAL(send_msg(m), MACH_MSG_SUCCESS);
    BOOST_REQUIRE_EQUAL(receive(p, buf), MACH_MSG_SUCCESS);
    BOOST_CHECK_EQUAL(r->port.name, special);
  }
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(bad_body_right_is_not_atomic_for_header) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t reply = new_receive();
  auto m = complex_to<port_msg>(p);
  m.header.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  m.header.msgh_local_port = reply;
  m.port = port_desc(0x7D0003, MACH_MSG_TYPE_COPY_SEND);
  BOOST_CHECK_EQUAL(send_msg(m), MACH_SEND_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  // The made send-once reply right was destroyed: its notification is on `reply`.
  expect_send_once_notification(reply);
  drop_port(p);
  drop_port(reply);
}

BOOST_AUTO_TEST_CASE(malformed_descriptors_change_nothing) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t q = new_receive_send();
  auto m = complex_to<port_msg>(p);
  m.port = port_desc(q, MACH_MSG_TYPE_MOVE_SEND);
  m.port.type = 7;
  BOOST_CHECK_EQUAL(send_msg(m), MACH_SEND_INVALID_TYPE);
  m.port.type = MACH_MSG_PORT_DESCRIPTOR;
  BOOST_CHECK_EQUAL(send_msg(m, sizeof(port_msg) - 4), MACH_SEND_MSG_TOO_SMALL);
  m.body.msgh_descriptor_count = 0x40000000;
  BOOST_CHECK_EQUAL(send_msg(m), MACH_SEND_MSG_TOO_SMALL);
  m.body.msgh_descriptor_count = 1;
  // A disposition that is not a port right is found at body copy-in, as a right the name
  // does not hold (XNU); the copied-in header right goes with the message.
  m.port.disposition = 25;
  BOOST_CHECK_EQUAL(send_msg(m), MACH_SEND_INVALID_RIGHT);
  auto o = complex_to<ool_msg>(p);
  o.ool.type = MACH_MSG_OOL_DESCRIPTOR;
  o.ool.copy = MACH_MSG_ALLOCATE;
  BOOST_CHECK_EQUAL(send_msg(o), MACH_SEND_INVALID_TYPE);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  BOOST_CHECK_EQUAL(refs(q, MACH_PORT_RIGHT_SEND), 1u);
  drop_port(p);
  drop_port(q);
}

// XNU checks a descriptor's disposition when it copies the right in, after the header's:
// a wrong one on a valid name destroys the header rights already copied in (a made
// send-once reply right leaves its notification), and on MACH_PORT_NULL or MACH_PORT_DEAD
// it is not looked at: the descriptor arrives with disposition MACH_MSG_TYPE_PORT_NONE.
BOOST_AUTO_TEST_CASE(dispositions_are_checked_at_body_copy_in) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t q = new_receive_send();
  mach_port_name_t reply = new_receive();
  auto m = complex_to<port_msg>(p);
  m.header.msgh_bits |= MACH_MSGH_BITS(0, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  m.header.msgh_local_port = reply;
  for (mach_msg_type_name_t bad : {0u, 15u, 22u, 25u}) {
    BOOST_TEST_CONTEXT("disposition " << bad) {
      m.port = port_desc(q, bad);
      BOOST_CHECK_EQUAL(send_msg(m), MACH_SEND_INVALID_RIGHT);
      expect_send_once_notification(reply);
    }
  }
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  BOOST_CHECK_EQUAL(refs(q, MACH_PORT_RIGHT_SEND), 1u);

  for (mach_port_name_t name : {mach_port_name_t{MACH_PORT_NULL}, mach_port_name_t{MACH_PORT_DEAD}}) {
    BOOST_TEST_CONTEXT("name " << name) {
      auto n = complex_to<port_msg>(p);
      n.port = port_desc(name, 25);
      BOOST_REQUIRE_EQUAL(send_msg(n), MACH_MSG_SUCCESS);
      rcv_buffer buf;
      BOOST_REQUIRE_EQUAL(receive(p, buf), MACH_MSG_SUCCESS);
      const auto* r = reinterpret_cast<const port_msg*>(&buf);
      BOOST_CHECK_EQUAL(r->port.name, name);
      BOOST_CHECK_EQUAL(r->port.disposition, 0u);
      mach_msg_destroy(&buf.header);
    }
  }
  // The same for an OOL ports array: only its valid names are checked.
  mach_port_name_t names[2] = {MACH_PORT_NULL, MACH_PORT_DEAD};
  auto o = complex_to<ool_ports_msg>(p);
  o.ports.address = names;
  o.ports.count = 2;
  o.ports.disposition = 25;
  o.ports.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
  BOOST_REQUIRE_EQUAL(send_msg(o), MACH_MSG_SUCCESS);
  rcv_buffer buf;
  BOOST_REQUIRE_EQUAL(receive(p, buf), MACH_MSG_SUCCESS);
  const auto* r = reinterpret_cast<const ool_ports_msg*>(&buf);
  BOOST_CHECK_EQUAL(r->ports.disposition, 0u);
  mach_msg_destroy(&buf.header);
  names[1] = q;
  BOOST_CHECK_EQUAL(send_msg(o), MACH_SEND_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(refs(q, MACH_PORT_RIGHT_SEND), 1u);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  drop_port(p);
  drop_port(q);
  drop_port(reply);
}

BOOST_AUTO_TEST_CASE(ool_memory_copy_and_deallocate) {
  mach_port_name_t p = new_receive_send();
  const vm_size_t size = 3 * 4096 + 100;
  for (int copy : {MACH_MSG_PHYSICAL_COPY, MACH_MSG_VIRTUAL_COPY}) {
    for (bool dealloc : {false, true}) {
      vm_address_t src = 0;
      BOOST_REQUIRE_EQUAL(vm_allocate(self, &src, size, VM_FLAGS_ANYWHERE), KERN_SUCCESS);
      std::memset(reinterpret_cast<void*>(src), 0x5A, size);
      auto m = complex_to<ool_msg>(p);
      m.ool.address = reinterpret_cast<void*>(src);
      m.ool.size = static_cast<mach_msg_size_t>(size);
      m.ool.copy = static_cast<mach_msg_copy_options_t>(copy);
      m.ool.deallocate = dealloc;
      m.ool.type = MACH_MSG_OOL_DESCRIPTOR;
      BOOST_REQUIRE_EQUAL(send_msg(m), MACH_MSG_SUCCESS);
      if (!dealloc) {
        std::memset(reinterpret_cast<void*>(src), 0x11, size);  // the snapshot is unaffected
        BOOST_CHECK_EQUAL(vm_deallocate(self, src, size), KERN_SUCCESS);
      }
      rcv_buffer buf;
      BOOST_REQUIRE_EQUAL(receive(p, buf), MACH_MSG_SUCCESS);
      const auto* r = reinterpret_cast<const ool_msg*>(&buf);
      const mach_msg_size_t got_size = r->ool.size;
      BOOST_CHECK_EQUAL(got_size, size);
      BOOST_CHECK_EQUAL(r->ool.copy, copy);
      BOOST_CHECK_EQUAL(r->ool.deallocate, copy == MACH_MSG_VIRTUAL_COPY);
      BOOST_REQUIRE(r->ool.address != nullptr);
      BOOST_CHECK_NE(reinterpret_cast<vm_address_t>(r->ool.address), 0u);
      const auto* bytes = static_cast<const std::uint8_t*>(r->ool.address);
      BOOST_CHECK_EQUAL(bytes[0], 0x5A);
      BOOST_CHECK_EQUAL(bytes[size - 1], 0x5A);
      BOOST_CHECK_EQUAL(vm_deallocate(self, reinterpret_cast<vm_address_t>(r->ool.address), size), KERN_SUCCESS);
    }
  }
  // Size 0 arrives as address 0.
  auto m = complex_to<ool_msg>(p);
  m.ool.type = MACH_MSG_OOL_DESCRIPTOR;
  BOOST_REQUIRE_EQUAL(send_msg(m), MACH_MSG_SUCCESS);
  rcv_buffer buf;
  BOOST_REQUIRE_EQUAL(receive(p, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK(reinterpret_cast<const ool_msg*>(&buf)->ool.address == nullptr);
  drop_port(p);
}

// A send that times out pseudo-receives the message: the body is copied out as a receive
// would, so the regions the sender gets back carry the receive-side flags and
// mach_msg_destroy unmaps them.
BOOST_AUTO_TEST_CASE(pseudo_received_ool_regions_carry_receive_flags) {
  mach_port_name_t p = new_receive_send();
  set_queue_limit(p, 1);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);  // now full
  static std::uint8_t source[3 * 4096];
  std::memset(source, 0x6B, sizeof source);
  for (int copy : {MACH_MSG_PHYSICAL_COPY, MACH_MSG_VIRTUAL_COPY}) {
    auto m = complex_to<ool_msg>(p);
    m.ool.address = source;
    m.ool.size = sizeof source;
    m.ool.copy = static_cast<mach_msg_copy_options_t>(copy);
    m.ool.deallocate = false;
    m.ool.type = MACH_MSG_OOL_DESCRIPTOR;
    BOOST_REQUIRE_EQUAL(send_msg(m), MACH_SEND_TIMED_OUT);
    BOOST_CHECK_EQUAL(m.ool.deallocate, copy == MACH_MSG_VIRTUAL_COPY);
    BOOST_REQUIRE(m.ool.address != nullptr);
    BOOST_REQUIRE(m.ool.address != static_cast<void*>(source));
    BOOST_CHECK_EQUAL(static_cast<const std::uint8_t*>(m.ool.address)[sizeof source - 1], 0x6B);
    void* copy_back = m.ool.address;
    if (copy == MACH_MSG_VIRTUAL_COPY) {
      mach_msg_destroy(&m.header);  // unmaps the region it was handed back
      BOOST_CHECK_EQUAL(::msync(copy_back, sizeof source, MS_ASYNC), -1);
      BOOST_CHECK_EQUAL(errno, ENOMEM);
    } else {
      BOOST_CHECK_EQUAL(vm_deallocate(self, reinterpret_cast<vm_address_t>(copy_back), sizeof source), KERN_SUCCESS);
      mach_msg_destroy(&m.header);
    }
  }
  mach_port_name_t names[1] = {p};
  auto m = complex_to<ool_ports_msg>(p);
  m.ports.address = names;
  m.ports.count = 1;
  m.ports.disposition = MACH_MSG_TYPE_COPY_SEND;
  m.ports.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
  BOOST_REQUIRE_EQUAL(send_msg(m), MACH_SEND_TIMED_OUT);
  BOOST_CHECK_EQUAL(m.ports.deallocate, true);
  BOOST_CHECK_EQUAL(m.ports.copy, MACH_MSG_VIRTUAL_COPY);
  BOOST_REQUIRE(m.ports.address != static_cast<void*>(names));
  mach_msg_destroy(&m.header);  // releases the returned right and the array
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(ool_ports) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t a = new_receive_send(), b = new_receive_send();
  mach_port_name_t names[3] = {a, MACH_PORT_NULL, b};
  auto m = complex_to<ool_ports_msg>(p);
  m.ports.address = names;
  m.ports.count = 3;
  m.ports.disposition = MACH_MSG_TYPE_COPY_SEND;
  m.ports.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
  BOOST_REQUIRE_EQUAL(send_msg(m), MACH_MSG_SUCCESS);
  rcv_buffer buf;
  BOOST_REQUIRE_EQUAL(receive(p, buf), MACH_MSG_SUCCESS);
  const auto* r = reinterpret_cast<const ool_ports_msg*>(&buf);
  const mach_msg_size_t count = r->ports.count;
  BOOST_CHECK_EQUAL(count, 3u);
  BOOST_CHECK_EQUAL(r->ports.disposition, static_cast<mach_msg_type_name_t>(MACH_MSG_TYPE_PORT_SEND));
  BOOST_CHECK_EQUAL(r->ports.deallocate, true);
  const auto* got = static_cast<const mach_port_name_t*>(r->ports.address);
  BOOST_REQUIRE(got != nullptr);
  BOOST_CHECK_EQUAL(got[0], a);
  BOOST_CHECK_EQUAL(got[1], MACH_PORT_NULL);
  BOOST_CHECK_EQUAL(got[2], b);
  BOOST_CHECK_EQUAL(refs(a, MACH_PORT_RIGHT_SEND), 2u);
  mach_msg_destroy(&buf.header);  // releases the rights and the array
  BOOST_CHECK_EQUAL(refs(a, MACH_PORT_RIGHT_SEND), 1u);
  // A bad name partway: nothing is sent and the earlier names keep their urefs.
  names[1] = 0x7D0003;
  BOOST_CHECK_EQUAL(send_msg(m), MACH_SEND_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(refs(a, MACH_PORT_RIGHT_SEND), 1u);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  drop_port(a);
  drop_port(b);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(guarded_port_descriptor) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t g = guarded_receive(0x99);
  auto m = guarded_move_to(p, g);
  m.port.flags = MACH_MSG_GUARD_FLAGS_NONE;
  m.port.context = 0x99;
  BOOST_CHECK_EQUAL(send_msg(m), MACH_SEND_INVALID_TYPE);  // flags 0 is refused
  m.port.flags = MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE;
  m.port.disposition = MACH_MSG_TYPE_COPY_SEND;
  BOOST_CHECK_EQUAL(send_msg(m), MACH_SEND_INVALID_TYPE);
  m.port.disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
  m.port.flags = MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND;
  m.port.context = 5;  // UNGUARDED_ON_SEND needs context 0
  BOOST_CHECK_EQUAL(send_msg(m), MACH_SEND_INVALID_TYPE);
  BOOST_CHECK_EQUAL(type_of(g), MACH_PORT_TYPE_RECEIVE);
  m.port.flags = MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE;
  m.port.context = 0x99;
  BOOST_REQUIRE_EQUAL(send_msg(m), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(type_kr(g), KERN_INVALID_NAME);
  rcv_buffer buf;
  BOOST_REQUIRE_EQUAL(receive(p, buf, MACH_RCV_TIMEOUT | MACH_RCV_GUARDED_DESC), MACH_MSG_SUCCESS);
  const auto* r = reinterpret_cast<const guarded_msg*>(&buf);
  BOOST_CHECK_EQUAL(r->port.disposition, static_cast<mach_msg_type_name_t>(MACH_MSG_TYPE_PORT_RECEIVE));
  BOOST_CHECK_EQUAL(type_of(r->port.name), MACH_PORT_TYPE_RECEIVE);
  BOOST_CHECK(status(r->port.name).mps_flags & MACH_PORT_STATUS_FLAG_GUARDED);
  BOOST_CHECK_EQUAL(mach_port_destruct(self, r->port.name, 0, r->port.context), KERN_SUCCESS);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(guarded_descriptor_without_rcv_guarded_desc_is_dropped) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t g = new_receive();
  auto m = guarded_move_to(p, g);
  m.port.flags = MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND;
  BOOST_REQUIRE_EQUAL(send_msg(m), MACH_MSG_SUCCESS);
  const unsigned long ports = machemu_port_count_wrapper();
  rcv_buffer buf;
  BOOST_REQUIRE_EQUAL(receive(p, buf), MACH_MSG_SUCCESS);
  const auto* r = reinterpret_cast<const guarded_msg*>(&buf);
  BOOST_CHECK_EQUAL(r->port.name, MACH_PORT_NULL);
  const mach_port_context_t context = r->port.context;  // packed: copy before binding
  BOOST_CHECK_EQUAL(context, 0u);
  BOOST_CHECK_EQUAL(machemu_port_count_wrapper(), ports - 1);
  drop_port(p);
}

// §4.4 step 8: an OOL range whose end wraps past 2^64 is bad memory; nothing is queued and
// the header's copied send right is released again, so the sender's space is unchanged.
BOOST_AUTO_TEST_CASE(ool_range_that_wraps_is_invalid_memory) {
  mach_port_name_t p = new_receive_send();
  auto m = complex_to<ool_msg>(p);
  m.ool.type = MACH_MSG_OOL_DESCRIPTOR;
  m.ool.copy = MACH_MSG_VIRTUAL_COPY;
  m.ool.address = reinterpret_cast<void*>(~std::uintptr_t{0} - 0xFFF);
  m.ool.size = 0x2000;
  BOOST_CHECK_EQUAL(send_msg(m), MACH_SEND_INVALID_MEMORY);
  m.ool.deallocate = TRUE;  // asking for deallocation changes nothing either
  BOOST_CHECK_EQUAL(send_msg(m), MACH_SEND_INVALID_MEMORY);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(status(p).mps_seqno, 0u);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  BOOST_CHECK_EQUAL(type_of(p), MACH_PORT_TYPE_SEND_RECEIVE);
  drop_port(p);
}

// A huge size at an address nothing is mapped at: MACH_SEND_INVALID_MEMORY, not an
// allocation failure or a crash (the fuzzer's find), and nothing is queued.
BOOST_AUTO_TEST_CASE(ool_huge_size_at_an_unmapped_address_is_invalid_memory) {
  mach_port_name_t p = new_receive_send();
  const unsigned long ports = machemu_port_count_wrapper();
  for (mach_msg_copy_options_t copy : {MACH_MSG_PHYSICAL_COPY, MACH_MSG_VIRTUAL_COPY}) {
    auto m = complex_to<ool_msg>(p);
    m.ool.type = MACH_MSG_OOL_DESCRIPTOR;
    m.ool.copy = copy;
    m.ool.address = reinterpret_cast<void*>(std::uintptr_t{0x1000});  // page 1: never mapped
    m.ool.size = 0xF0000000u;
    BOOST_CHECK_EQUAL(send_msg(m), MACH_SEND_INVALID_MEMORY);
  }
  // The same for an OOL ports array.
  auto o = complex_to<ool_ports_msg>(p);
  o.ports.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
  o.ports.disposition = MACH_MSG_TYPE_COPY_SEND;
  o.ports.address = reinterpret_cast<void*>(std::uintptr_t{0x1000});
  o.ports.count = 0x3FFF;
  BOOST_CHECK_EQUAL(send_msg(o), MACH_SEND_INVALID_MEMORY);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  BOOST_CHECK_EQUAL(machemu_port_count_wrapper(), ports);
  drop_port(p);
}

// §4.4 step 9: a message carrying the receive right of its own destination is destroyed and
// the send reports success. The receive right went into the message, so the port dies with
// it: the name keeps only its send right, which is now a dead name.
BOOST_AUTO_TEST_CASE(receive_right_sent_to_its_own_port_destroys_the_port) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t n = new_receive();
  mach_port_name_t prev = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_request_notification(self, p, MACH_NOTIFY_DEAD_NAME, 0, n,
                                                     MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev),
                      KERN_SUCCESS);
  const unsigned long ports = machemu_port_count_wrapper();
  auto m = complex_to<port_msg>(p);
  m.port = port_desc(p, MACH_MSG_TYPE_MOVE_RECEIVE);
  BOOST_REQUIRE_EQUAL(send_msg(m), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(machemu_port_count_wrapper(), ports - 1);
  BOOST_CHECK_EQUAL(type_of(p), MACH_PORT_TYPE_DEAD_NAME);
  // One uref for the send right, one more for the dead-name notification.
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_DEAD_NAME), 2u);
  mach_msg_id_t id = 0;
  BOOST_CHECK_EQUAL(receive_and_destroy(n, &id), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(id, MACH_NOTIFY_DEAD_NAME);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_DEAD_NAME, -2), KERN_SUCCESS);
  // With MAKE_SEND on a receive-only name, nothing is left under the name at all.
  mach_port_name_t q = new_receive();
  m = complex_to<port_msg>(q);
  m.header.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
  m.port = port_desc(q, MACH_MSG_TYPE_MOVE_RECEIVE);
  BOOST_REQUIRE_EQUAL(send_msg(m), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(type_kr(q), KERN_INVALID_NAME);
  BOOST_CHECK_EQUAL(machemu_port_count_wrapper(), ports - 1);
  drop_port(n);
}

// Circularity through a receive right already in transit: p's receive right sent to q while
// q's receive right waits in p's queue. Both ports die; their send rights become dead names.
BOOST_AUTO_TEST_CASE(receive_right_cycle_through_a_queued_message_is_destroyed) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t q = new_receive_send();
  const unsigned long ports = machemu_port_count_wrapper();
  auto m = complex_to<port_msg>(p);
  m.port = port_desc(q, MACH_MSG_TYPE_MOVE_RECEIVE);
  BOOST_REQUIRE_EQUAL(send_msg(m), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(type_of(q), MACH_PORT_TYPE_SEND);
  m = complex_to<port_msg>(q);
  m.port = port_desc(p, MACH_MSG_TYPE_MOVE_RECEIVE);
  BOOST_REQUIRE_EQUAL(send_msg(m), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(machemu_port_count_wrapper(), ports - 2);
  BOOST_CHECK_EQUAL(type_of(p), MACH_PORT_TYPE_DEAD_NAME);
  BOOST_CHECK_EQUAL(type_of(q), MACH_PORT_TYPE_DEAD_NAME);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, p), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, q), KERN_SUCCESS);
}

// §11: a guarded descriptor whose context is not the port's guard is a bad body right; the
// port stays where it was, guarded as before.
BOOST_AUTO_TEST_CASE(guarded_descriptor_with_the_wrong_context) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t g = guarded_receive(0x99);
  auto m = guarded_move_to(p, g);
  m.port.flags = MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE;
  m.port.context = 0x98;
  BOOST_CHECK_EQUAL(send_msg(m), MACH_SEND_INVALID_RIGHT);
  // UNGUARDED_ON_SEND (context 0) on a guarded port is refused the same way.
  m.port.flags = MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND;
  m.port.context = 0;
  BOOST_CHECK_EQUAL(send_msg(m), MACH_SEND_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(type_of(g), MACH_PORT_TYPE_RECEIVE);
  BOOST_CHECK(status(g).mps_flags & MACH_PORT_STATUS_FLAG_GUARDED);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  BOOST_CHECK_EQUAL(mach_port_destruct(self, g, 0, 0x99), KERN_SUCCESS);
  drop_port(p);
}

BOOST_AUTO_TEST_SUITE_END()
