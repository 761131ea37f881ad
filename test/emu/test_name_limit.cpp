// SPDX-License-Identifier: BSL-1.0
// §1: a full name space answers KERN_NO_SPACE (run with MACHEMU_MAX_NAMES=64).
#include <mach/mach.h>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <vector>

#include "emu_test_util.hpp"

using namespace emu_test;

BOOST_FIXTURE_TEST_SUITE(name_limit, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(full_space_returns_no_space_and_recovers) {
  const char* env = std::getenv("MACHEMU_MAX_NAMES");
  BOOST_REQUIRE(env != nullptr);
  const long limit = std::atol(env);
  std::vector<mach_port_name_t> made;
  kern_return_t kr = KERN_SUCCESS;
  while (made.size() < static_cast<std::size_t>(limit) + 1) {
    mach_port_name_t n = MACH_PORT_NULL;
    kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &n);
    if (kr != KERN_SUCCESS) break;
    made.push_back(n);
  }
  BOOST_CHECK_EQUAL(kr, KERN_NO_SPACE);
  BOOST_CHECK_LT(made.size(), static_cast<std::size_t>(limit));
  BOOST_CHECK_GT(made.size(), static_cast<std::size_t>(limit) - 8);  // only a few pre-existing names
  // Every way of making a name fails the same way, and changes nothing.
  mach_port_name_t n = MACH_PORT_NULL;
  BOOST_CHECK_EQUAL(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_PORT_SET, &n), KERN_NO_SPACE);
  BOOST_CHECK_EQUAL(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_DEAD_NAME, &n), KERN_NO_SPACE);
  mach_port_options_t opts{};
  BOOST_CHECK_EQUAL(mach_port_construct(mach_task_self(), &opts, 0, &n), KERN_NO_SPACE);
  mach_port_name_t so = MACH_PORT_NULL;
  mach_msg_type_name_t got = 0;
  BOOST_CHECK_EQUAL(mach_port_extract_right(mach_task_self(), made[0], MACH_MSG_TYPE_MAKE_SEND_ONCE, &so, &got),
                    KERN_NO_SPACE);
  // The send-once right that found no name is destroyed: its notification is queued.
  BOOST_CHECK_EQUAL(status(made[0]).mps_msgcount, 1u);
  expect_send_once_notification(made[0]);
  BOOST_CHECK_EQUAL(status(made[0]).mps_sorights, 0u);
  // Coalescing needs no new name.
  BOOST_CHECK_EQUAL(mach_port_insert_right(mach_task_self(), made[0], made[0], MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(mach_task_self(), made[0], MACH_PORT_RIGHT_SEND, -1), KERN_SUCCESS);
  // Freeing one name makes room for exactly one.
  BOOST_CHECK_EQUAL(mach_port_mod_refs(mach_task_self(), made.back(), MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  made.pop_back();
  BOOST_CHECK_EQUAL(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &n), KERN_SUCCESS);
  made.push_back(n);
  BOOST_CHECK_EQUAL(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &n), KERN_NO_SPACE);
  for (auto m : made) BOOST_CHECK_EQUAL(mach_port_mod_refs(mach_task_self(), m, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
}

BOOST_AUTO_TEST_SUITE_END()
