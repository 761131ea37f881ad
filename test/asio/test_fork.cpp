// SPDX-License-Identifier: BSL-1.0
// After fork() the child is a new task (Darwin, and mach-emu's machd mode): it holds none of
// the parent's rights, and kqueues are not inherited. io_context::notify_fork(fork_child)
// gives the port service a fresh kqueue, so the child can receive on ports it creates, and
// the parent's service keeps working untouched by whatever the child did. A receive
// pending at the fork fails in the child (its copy names nothing the child holds) instead
// of waiting forever, and carries on in the parent.
#include "asio_test.hpp"

#include <boost/asio/io_context.hpp>

#include <csignal>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

using machio_test::ping;
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Runs in the child, which must not touch Boost.Test or the parent's rights (their names
// mean nothing in this task): the exit code says what happened.
int child_main(asio::io_context& io) {
  alarm(60);  // a watchdog, not a synchronisation: a hung child dies with SIGALRM
  io.notify_fork(asio::execution_context::fork_child);
  io.restart();  // the parent's run() had returned before the fork
  error_code ec;
  auto pair = machio::receive_right::allocate_pair(machio::port_options{}, ec);
  if (ec) return 10;
  machio::receive_port port(io, std::move(pair.receive));
  mach_msg_id_t got = 0;
  error_code got_ec = asio::error::would_block;
  port.async_receive([&](error_code e, machio::received_message m) {
    got_ec = e;
    got = m.id();
  });
  machio::send(ping(pair.send, 77), machio::forever, ec);
  if (ec) return 11;
  io.run();
  if (got_ec) return 12;
  if (got != 77) return 13;
  // The child's own rights go with it; nothing of the parent's is released here.
  port.close();
  pair.send.reset();
  return 0;
}

// Forks; the child runs `child` and reports only through its exit status (Boost.Test's
// signal handlers and exception catching would otherwise carry on running tests in it).
// Returns the child's exit status, after checking that it exited.
template <class Child>
int fork_and_wait(asio::io_context& io, Child child) {
  io.notify_fork(asio::execution_context::fork_prepare);
  const pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGALRM}) std::signal(sig, SIG_DFL);
    int rc = 99;
    try {
      rc = child();
    } catch (...) {
      rc = 98;
    }
    _exit(rc);
  }
  io.notify_fork(asio::execution_context::fork_parent);
  int status = 0;
  BOOST_REQUIRE_EQUAL(waitpid(pid, &status, 0), pid);
  BOOST_REQUIRE_MESSAGE(WIFEXITED(status), "the child died of signal " << WTERMSIG(status));
  return WEXITSTATUS(status);
}

// Runs in a child forked while one operation was pending: its copy names nothing the child
// holds, so after notify_fork it must complete with an error instead of waiting forever.
// `completed` and `got` are what its handler sets.
int child_with_a_pending_operation(asio::io_context& io, const bool& completed, const error_code& got) {
  alarm(60);  // a watchdog, not a synchronisation: a hung child dies with SIGALRM
  io.notify_fork(asio::execution_context::fork_child);
  io.restart();
  io.run();
  if (!completed) return 20;
  if (!got.failed()) return 21;
  return 0;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(asio_fork, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(a_forked_child_receives_after_notify_fork_and_the_parent_is_untouched) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  machio::receive_port port(io, std::move(pair.receive));
  // The parent's service is in use before the fork: one message received asynchronously.
  machio::send(ping(pair.send, 1));
  mach_msg_id_t got = 0;
  port.async_receive([&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    got = m.id();
  });
  io.run();
  BOOST_TEST(got == 1);

  BOOST_TEST(fork_and_wait(io, [&] { return child_main(io); }) == 0);

  // The parent's kqueue and port still work after the child closed its copies and exited.
  io.restart();
  port.async_receive([&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    got = m.id();
  });
  machio::send(ping(pair.send, 2));
  io.run();
  BOOST_TEST(got == 2);
}

BOOST_AUTO_TEST_CASE(a_receive_pending_at_the_fork_fails_in_the_child_and_carries_on_in_the_parent) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  machio::receive_port port(io, std::move(pair.receive));
  bool completed = false;
  error_code got;
  mach_msg_id_t id = 0;
  port.async_receive([&](error_code ec, machio::received_message m) {
    completed = true;
    got = ec;
    id = m.id();
  });
  io.poll();  // armed on the parent's kqueue
  const int status = fork_and_wait(io, [&] { return child_with_a_pending_operation(io, completed, got); });
  BOOST_TEST(status == 0);
  BOOST_TEST(!completed);
  machio::send(ping(pair.send, 3));
  io.run();
  BOOST_TEST(completed);
  BOOST_TEST(!got);
  BOOST_TEST(id == 3);
}

// In the child a send waiting at the fork fails (MACH_SEND_INVALID_DEST) and hands back
// an empty message: the rights it held are the parent's names, which the child must
// neither use nor release (releasing one aborted the child). The parent's send goes on.
BOOST_AUTO_TEST_CASE(a_send_waiting_at_the_fork_fails_in_the_child_and_carries_on_in_the_parent) {
  asio::io_context io;
  auto full = machio::receive_right::allocate_pair(machio::port_options{.qlimit = 1});
  machio::send(ping(full.send, 1), machio::no_wait);
  bool completed = false;
  error_code got;
  machio::async_send(io, ping(full.send, 2), [&](error_code ec, machio::message) {
    completed = true;
    got = ec;
  });
  io.poll();  // waiting for room
  const int status = fork_and_wait(io, [&] { return child_with_a_pending_operation(io, completed, got); });
  BOOST_TEST(status == 0);
  BOOST_TEST(!completed);
  BOOST_TEST(machio::receive(full.receive).id() == 1);  // room for the waiting send
  io.run();
  BOOST_TEST(completed);
  BOOST_TEST(!got);
  BOOST_TEST(machio::receive(full.receive).id() == 2);
}

BOOST_AUTO_TEST_SUITE_END()
