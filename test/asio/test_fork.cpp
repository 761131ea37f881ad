// After fork() the child is a new task (Darwin, and mach-emu's machd mode): it holds none of
// the parent's rights, and kqueues are not inherited. io_context::notify_fork(fork_child)
// gives the port service a fresh kqueue, so the child can receive on ports it creates, and
// the parent's service keeps working untouched by whatever the child did.
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

  io.notify_fork(asio::execution_context::fork_prepare);
  const pid_t child = fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    // The child reports only through its exit status: Boost.Test's signal handlers and
    // exception catching would otherwise carry on running tests in it.
    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGALRM}) std::signal(sig, SIG_DFL);
    int rc = 99;
    try {
      rc = child_main(io);
    } catch (...) {
      rc = 98;
    }
    _exit(rc);
  }
  io.notify_fork(asio::execution_context::fork_parent);

  int status = 0;
  BOOST_REQUIRE_EQUAL(waitpid(child, &status, 0), child);
  BOOST_TEST_REQUIRE(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);

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

BOOST_AUTO_TEST_SUITE_END()
