// SPDX-License-Identifier: BSL-1.0
// §6: trailer sizes, seqno, sender and audit tokens, context.
#include <bsm/libbsm.h>
#include <mach/mach.h>

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {
const mach_port_t self = mach_task_self();

// Receives with the given trailer elements into a buffer filled with 0xEE.
mach_msg_return_t receive_with(mach_port_name_t p, int elements, rcv_buffer& buf) {
  std::memset(&buf, 0xEE, sizeof buf);
  return mach_msg(&buf.header,
                  MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
                      MACH_RCV_TRAILER_ELEMENTS(elements),
                  0, sizeof buf, p, 0, MACH_PORT_NULL);
}

const mach_msg_max_trailer_t* trailer_of(const rcv_buffer& buf) {
  return reinterpret_cast<const mach_msg_max_trailer_t*>(reinterpret_cast<const std::uint8_t*>(&buf) +
                                                         buf.header.msgh_size);
}
}  // namespace

BOOST_FIXTURE_TEST_SUITE(trailers, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(every_trailer_size) {
  mach_port_name_t p = new_receive_send();
  const struct { int elements; mach_msg_size_t size; } cases[] = {
      {MACH_RCV_TRAILER_NULL, 8}, {MACH_RCV_TRAILER_SEQNO, 12}, {MACH_RCV_TRAILER_SENDER, 20},
      {MACH_RCV_TRAILER_AUDIT, 52}, {MACH_RCV_TRAILER_CTX, 60},   {MACH_RCV_TRAILER_AV, 68},
      {5, 68}, {6, 68}, {8, 68}, {15, 68}};
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("elements " << c.elements) {
      BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
      rcv_buffer buf;
      BOOST_REQUIRE_EQUAL(receive_with(p, c.elements, buf), MACH_MSG_SUCCESS);
      BOOST_CHECK_EQUAL(buf.header.msgh_size, sizeof(simple_msg));
      BOOST_CHECK_EQUAL(trailer_of(buf)->msgh_trailer_type, static_cast<mach_msg_trailer_type_t>(MACH_MSG_TRAILER_FORMAT_0));
      BOOST_CHECK_EQUAL(trailer_of(buf)->msgh_trailer_size, c.size);
      // Bytes past the requested trailer are untouched.
      const auto* after = reinterpret_cast<const std::uint8_t*>(&buf) + buf.header.msgh_size + c.size;
      BOOST_CHECK_EQUAL(after[0], 0xEE);
    }
  }
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(trailer_must_fit_the_buffer) {
  mach_port_name_t p = new_receive_send();
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  rcv_buffer buf;
  const mach_msg_option_t audit = MACH_RCV_TRAILER_TYPE(0) | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT);
  BOOST_CHECK_EQUAL(receive(p, buf, MACH_RCV_TIMEOUT | MACH_RCV_LARGE | audit, 0, 28 + 51), MACH_RCV_TOO_LARGE);
  BOOST_CHECK_EQUAL(receive(p, buf, MACH_RCV_TIMEOUT | audit, 0, 28 + 52), MACH_MSG_SUCCESS);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(seqno_sender_audit_context) {
  mach_port_name_t p = new_receive_send();
  BOOST_REQUIRE_EQUAL(mach_port_set_context(self, p, 0x1122334455667788ull), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(mach_port_set_seqno(self, p, 41), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  BOOST_REQUIRE_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  rcv_buffer buf;
  BOOST_REQUIRE_EQUAL(receive_with(p, MACH_RCV_TRAILER_CTX, buf), MACH_MSG_SUCCESS);
  const mach_msg_max_trailer_t* t = trailer_of(buf);
  BOOST_CHECK_EQUAL(t->msgh_seqno, 41u);
  BOOST_CHECK_EQUAL(t->msgh_sender.val[0], static_cast<unsigned>(geteuid()));
  BOOST_CHECK_EQUAL(t->msgh_sender.val[1], static_cast<unsigned>(getegid()));
  BOOST_CHECK_EQUAL(audit_token_to_pid(t->msgh_audit), getpid());
  BOOST_CHECK_EQUAL(audit_token_to_euid(t->msgh_audit), geteuid());
  BOOST_CHECK_EQUAL(audit_token_to_egid(t->msgh_audit), getegid());
  BOOST_CHECK_EQUAL(audit_token_to_ruid(t->msgh_audit), getuid());
  BOOST_CHECK_EQUAL(audit_token_to_rgid(t->msgh_audit), getgid());
  BOOST_CHECK_EQUAL(t->msgh_audit.val[5], static_cast<unsigned>(getpid()));
  const mach_port_context_t context = t->msgh_context;  // packed: copy before binding
  BOOST_CHECK_EQUAL(context, 0x1122334455667788ull);
  BOOST_REQUIRE_EQUAL(receive_with(p, MACH_RCV_TRAILER_SEQNO, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(trailer_of(buf)->msgh_seqno, 42u);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(kernel_messages_carry_the_kernel_tokens) {
  mach_port_name_t p = new_receive();
  mach_port_name_t so = make_send_once(p);
  BOOST_REQUIRE_EQUAL(mach_port_deallocate(self, so), KERN_SUCCESS);
  rcv_buffer buf;
  BOOST_REQUIRE_EQUAL(receive_with(p, MACH_RCV_TRAILER_AUDIT, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, MACH_NOTIFY_SEND_ONCE);
  const mach_msg_max_trailer_t* t = trailer_of(buf);
  BOOST_CHECK_EQUAL(t->msgh_sender.val[0], 0u);
  BOOST_CHECK_EQUAL(t->msgh_sender.val[1], 1u);
  for (unsigned v : t->msgh_audit.val) BOOST_CHECK_EQUAL(v, 0u);
  drop_port(p);
}

BOOST_AUTO_TEST_SUITE_END()
