// SPDX-License-Identifier: BSL-1.0
// Losing machd: a call blocked in a client returns an error as soon as the daemon dies,
// and every later call of that process fails clearly, even after a new machd started (no
// old name may reach a new daemon's port). Runs against a daemon of its own (see
// CMakeLists.txt). No right accounting here: killing the daemon takes this process's task
// with it, which is the point.
#include <mach/mach.h>
#include <servers/bootstrap.h>

#include <boost/test/unit_test.hpp>

#include <cstdio>

#include "machd_test_util.hpp"

using machd_test::child;

BOOST_AUTO_TEST_SUITE(machd_daemon_death)

BOOST_AUTO_TEST_CASE(kill9_of_machd_fails_blocked_and_later_calls) {
  const std::string name = machd_test::unique_name("blocked");
  child blocked({"block", name});
  BOOST_REQUIRE_EQUAL(blocked.line(), "ready");
  const struct machemu_machd_counts c = machd_test::counts();
  BOOST_REQUIRE(c.pid > 1);
  BOOST_REQUIRE(::kill(static_cast<pid_t>(c.pid), SIGKILL) == 0);
  // The blocked receive returns, then the helper's next call fails.
  unsigned mr = 0, kr = 0;
  BOOST_REQUIRE(std::sscanf(blocked.line().c_str(), "%x %x", &mr, &kr) == 2);
  BOOST_CHECK_EQUAL(mr, static_cast<unsigned>(MACH_RCV_PORT_DIED));
  BOOST_CHECK_EQUAL(kr, static_cast<unsigned>(MACH_SEND_INVALID_DEST));
  BOOST_CHECK_EQUAL(blocked.wait(), 0);
  // A new process starts a new machd and works...
  const std::string fresh = machd_test::unique_name("fresh");
  child server({"server", fresh});
  BOOST_REQUIRE_EQUAL(server.line(), "ready");
  // ...while this process, whose task died with the old daemon, keeps failing.
  mach_port_t p = MACH_PORT_NULL;
  BOOST_CHECK_EQUAL(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p),
                    MACH_SEND_INVALID_DEST);
  mach_port_t s = MACH_PORT_NULL;
  BOOST_CHECK_EQUAL(bootstrap_look_up(bootstrap_port, fresh.c_str(), &s), MACH_SEND_INVALID_DEST);
  server.kill9();
}

BOOST_AUTO_TEST_SUITE_END()
