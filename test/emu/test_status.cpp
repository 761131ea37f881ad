// SPDX-License-Identifier: BSL-1.0
// The call behind `machd status` in the in-process mode: the process's own core describes
// itself (test/machd/test_status.cpp reads the same through machd).
#include <boost/json/src.hpp>  // Boost.JSON, header-only: this is its one translation unit
#include <boost/test/unit_test.hpp>

#include <mach/mach.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "lib/status.hpp"
#include "right_accounting.hpp"

namespace json = boost::json;

BOOST_FIXTURE_TEST_SUITE(emu_status, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(the_in_process_core_describes_this_task) {
  const mach_port_t self = mach_task_self();
  mach_port_t port = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
  kern_return_t kr = KERN_FAILURE;
  char* text = machemu_status(1, &kr);
  BOOST_REQUIRE_EQUAL(kr, KERN_SUCCESS);
  BOOST_REQUIRE(text);
  const json::value doc = json::parse(text);
  std::free(text);

  const json::object* me = nullptr;
  for (const json::value& t : doc.at("tasks").as_array())
    if (t.at("pid") == getpid()) me = &t.as_object();
  BOOST_REQUIRE(me);
  bool found = false;
  for (const json::value& p : me->at("ports").as_array()) {
    if (p.at("name") != port) continue;
    found = true;
    BOOST_TEST(p.at("rights").as_array() == json::array({"receive"}));
    BOOST_TEST(p.at("msgcount").to_number<int>() == 0);
  }
  BOOST_TEST(found);

  // The table form.
  text = machemu_status(0, &kr);
  BOOST_REQUIRE(text);
  BOOST_TEST(std::string(text).find("task pid " + std::to_string(getpid()) + " ") != std::string::npos);
  std::free(text);
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, port, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
}

BOOST_AUTO_TEST_SUITE_END()
