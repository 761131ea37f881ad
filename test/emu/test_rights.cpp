// SPDX-License-Identifier: BSL-1.0
// §2 and the uref-moving calls of §3: urefs, pegging, mod_refs/get_refs/deallocate/destroy,
// insert_right/extract_right codes and the states they leave.
#include <mach/mach.h>

#include <boost/test/unit_test.hpp>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {
const mach_port_t self = mach_task_self();
}

BOOST_FIXTURE_TEST_SUITE(rights, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(send_urefs_count_and_release) {
  mach_port_name_t p = new_receive_send();
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, 4), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 5u);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_RECEIVE), 1u);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND_ONCE), 0u);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, -6), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 5u);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, -5), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_of(p), MACH_PORT_TYPE_RECEIVE);
  BOOST_CHECK_EQUAL(status(p).mps_srights, 0u);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_kr(p), KERN_INVALID_NAME);
}

BOOST_AUTO_TEST_CASE(urefs_peg_at_65535) {
  mach_port_name_t p = new_receive_send();
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, 65534), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 65535u);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, 10), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 65535u);
  // Pegged: ordinary decrements are ignored.
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, -1), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, p), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 65535u);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, 65536), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, -65535), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_of(p), MACH_PORT_TYPE_RECEIVE);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(increment_reaching_the_max_pegs) {
  mach_port_name_t p = new_receive_send();
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, 65000), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, 1000), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 65535u);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, -100), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 65535u);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(mod_refs_argument_checks) {
  mach_port_name_t p = new_receive();
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_NUMBER, 0), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, 0x7D0003, MACH_PORT_RIGHT_NUMBER, 0), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, MACH_PORT_NULL, MACH_PORT_RIGHT_SEND, -1), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, MACH_PORT_DEAD, MACH_PORT_RIGHT_SEND_ONCE, -1), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, MACH_PORT_NULL, MACH_PORT_RIGHT_RECEIVE, -1), KERN_INVALID_NAME);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, 0x7D0003, MACH_PORT_RIGHT_SEND, 1), KERN_INVALID_NAME);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, 1), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_DEAD_NAME, 1), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_LABELH, 0), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, 0), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, 1), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, -2), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(type_of(p), MACH_PORT_TYPE_RECEIVE);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
}

BOOST_AUTO_TEST_CASE(get_refs_codes) {
  mach_port_urefs_t n = 77;
  BOOST_CHECK_EQUAL(mach_port_get_refs(self, MACH_PORT_NULL, MACH_PORT_RIGHT_SEND, &n), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(n, 1u);
  BOOST_CHECK_EQUAL(mach_port_get_refs(self, MACH_PORT_DEAD, MACH_PORT_RIGHT_RECEIVE, &n), KERN_INVALID_NAME);
  BOOST_CHECK_EQUAL(mach_port_get_refs(self, MACH_PORT_NULL, MACH_PORT_RIGHT_NUMBER, &n), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_get_refs(self, 0x7D0003, MACH_PORT_RIGHT_SEND, &n), KERN_INVALID_NAME);
  mach_port_name_t set = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(refs(set, MACH_PORT_RIGHT_PORT_SET), 1u);
  BOOST_CHECK_EQUAL(refs(set, MACH_PORT_RIGHT_SEND), 0u);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, set, MACH_PORT_RIGHT_PORT_SET, 1), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, set, MACH_PORT_RIGHT_PORT_SET, -1), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_kr(set), KERN_INVALID_NAME);
}

BOOST_AUTO_TEST_CASE(dead_name_urefs) {
  mach_port_name_t d = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_DEAD_NAME, &d), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, d, MACH_PORT_RIGHT_DEAD_NAME, 2), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(refs(d, MACH_PORT_RIGHT_DEAD_NAME), 3u);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, d, MACH_PORT_RIGHT_SEND, 1), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, d), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(refs(d, MACH_PORT_RIGHT_DEAD_NAME), 2u);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, d, MACH_PORT_RIGHT_DEAD_NAME, -2), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_kr(d), KERN_INVALID_NAME);
}

BOOST_AUTO_TEST_CASE(send_right_becomes_dead_name_when_port_dies) {
  mach_port_name_t p = new_receive();
  mach_port_name_t s = MACH_PORT_NULL;
  // A send right under its own name: only possible across tasks, so use a dead name via
  // destroying the receive right of a send+receive name instead.
  s = p;
  BOOST_REQUIRE_EQUAL(mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, 2), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_of(s), MACH_PORT_TYPE_DEAD_NAME);
  BOOST_CHECK_EQUAL(refs(s, MACH_PORT_RIGHT_DEAD_NAME), 3u);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, s, MACH_PORT_RIGHT_DEAD_NAME, -3), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_kr(s), KERN_INVALID_NAME);
}

BOOST_AUTO_TEST_CASE(deallocate_codes_and_effects) {
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, MACH_PORT_NULL), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, MACH_PORT_DEAD), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, 0x7D0003), KERN_INVALID_NAME);
  mach_port_name_t p = new_receive();
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, p), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(type_of(p), MACH_PORT_TYPE_RECEIVE);
  BOOST_REQUIRE_EQUAL(mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, p), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_of(p), MACH_PORT_TYPE_RECEIVE);
  mach_port_name_t so = make_send_once(p);
  BOOST_CHECK_EQUAL(status(p).mps_sorights, 1u);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, so), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_kr(so), KERN_INVALID_NAME);
  expect_send_once_notification(p);
  BOOST_CHECK_EQUAL(status(p).mps_sorights, 0u);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(destroy_removes_every_right_under_the_name) {
  BOOST_CHECK_EQUAL(mach_port_destroy(self, MACH_PORT_NULL), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_destroy(self, MACH_PORT_DEAD), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_destroy(self, 0x7D0003), KERN_INVALID_NAME);
  mach_port_name_t p = new_receive_send();
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, 3), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_destroy(self, p), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_kr(p), KERN_INVALID_NAME);
  mach_port_name_t q = new_receive();
  mach_port_name_t so = make_send_once(q);
  BOOST_CHECK_EQUAL(mach_port_destroy(self, so), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(status(q).mps_msgcount, 1u);
  drop_port(q);
}

BOOST_AUTO_TEST_CASE(insert_right_fast_path) {
  mach_port_name_t p = new_receive();
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, p, p, MACH_MSG_TYPE_COPY_SEND), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, p, p, MACH_MSG_TYPE_COPY_SEND), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 3u);
  BOOST_CHECK_EQUAL(status(p).mps_mscount, 2u);
  mach_port_name_t set = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, set, set, MACH_MSG_TYPE_MAKE_SEND), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_destroy(self, set), KERN_SUCCESS);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(insert_right_general_path_codes) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t q = new_receive();
  const mach_port_name_t other = 0x7C0003;
  // The space already names p's send right under p.
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, other, p, MACH_MSG_TYPE_COPY_SEND), KERN_RIGHT_EXISTS);
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, q, p, MACH_MSG_TYPE_COPY_SEND), KERN_RIGHT_EXISTS);
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, other, q, MACH_MSG_TYPE_COPY_SEND), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, other, 0x7D0003, MACH_MSG_TYPE_COPY_SEND), KERN_INVALID_NAME);
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, 0x7C0000, q, MACH_MSG_TYPE_MAKE_SEND), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, MACH_PORT_NULL, q, MACH_MSG_TYPE_MAKE_SEND), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, q, q, MACH_MSG_TYPE_MAKE_SEND_ONCE), KERN_NAME_EXISTS);
  // XNU copies the right in before it inserts it and destroys it on failure: the names
  // are as they were, but the two made send rights counted in q's make-send count, and
  // the made send-once right left its MACH_NOTIFY_SEND_ONCE on q.
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  BOOST_CHECK_EQUAL(type_of(q), MACH_PORT_TYPE_RECEIVE);
  BOOST_CHECK_EQUAL(status(q).mps_mscount, 2u);
  BOOST_CHECK_EQUAL(status(q).mps_srights, 0u);
  BOOST_CHECK_EQUAL(type_kr(other), KERN_INVALID_NAME);
  expect_send_once_notification(q);
  // A moved send-once right is destroyed by a refused insertion.
  const mach_port_name_t so = make_send_once(q);
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, q, so, MACH_MSG_TYPE_MOVE_SEND_ONCE), KERN_NAME_EXISTS);
  BOOST_CHECK_EQUAL(type_kr(so), KERN_INVALID_NAME);
  expect_send_once_notification(q);
  BOOST_CHECK_EQUAL(status(q).mps_sorights, 0u);
  // A moved receive right is destroyed too: its port dies, and the send right left under
  // the old name becomes a dead name.
  const mach_port_name_t r = new_receive_send();
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, other, r, MACH_MSG_TYPE_MOVE_RECEIVE), KERN_RIGHT_EXISTS);
  BOOST_CHECK_EQUAL(type_of(r), MACH_PORT_TYPE_DEAD_NAME);
  BOOST_CHECK_EQUAL(type_kr(other), KERN_INVALID_NAME);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, r), KERN_SUCCESS);
  // A send-once right under a chosen name.
  BOOST_CHECK_EQUAL(mach_port_insert_right(self, other, q, MACH_MSG_TYPE_MAKE_SEND_ONCE), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_of(other), MACH_PORT_TYPE_SEND_ONCE);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, other), KERN_SUCCESS);
  drop_port(p);
  drop_port(q);
}

BOOST_AUTO_TEST_CASE(extract_right_codes_and_results) {
  mach_port_name_t p = new_receive();
  mach_port_name_t got = MACH_PORT_NULL;
  mach_msg_type_name_t t = 0;
  BOOST_CHECK_EQUAL(mach_port_extract_right(self, p, MACH_MSG_TYPE_COPY_RECEIVE, &got, &t), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_extract_right(self, p, 15, &got, &t), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_extract_right(self, MACH_PORT_NULL, MACH_MSG_TYPE_MAKE_SEND, &got, &t), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_extract_right(self, MACH_PORT_DEAD, MACH_MSG_TYPE_MAKE_SEND, &got, &t), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_extract_right(self, p, MACH_MSG_TYPE_COPY_SEND, &got, &t), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_extract_right(self, p, MACH_MSG_TYPE_MOVE_SEND_ONCE, &got, &t), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(mach_port_extract_right(self, p, MACH_MSG_TYPE_MAKE_SEND, &got, &t), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(got, p);
  BOOST_CHECK_EQUAL(t, static_cast<mach_msg_type_name_t>(MACH_MSG_TYPE_PORT_SEND));
  BOOST_CHECK_EQUAL(status(p).mps_mscount, 1u);
  BOOST_CHECK_EQUAL(mach_port_extract_right(self, p, MACH_MSG_TYPE_MOVE_SEND, &got, &t), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(got, p);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  BOOST_CHECK_EQUAL(mach_port_extract_right(self, p, MACH_MSG_TYPE_MOVE_RECEIVE, &got, &t), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(got, p);
  BOOST_CHECK_EQUAL(t, static_cast<mach_msg_type_name_t>(MACH_MSG_TYPE_PORT_RECEIVE));
  BOOST_CHECK_EQUAL(type_of(p), MACH_PORT_TYPE_SEND_RECEIVE);
  mach_port_name_t d = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_DEAD_NAME, &d), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_extract_right(self, d, MACH_MSG_TYPE_MOVE_SEND, &got, &t), KERN_INVALID_RIGHT);
  BOOST_CHECK_EQUAL(refs(d, MACH_PORT_RIGHT_DEAD_NAME), 1u);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, d), KERN_SUCCESS);
  drop_port(p);
}

BOOST_AUTO_TEST_SUITE_END()
