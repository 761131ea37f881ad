// SPDX-License-Identifier: BSL-1.0
// A forked child is a new task (as on Darwin): it talks to machd on a connection of its
// own, its parent's kqueues are not its own (EBADF, even with events pending on them),
// and the parent's connection and kqueue go on untouched. Both ways a child is made:
// fork(), whose handler mach-emu registers, and _Fork(), which runs no handler and is
// noticed by the page the kernel wipes in every child.
#include <mach/mach.h>

#include <sys/event.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <csignal>

#include "machd_test_util.hpp"

using machd_test::drop_receive;
using machd_test::new_receive;

namespace {

struct message {
  mach_msg_header_t header;
  char body[64];
};

mach_msg_return_t send_to(mach_port_t port, mach_msg_id_t id) {
  message m{};
  m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
  m.header.msgh_size = sizeof m;
  m.header.msgh_remote_port = port;
  m.header.msgh_id = id;
  return mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
                  MACH_PORT_NULL);
}

mach_msg_return_t receive_from(mach_port_t port, mach_msg_id_t& id) {
  struct {
    message m;
    mach_msg_max_trailer_t trailer;
  } buf{};
  const mach_msg_return_t mr = mach_msg(&buf.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
                                        sizeof buf, port, 10000, MACH_PORT_NULL);
  id = buf.m.header.msgh_id;
  return mr;
}

kevent64_s watch(mach_port_t port) {
  kevent64_s ev;
  EV_SET64(&ev, port, EVFILT_MACHPORT, EV_ADD, 0, 0, 0, 0, 0);
  return ev;
}

// The child's checks; its exit code says which failed (0: none). No Boost.Test here.
int child_main(int parent_kq, std::uint64_t parent_tasks) {
  ::alarm(60);  // a watchdog, not a synchronisation: a hung child dies with SIGALRM
  // The parent's kqueue, with an event pending on it, is not ours.
  kevent64_s out{};
  errno = 0;
  if (kevent64(parent_kq, nullptr, 0, &out, 1, KEVENT_FLAG_IMMEDIATE, nullptr) != -1) return 10;
  if (errno != EBADF) return 11;
  // Our own connection: machd counts our task beside the parent's.
  struct machemu_machd_counts c {};
  if (machemu_machd_get_counts(&c) != 0) return 12;
  if (c.tasks != parent_tasks + 1) return 13;
  // Mach works here, kqueues included: a port of our own, watched and received on.
  mach_port_t port = MACH_PORT_NULL;
  if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS)
    return 14;
  const int kq = kqueue();
  if (kq < 0) return 15;
  kevent64_s ev = watch(port);
  if (kevent64(kq, &ev, 1, nullptr, 0, 0, nullptr) != 0) return 16;
  if (send_to(port, 7) != MACH_MSG_SUCCESS) return 17;
  if (kevent64(kq, nullptr, 0, &out, 1, KEVENT_FLAG_IMMEDIATE, nullptr) != 1) return 18;
  if (out.ident != port) return 19;
  mach_msg_id_t id = 0;
  if (receive_from(port, id) != MACH_MSG_SUCCESS || id != 7) return 20;
  ::close(kq);
  return 0;
}

// Forks with `fork_fn` while the parent's kqueue has an event pending, checks the child,
// then that the parent's kqueue and connection still work.
void fork_and_check(pid_t (*fork_fn)()) {
  const mach_port_t port = new_receive();
  const int kq = kqueue();
  BOOST_REQUIRE(kq >= 0);
  kevent64_s ev = watch(port);
  BOOST_REQUIRE_EQUAL(kevent64(kq, &ev, 1, nullptr, 0, 0, nullptr), 0);
  BOOST_REQUIRE_EQUAL(send_to(port, 1), MACH_MSG_SUCCESS);
  const std::uint64_t tasks = machd_test::counts().tasks;

  const pid_t pid = fork_fn();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child reports only through its exit status: Boost.Test's handlers would
    // otherwise carry on running tests in it.
    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGALRM}) std::signal(sig, SIG_DFL);
    ::_exit(child_main(kq, tasks));
  }
  int status = 0;
  BOOST_REQUIRE_EQUAL(::waitpid(pid, &status, 0), pid);
  BOOST_REQUIRE(WIFEXITED(status));
  BOOST_CHECK_EQUAL(WEXITSTATUS(status), 0);

  // Ours is untouched: the event is still pending and the message still queued.
  kevent64_s out{};
  BOOST_REQUIRE_EQUAL(kevent64(kq, nullptr, 0, &out, 1, KEVENT_FLAG_IMMEDIATE, nullptr), 1);
  BOOST_CHECK_EQUAL(out.ident, port);
  mach_msg_id_t id = 0;
  BOOST_CHECK_EQUAL(receive_from(port, id), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(id, 1);
  ::close(kq);
  drop_receive(port);
}

pid_t fork_without_handlers() { return ::_Fork(); }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(machd_fork, machd_test::counted)

BOOST_AUTO_TEST_CASE(a_child_of_fork_is_a_new_task_without_its_parents_kqueues) {
  fork_and_check(::fork);
}

BOOST_AUTO_TEST_CASE(a_child_of_a_fork_that_runs_no_handlers_is_noticed_all_the_same) {
  fork_and_check(fork_without_handlers);
}

BOOST_AUTO_TEST_SUITE_END()
