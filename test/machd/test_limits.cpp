// SPDX-License-Identifier: BSL-1.0
// machd's limits, with small values so that they are reached quickly: connections beyond
// --max-clients are refused with a clear error while the accepted clients go on, and a
// task's sends beyond --max-queued-bytes wait until its queued messages are received, as
// sends to a full queue do (a send with a zero timeout reports MACH_SEND_TIMED_OUT), and
// only a message that could never fit fails with MACH_SEND_NO_BUFFER. Each case runs its
// own daemon on a socket of its own.
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

BOOST_AUTO_TEST_CASE(sends_beyond_max_queued_bytes_wait_as_for_a_full_queue) {
  // Each message weighs its 24-byte header plus 16 KiB: three fit in 64 KiB, a fourth
  // waits, and with a zero timeout reports so at once.
  private_daemon d({"--max-queued-bytes", "65536"});
  child f({"flood", "16384"});
  char expected[64];
  std::snprintf(expected, sizeof expected, "sent 3 %x", static_cast<unsigned>(MACH_SEND_TIMED_OUT));
  BOOST_CHECK_EQUAL(f.line(), expected);
  // One received gives room for one more.
  BOOST_CHECK_EQUAL(f.line(), "again 0");
  BOOST_CHECK_EQUAL(f.wait(), 0);
  BOOST_CHECK(d.alive());
}

BOOST_AUTO_TEST_CASE(a_message_heavier_than_the_whole_budget_fails_with_no_buffer) {
  // Waiting could never help it: it fails at once, and the task's next message goes.
  private_daemon d({"--max-queued-bytes", "65536"});
  child f({"flood", "70000"});
  char expected[64];
  std::snprintf(expected, sizeof expected, "sent 0 %x", static_cast<unsigned>(MACH_SEND_NO_BUFFER));
  BOOST_CHECK_EQUAL(f.line(), expected);
  BOOST_CHECK_EQUAL(f.wait(), 3);  // nothing was queued to receive
  BOOST_CHECK(d.alive());
}

BOOST_AUTO_TEST_SUITE_END()
