// SPDX-License-Identifier: BSL-1.0
// §4.3/§4.5: a sent message's size is mach_msg's send_size; the header's msgh_size is
// ignored on send (MIG's user stubs never set it) and the receiver sees the sent size.
// Built twice: in the in-process mode (label emu) and through machd (label machd), where
// regions from 64 KiB on travel as memfds.
#include <mach/mach.h>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {
const mach_port_t self = mach_task_self();

// Header sizes that are 0, smaller and larger than the size actually sent.
constexpr mach_msg_size_t header_sizes[] = {0, sizeof(mach_msg_header_t), 8, 4096, 0xFFFFFFF0u};

struct inline_msg {
  mach_msg_header_t header;
  std::uint32_t words[6];
};

struct ool_msg {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_ool_descriptor_t ool;
  std::uint32_t tail;
};

mach_msg_return_t send_with(mach_msg_header_t& h, mach_msg_size_t send_size) {
  return mach_msg(&h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, send_size, 0, MACH_PORT_NULL, 0,
                  MACH_PORT_NULL);
}

// The trailer the receive appended right after `size` bytes.
mach_msg_trailer_t trailer_at(const rcv_buffer& buf, mach_msg_size_t size) {
  mach_msg_trailer_t t;
  std::memcpy(&t, reinterpret_cast<const std::uint8_t*>(&buf) + size, sizeof t);
  return t;
}

ool_msg ool_to(mach_port_name_t dest, const void* data, mach_msg_size_t size) {
  ool_msg m{};
  m.header.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.header.msgh_remote_port = dest;
  m.header.msgh_id = 77;
  m.body.msgh_descriptor_count = 1;
  m.ool.address = const_cast<void*>(data);
  m.ool.size = size;
  m.ool.copy = MACH_MSG_VIRTUAL_COPY;
  m.ool.type = MACH_MSG_OOL_DESCRIPTOR;
  m.tail = 0x7A11;
  return m;
}

std::vector<std::uint8_t> pattern(std::size_t size) {
  std::vector<std::uint8_t> v(size);
  for (std::size_t i = 0; i < size; ++i) v[i] = static_cast<std::uint8_t>(i * 13 + size % 7);
  return v;
}

// 4 KiB goes inside machd's request; 256 KiB as a sealed memfd.
constexpr mach_msg_size_t region_sizes[] = {4096, 256 * 1024};
}  // namespace

BOOST_FIXTURE_TEST_SUITE(send_size, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(an_inline_message_is_as_long_as_send_size_whatever_its_header_says) {
  mach_port_name_t p = new_receive_send();
  for (mach_msg_size_t claimed : header_sizes) {
    BOOST_TEST_CONTEXT("msgh_size " << claimed) {
      inline_msg m{};
      m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
      m.header.msgh_remote_port = p;
      m.header.msgh_size = claimed;
      m.header.msgh_id = 9;
      for (std::uint32_t i = 0; i < 6; ++i) m.words[i] = 0xA0 + i;
      // Only the first four words are sent.
      const mach_msg_size_t sent = sizeof(mach_msg_header_t) + 4 * sizeof(std::uint32_t);
      BOOST_REQUIRE_EQUAL(send_with(m.header, sent), MACH_MSG_SUCCESS);
      rcv_buffer buf;
      std::memset(&buf, 0xEE, sizeof buf);
      BOOST_REQUIRE_EQUAL(mach_msg(&buf.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof buf, p, 0,
                                   MACH_PORT_NULL),
                          MACH_MSG_SUCCESS);
      BOOST_CHECK_EQUAL(buf.header.msgh_size, sent);
      const auto* r = reinterpret_cast<const inline_msg*>(&buf);
      BOOST_CHECK_EQUAL(r->words[0], 0xA0u);
      BOOST_CHECK_EQUAL(r->words[3], 0xA3u);
      const mach_msg_trailer_t t = trailer_at(buf, sent);
      BOOST_CHECK_EQUAL(t.msgh_trailer_type, static_cast<mach_msg_trailer_type_t>(MACH_MSG_TRAILER_FORMAT_0));
      BOOST_CHECK_EQUAL(t.msgh_trailer_size, sizeof(mach_msg_trailer_t));
    }
  }
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(an_ool_message_is_as_long_as_send_size_whatever_its_header_says) {
  mach_port_name_t p = new_receive_send();
  for (mach_msg_size_t region : region_sizes) {
    const std::vector<std::uint8_t> data = pattern(region);
    for (mach_msg_size_t claimed : header_sizes) {
      BOOST_TEST_CONTEXT("region " << region << ", msgh_size " << claimed) {
        ool_msg m = ool_to(p, data.data(), region);
        m.header.msgh_size = claimed;
        BOOST_REQUIRE_EQUAL(send_with(m.header, sizeof m), MACH_MSG_SUCCESS);
        rcv_buffer buf;
        BOOST_REQUIRE_EQUAL(receive(p, buf), MACH_MSG_SUCCESS);
        BOOST_CHECK_EQUAL(buf.header.msgh_size, sizeof(ool_msg));
        const auto* r = reinterpret_cast<const ool_msg*>(&buf);
        BOOST_CHECK_EQUAL(r->tail, 0x7A11u);
        const mach_msg_size_t got = r->ool.size;
        BOOST_CHECK_EQUAL(got, region);
        BOOST_REQUIRE(r->ool.address != nullptr);
        BOOST_CHECK(std::memcmp(r->ool.address, data.data(), region) == 0);
        mach_msg_destroy(&buf.header);  // virtual copy: deallocate is set, the region goes
      }
    }
  }
  drop_port(p);
}

// A send that times out hands the message back as a receive would: with the sent size in
// msgh_size, and its regions mapped anew (through machd, patched into the buffer, which
// needs the descriptors to be found although the header said 0).
BOOST_AUTO_TEST_CASE(a_pseudo_received_message_has_the_sent_size) {
  mach_port_name_t p = new_receive_send();
  mach_port_limits_t none{0};
  BOOST_REQUIRE_EQUAL(mach_port_set_attributes(self, p, MACH_PORT_LIMITS_INFO,
                                               reinterpret_cast<mach_port_info_t>(&none),
                                               MACH_PORT_LIMITS_INFO_COUNT),
                      KERN_SUCCESS);
  for (mach_msg_size_t region : region_sizes) {
    BOOST_TEST_CONTEXT("region " << region) {
      const std::vector<std::uint8_t> data = pattern(region);
      ool_msg m = ool_to(p, data.data(), region);
      m.header.msgh_size = 0;
      BOOST_REQUIRE_EQUAL(send_with(m.header, sizeof m), MACH_SEND_TIMED_OUT);
      BOOST_CHECK_EQUAL(m.header.msgh_size, sizeof m);
      BOOST_REQUIRE(m.ool.address != nullptr);
      BOOST_CHECK(m.ool.address != static_cast<const void*>(data.data()));
      BOOST_CHECK(std::memcmp(m.ool.address, data.data(), region) == 0);
      mach_msg_destroy(&m.header);  // the returned send right and region
    }
  }
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  drop_port(p);
}

// A complex message whose header claims more than was sent: the descriptors are read from
// the send_size bytes only, so one past them makes the message too small.
BOOST_AUTO_TEST_CASE(descriptors_beyond_send_size_are_not_read) {
  mach_port_name_t p = new_receive_send();
  const std::vector<std::uint8_t> data = pattern(4096);
  ool_msg m = ool_to(p, data.data(), 4096);
  m.header.msgh_size = sizeof m;
  const mach_msg_size_t short_size = sizeof(mach_msg_base_t) + 8;
  BOOST_CHECK_EQUAL(send_with(m.header, short_size), MACH_SEND_MSG_TOO_SMALL);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  drop_port(p);
}

BOOST_AUTO_TEST_SUITE_END()
