// SPDX-License-Identifier: BSL-1.0
// §1 of mach-semantics.md: name format, stale names, user-chosen names.
#include <mach/mach.h>

#include <boost/test/unit_test.hpp>

#include <set>
#include <vector>

#include "emu_test_util.hpp"

using namespace emu_test;

BOOST_FIXTURE_TEST_SUITE(names, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(kernel_names_have_low_bits_set_and_nonzero_index) {
  std::vector<mach_port_name_t> made;
  for (int i = 0; i < 50; ++i) {
    mach_port_name_t n = new_receive();
    BOOST_TEST((n & 3u) == 3u);
    BOOST_TEST((n >> 8) != 0u);
    made.push_back(n);
  }
  BOOST_TEST(std::set<mach_port_name_t>(made.begin(), made.end()).size() == made.size());
  for (auto n : made) BOOST_CHECK_EQUAL(mach_port_mod_refs(mach_task_self(), n, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
}

BOOST_AUTO_TEST_CASE(every_right_kind_gets_a_well_formed_name) {
  mach_port_name_t set = MACH_PORT_NULL, dead = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_DEAD_NAME, &dead), KERN_SUCCESS);
  BOOST_TEST((set & 3u) == 3u);
  BOOST_TEST((dead & 3u) == 3u);
  BOOST_CHECK_EQUAL(type_of(set), MACH_PORT_TYPE_PORT_SET);
  BOOST_CHECK_EQUAL(type_of(dead), MACH_PORT_TYPE_DEAD_NAME);
  BOOST_CHECK_EQUAL(refs(dead, MACH_PORT_RIGHT_DEAD_NAME), 1u);
  BOOST_CHECK_EQUAL(mach_port_deallocate(mach_task_self(), set), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_deallocate(mach_task_self(), dead), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_kr(set), KERN_INVALID_NAME);
  BOOST_CHECK_EQUAL(type_kr(dead), KERN_INVALID_NAME);
}

BOOST_AUTO_TEST_CASE(stale_name_never_aliases_a_new_right) {
  // Reuse a slot again and again: within XNU's generation period (at least 16 reuses; the
  // emulation wraps after 63) the old name must stay invalid.
  mach_port_name_t first = new_receive();
  BOOST_CHECK_EQUAL(mach_port_mod_refs(mach_task_self(), first, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  for (int i = 0; i < 15; ++i) {
    mach_port_name_t n = new_receive();
    BOOST_TEST((n & 3u) == 3u);
    BOOST_REQUIRE_NE(n, first);
    BOOST_CHECK_EQUAL(type_kr(first), KERN_INVALID_NAME);
    BOOST_CHECK_EQUAL(mach_port_mod_refs(mach_task_self(), n, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  }
}

BOOST_AUTO_TEST_CASE(allocate_rejects_non_allocatable_rights) {
  mach_port_name_t n = 0x1234;
  for (mach_port_right_t r : {MACH_PORT_RIGHT_SEND, MACH_PORT_RIGHT_SEND_ONCE, MACH_PORT_RIGHT_LABELH,
                              MACH_PORT_RIGHT_NUMBER, mach_port_right_t{99}})
    BOOST_CHECK_EQUAL(mach_port_allocate(mach_task_self(), r, &n), KERN_INVALID_VALUE);
}

BOOST_AUTO_TEST_CASE(allocate_name_rules) {
  const mach_port_name_t chosen = 0x7F0003;  // far from kernel-assigned slots
  BOOST_CHECK_EQUAL(mach_port_allocate_name(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, MACH_PORT_NULL), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_allocate_name(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, MACH_PORT_DEAD), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_allocate_name(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, 0x7F0000), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_allocate_name(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, 0x7F0001), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_allocate_name(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, 0x7F0002), KERN_INVALID_VALUE);
  BOOST_CHECK_EQUAL(mach_port_allocate_name(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, 3), KERN_FAILURE);
  BOOST_CHECK_EQUAL(mach_port_allocate_name(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, 0x7B), KERN_FAILURE);
  BOOST_CHECK_EQUAL(mach_port_allocate_name(mach_task_self(), MACH_PORT_RIGHT_SEND, chosen), KERN_INVALID_VALUE);

  BOOST_REQUIRE_EQUAL(mach_port_allocate_name(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, chosen), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_of(chosen), MACH_PORT_TYPE_RECEIVE);
  BOOST_CHECK_EQUAL(mach_port_allocate_name(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, chosen), KERN_NAME_EXISTS);
  BOOST_CHECK_EQUAL(mach_port_allocate_name(mach_task_self(), MACH_PORT_RIGHT_PORT_SET, chosen), KERN_NAME_EXISTS);
  // Same index, other generation.
  BOOST_CHECK_EQUAL(mach_port_allocate_name(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, chosen + 4), KERN_FAILURE);
  BOOST_CHECK_EQUAL(type_of(chosen), MACH_PORT_TYPE_RECEIVE);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(mach_task_self(), chosen, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
}

BOOST_AUTO_TEST_CASE(allocate_name_each_kind) {
  const mach_port_name_t set = 0x7E0103, dead = 0x7E0207;
  BOOST_REQUIRE_EQUAL(mach_port_allocate_name(mach_task_self(), MACH_PORT_RIGHT_PORT_SET, set), KERN_SUCCESS);
  BOOST_REQUIRE_EQUAL(mach_port_allocate_name(mach_task_self(), MACH_PORT_RIGHT_DEAD_NAME, dead), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(type_of(set), MACH_PORT_TYPE_PORT_SET);
  BOOST_CHECK_EQUAL(type_of(dead), MACH_PORT_TYPE_DEAD_NAME);
  BOOST_CHECK_EQUAL(mach_port_destroy(mach_task_self(), set), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_destroy(mach_task_self(), dead), KERN_SUCCESS);
}

BOOST_AUTO_TEST_CASE(unknown_and_special_names_in_type) {
  mach_port_type_t t = 0;
  BOOST_CHECK_EQUAL(mach_port_type(mach_task_self(), MACH_PORT_NULL, &t), KERN_INVALID_NAME);
  BOOST_CHECK_EQUAL(mach_port_type(mach_task_self(), MACH_PORT_DEAD, &t), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(t, MACH_PORT_TYPE_DEAD_NAME);
  BOOST_CHECK_EQUAL(mach_port_type(mach_task_self(), 0x7D0003, &t), KERN_INVALID_NAME);
}

BOOST_AUTO_TEST_CASE(send_and_receive_coalesce_send_once_does_not) {
  mach_port_name_t p = new_receive_send();
  BOOST_CHECK_EQUAL(type_of(p), MACH_PORT_TYPE_SEND_RECEIVE);
  mach_port_name_t so1 = make_send_once(p);
  mach_port_name_t so2 = make_send_once(p);
  BOOST_CHECK_NE(so1, p);
  BOOST_CHECK_NE(so2, p);
  BOOST_CHECK_NE(so1, so2);
  BOOST_CHECK_EQUAL(type_of(so1), MACH_PORT_TYPE_SEND_ONCE);
  // A send right extracted again lands on the same name.
  mach_port_name_t s = MACH_PORT_NULL;
  mach_msg_type_name_t got = 0;
  BOOST_REQUIRE_EQUAL(mach_port_extract_right(mach_task_self(), p, MACH_MSG_TYPE_MAKE_SEND, &s, &got), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(s, p);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 2u);
  BOOST_CHECK_EQUAL(mach_port_deallocate(mach_task_self(), so1), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_deallocate(mach_task_self(), so2), KERN_SUCCESS);
  // Two send-once notifications are now queued; destroying the port discards them.
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(names_lists_every_right_with_its_type) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t set = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  auto table = machio_test::snapshot_names();
  BOOST_REQUIRE(table.count(p));
  BOOST_REQUIRE(table.count(set));
  BOOST_CHECK_EQUAL(table[p].first, MACH_PORT_TYPE_SEND_RECEIVE);
  BOOST_CHECK_EQUAL(table[set].first, MACH_PORT_TYPE_PORT_SET);
  BOOST_REQUIRE(table.count(mach_task_self()));
  BOOST_CHECK_EQUAL(table[mach_task_self()].first, MACH_PORT_TYPE_SEND);
  drop_port(p);
  BOOST_CHECK_EQUAL(mach_port_destroy(mach_task_self(), set), KERN_SUCCESS);
}

BOOST_AUTO_TEST_SUITE_END()
