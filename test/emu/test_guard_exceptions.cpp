// SPDX-License-Identifier: BSL-1.0
// EXC_GUARD on request (MACHEMU_GUARD_EXCEPTIONS, emu/lib/guard_exception.cpp): a program
// that breaks a port guard dies of SIGKILL as on macOS, with XNU's exception code on
// stderr; by default the call only fails. Each case runs in a forked child. Built in both
// modes (label emu, and label machd through the daemon).
#include <mach/mach.h>

#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {

// How a child that ran `body` with MACHEMU_GUARD_EXCEPTIONS=`setting` ended, and what it
// wrote to stderr. `body` returns the child's exit status when it survives.
struct child_end {
  bool killed = false;
  int signal = 0;
  int status = -1;
  std::string err;
};

template <class Body>
child_end run_child(const char* setting, Body body) {
  int err[2];
  child_end out;
  if (::pipe(err) != 0) return out;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(err[1], STDERR_FILENO);
    ::close(err[0]);
    ::close(err[1]);
    if (setting) ::setenv("MACHEMU_GUARD_EXCEPTIONS", setting, 1);
    else ::unsetenv("MACHEMU_GUARD_EXCEPTIONS");
    ::_exit(body());
  }
  ::close(err[1]);
  char buf[512];
  for (ssize_t n; (n = ::read(err[0], buf, sizeof buf)) > 0;) out.err.append(buf, static_cast<std::size_t>(n));
  ::close(err[0]);
  int st = 0;
  if (pid > 0 && ::waitpid(pid, &st, 0) == pid) {
    out.killed = WIFSIGNALED(st);
    out.signal = out.killed ? WTERMSIG(st) : 0;
    out.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  return out;
}

// In the child: a guarded receive right destroyed with the wrong guard. Exit status 0 when
// the call failed with XNU's code and the process lived on.
int destruct_with_the_wrong_guard() {
  mach_port_options_t o{};
  o.flags = MPO_CONTEXT_AS_GUARD;
  mach_port_name_t g = MACH_PORT_NULL;
  if (mach_port_construct(mach_task_self(), &o, 0x1234, &g) != KERN_SUCCESS) return 2;
  if (mach_port_destruct(mach_task_self(), g, 0, 0x999) != KERN_INVALID_ARGUMENT) return 3;
  return mach_port_destruct(mach_task_self(), g, 0, 0x1234) == KERN_SUCCESS ? 0 : 4;
}

// In the child: a second port-destroyed request (KERN_FAILURE, and XNU's optionally fatal
// kGUARD_EXC_KERN_FAILURE).
int second_port_destroyed_request() {
  mach_port_name_t p = MACH_PORT_NULL, n = MACH_PORT_NULL, prev = MACH_PORT_NULL;
  if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p) != KERN_SUCCESS) return 2;
  if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &n) != KERN_SUCCESS) return 2;
  const auto req = [&] {
    return mach_port_request_notification(mach_task_self(), p, MACH_NOTIFY_PORT_DESTROYED, 0, n,
                                          MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev);
  };
  if (req() != KERN_SUCCESS) return 3;
  return req() == KERN_FAILURE ? 0 : 4;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(guard_exceptions, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(by_default_a_broken_guard_only_fails_the_call) {
  const child_end end = run_child(nullptr, destruct_with_the_wrong_guard);
  BOOST_CHECK(!end.killed);
  BOOST_CHECK_EQUAL(end.status, 0);
  BOOST_CHECK_EQUAL(end.err.find("EXC_GUARD"), std::string::npos);
}

BOOST_AUTO_TEST_CASE(fatal_kills_with_sigkill_and_the_exception_code) {
  const child_end end = run_child("fatal", destruct_with_the_wrong_guard);
  BOOST_CHECK(end.killed);
  BOOST_CHECK_EQUAL(end.signal, SIGKILL);
  BOOST_TEST_MESSAGE(end.err);
  BOOST_CHECK_NE(end.err.find("EXC_GUARD (GUARD_TYPE_MACH_PORT) kGUARD_EXC_INCORRECT_GUARD (0x10)"),
                 std::string::npos);
  // The subcode is the guard the call gave; the code's type is 1 and its flavor 0x10.
  BOOST_CHECK_NE(end.err.find("code 0x20000010"), std::string::npos);
  BOOST_CHECK_NE(end.err.find("subcode 0x0000000000000999"), std::string::npos);
}

BOOST_AUTO_TEST_CASE(fatal_spares_the_flavors_xnu_makes_fatal_only_by_policy) {
  const child_end spared = run_child("fatal", second_port_destroyed_request);
  BOOST_CHECK(!spared.killed);
  BOOST_CHECK_EQUAL(spared.status, 0);
  const child_end killed = run_child("all", second_port_destroyed_request);
  BOOST_CHECK(killed.killed);
  BOOST_CHECK_EQUAL(killed.signal, SIGKILL);
  BOOST_CHECK_NE(killed.err.find("kGUARD_EXC_KERN_FAILURE (0x4000)"), std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
