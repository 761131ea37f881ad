// SPDX-License-Identifier: BSL-1.0
// machd's limits, with small values so that they are reached quickly: connections beyond
// --max-clients are refused with a clear error while the accepted clients go on, and a
// task's sends beyond --max-queued-bytes fail with MACH_SEND_NO_BUFFER until its queued
// messages are received. Each case runs its own daemon on a socket of its own.
#include <mach/mach.h>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "machd_test_util.hpp"
#include "right_accounting.hpp"

using machd_test::child;
using machd_test::gate;
using machd_test::private_daemon;

BOOST_FIXTURE_TEST_SUITE(machd_limits, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(connections_beyond_max_clients_are_refused_cleanly) {
  private_daemon d({"--max-clients", "2"});
  gate now, later;
  now.open_now();
  // Two clients (one connection each: one thread) fill the daemon...
  child a({"daemon-pid", now.arg(), later.arg()});
  child b({"daemon-pid", now.arg(), later.arg()});
  const std::string pid_line = "pid " + std::to_string(d.pid);
  BOOST_REQUIRE_EQUAL(a.line(), pid_line);
  BOOST_REQUIRE_EQUAL(b.line(), pid_line);
  // ...so a third is refused: its call fails, and it says so.
  child c({"daemon-pid", now.arg()});
  BOOST_CHECK_EQUAL(c.line(), "refused");
  BOOST_CHECK_EQUAL(c.wait(), 3);
  // The daemon is unharmed and the accepted clients go on.
  BOOST_CHECK(d.alive());
  later.open_now();
  BOOST_CHECK_EQUAL(a.line(), pid_line);
  BOOST_CHECK_EQUAL(b.line(), pid_line);
}

BOOST_AUTO_TEST_CASE(sends_beyond_max_queued_bytes_fail_with_no_buffer) {
  // Each message weighs its 24-byte header plus 16 KiB: three fit in 64 KiB, a fourth not.
  private_daemon d({"--max-queued-bytes", "65536"});
  child f({"flood", "16384"});
  char expected[64];
  std::snprintf(expected, sizeof expected, "sent 3 %x", static_cast<unsigned>(MACH_SEND_NO_BUFFER));
  BOOST_CHECK_EQUAL(f.line(), expected);
  // One received gives room for one more.
  BOOST_CHECK_EQUAL(f.line(), "again 0");
  BOOST_CHECK_EQUAL(f.wait(), 0);
  BOOST_CHECK(d.alive());
}

BOOST_AUTO_TEST_SUITE_END()
