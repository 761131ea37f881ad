// SPDX-License-Identifier: BSL-1.0
// The view never trusts the bytes: every inconsistency is machio::error::malformed_message.
#include <machio/message_view.hpp>
#include <machio/received_message.hpp>

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <vector>

#include "print_machio.hpp"
#include "right_accounting.hpp"

namespace {

struct complex_message {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_port_descriptor_t port;
  mach_msg_ool_descriptor_t ool;
  char text[8];
  mach_msg_audit_trailer_t trailer;
};

complex_message sample() {
  complex_message m{};
  m.header.msgh_bits = MACH_MSGH_BITS_COMPLEX;
  m.header.msgh_size = offsetof(complex_message, trailer);
  m.header.msgh_id = 5;
  m.body.msgh_descriptor_count = 2;
  m.port.name = MACH_PORT_NULL;
  m.port.disposition = MACH_MSG_TYPE_PORT_SEND;
  m.port.type = MACH_MSG_PORT_DESCRIPTOR;
  m.ool.type = MACH_MSG_OOL_DESCRIPTOR;
  std::memcpy(m.text, "1234567", 8);
  m.trailer.msgh_trailer_type = MACH_MSG_TRAILER_FORMAT_0;
  m.trailer.msgh_trailer_size = sizeof(mach_msg_audit_trailer_t);
  m.trailer.msgh_seqno = 9;
  m.trailer.msgh_audit.val[5] = 1234;
  return m;
}

std::vector<std::byte> bytes_of(const complex_message& m, std::size_t n = sizeof(complex_message)) {
  std::vector<std::byte> v(n);
  std::memcpy(v.data(), &m, std::min(n, sizeof m));
  return v;
}

boost::system::error_code parse(const std::vector<std::byte>& v) {
  boost::system::error_code ec;
  (void)machio::message_view::parse(v, ec);
  return ec;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(core_message_view, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(a_well_formed_message_parses) {
  auto v = bytes_of(sample());
  boost::system::error_code ec;
  auto view = machio::message_view::parse(v, ec);
  BOOST_TEST(!ec);
  BOOST_TEST(view.id() == 5);
  BOOST_TEST(view.descriptor_count() == 2u);
  BOOST_TEST(view.descriptor(0, ec).type() == MACH_MSG_PORT_DESCRIPTOR);
  BOOST_TEST(view.descriptor(1, ec).type() == MACH_MSG_OOL_DESCRIPTOR);
  BOOST_TEST(view.body().size() == 8u);
  BOOST_TEST(*view.trailer().seqno() == 9u);
  BOOST_TEST(view.trailer().audit()->pid() == 1234);
  BOOST_TEST(!view.trailer().context().has_value());
  (void)view.descriptor(2, ec);
  BOOST_TEST(ec == machio::error::no_such_descriptor);
}

BOOST_AUTO_TEST_CASE(throwing_forms_of_parse_and_descriptor) {
  auto good = bytes_of(sample());
  auto view = machio::message_view::parse(good);
  BOOST_TEST(view.id() == 5);
  BOOST_TEST(view.descriptor(1).type() == MACH_MSG_OOL_DESCRIPTOR);
  BOOST_CHECK_EXCEPTION((void)view.descriptor(2), boost::system::system_error,
                        [](const boost::system::system_error& e) {
                          return e.code() == machio::error::no_such_descriptor;
                        });
  auto bad = sample();
  bad.body.msgh_descriptor_count = 1000;
  BOOST_CHECK_EXCEPTION((void)machio::message_view::parse(bytes_of(bad)), boost::system::system_error,
                        [](const boost::system::system_error& e) {
                          return e.code() == machio::error::malformed_message;
                        });
}

BOOST_AUTO_TEST_CASE(too_short_for_a_header) {
  std::vector<std::byte> v(10);
  BOOST_TEST(parse(v) == machio::error::malformed_message);
  BOOST_TEST(parse({}) == machio::error::malformed_message);
}

BOOST_AUTO_TEST_CASE(size_past_the_buffer) {
  auto m = sample();
  m.header.msgh_size = 4096;
  BOOST_TEST(parse(bytes_of(m)) == machio::error::malformed_message);
}

BOOST_AUTO_TEST_CASE(size_smaller_than_a_header_or_unaligned) {
  auto m = sample();
  m.header.msgh_size = 8;
  BOOST_TEST(parse(bytes_of(m)) == machio::error::malformed_message);
  m.header.msgh_size = offsetof(complex_message, trailer) - 2;
  BOOST_TEST(parse(bytes_of(m)) == machio::error::malformed_message);
}

BOOST_AUTO_TEST_CASE(descriptor_count_that_cannot_fit) {
  auto m = sample();
  m.body.msgh_descriptor_count = 0xFFFFFFFF;
  BOOST_TEST(parse(bytes_of(m)) == machio::error::malformed_message);
  m.body.msgh_descriptor_count = 5;
  BOOST_TEST(parse(bytes_of(m)) == machio::error::malformed_message);
}

BOOST_AUTO_TEST_CASE(unknown_descriptor_type) {
  auto m = sample();
  m.ool.type = 9;
  BOOST_TEST(parse(bytes_of(m)) == machio::error::malformed_message);
}

BOOST_AUTO_TEST_CASE(descriptor_past_msgh_size) {
  auto m = sample();
  m.header.msgh_size = offsetof(complex_message, ool) + 8;
  m.trailer = {};
  auto v = bytes_of(m, offsetof(complex_message, ool) + 8);
  BOOST_TEST(parse(v) == machio::error::malformed_message);
}

BOOST_AUTO_TEST_CASE(complex_without_room_for_a_count) {
  mach_msg_header_t h{};
  h.msgh_bits = MACH_MSGH_BITS_COMPLEX;
  h.msgh_size = sizeof h;
  std::vector<std::byte> v(sizeof h);
  std::memcpy(v.data(), &h, sizeof h);
  BOOST_TEST(parse(v) == machio::error::malformed_message);
}

BOOST_AUTO_TEST_CASE(bad_trailers) {
  auto m = sample();
  m.trailer.msgh_trailer_size = 4;
  BOOST_TEST(parse(bytes_of(m)) == machio::error::malformed_message);
  m.trailer.msgh_trailer_size = 200;
  BOOST_TEST(parse(bytes_of(m)) == machio::error::malformed_message);
  // A fragment of a trailer is not a trailer.
  auto ok = sample();
  BOOST_TEST(parse(bytes_of(ok, offsetof(complex_message, trailer) + 4)) == machio::error::malformed_message);
  // No trailer at all is fine: the accessors are simply empty.
  boost::system::error_code ec;
  auto v = bytes_of(ok, offsetof(complex_message, trailer));
  auto view = machio::message_view::parse(v, ec);
  BOOST_TEST(!ec);
  BOOST_TEST(!view.trailer().seqno().has_value());
}

BOOST_AUTO_TEST_CASE(malformed_bytes_are_not_adopted) {
  auto m = sample();
  m.body.msgh_descriptor_count = 3;
  boost::system::error_code ec;
  auto v = bytes_of(m);
  auto msg = machio::received_message::from_bytes(v, ec);
  BOOST_TEST(ec == machio::error::malformed_message);
  BOOST_TEST(!msg.valid());
}

BOOST_AUTO_TEST_CASE(every_truncation_is_rejected_or_in_bounds) {
  // Cut a good message at every length: parsing either fails or yields a view whose
  // parts lie inside the cut.
  const auto full = bytes_of(sample());
  for (std::size_t n = 0; n <= full.size(); ++n) {
    std::vector<std::byte> v(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    boost::system::error_code ec;
    auto view = machio::message_view::parse(v, ec);
    if (ec) continue;
    BOOST_TEST(view.body().data() + view.body().size() <= v.data() + v.size());
    BOOST_TEST(view.trailer().size() <= v.size());
  }
}

BOOST_AUTO_TEST_SUITE_END()
