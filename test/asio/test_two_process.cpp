// SPDX-License-Identifier: BSL-1.0
// A server and a client in two processes (through machd on Linux): a forked child checks a
// name in and serves it with async_receive/async_send on its io_context; the parent looks
// the name up and drives it with async_call, by callback and by use_awaitable. Each side
// checks the other's pid in the audit trailer. When the child exits, the parent's
// dead-name wait completes and its names are back to where they started. A server that
// dies holding two requests fails both calls with MIG_SERVER_DIED.
#include "asio_test.hpp"
#include "forked_child.hpp"

#include <machio/async_call.hpp>
#include <machio/async_notifications.hpp>
#include <machio/bootstrap.hpp>
#include <machio/mig.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace asio = boost::asio;
using boost::system::error_code;
using machio_test::require_machd;

namespace {

constexpr mach_msg_id_t double_id = 700;  // body: int32 v; reply: {2 * v, the request's audit pid}
constexpr mach_msg_id_t quit_id = 701;    // the reply is sent, then the server stops
constexpr mach_msg_id_t vanish_id = 702;  // the server takes one more request and exits, unanswering

struct reply_body {
  std::int32_t doubled;
  std::int32_t client_pid;  // as the server's audit trailer reported it
};

machio::receive_options with_audit() {
  machio::receive_options o;
  o.trailer = machio::trailer_elements::audit;
  return o;
}

// The child's server: answers every request from its pending async_receive, until quit.
// Runs in the child, so it reports through its exit code only (no Boost.Test).
struct server {
  machio::receive_port& port;
  int failure = 0;
  void receive() {
    port.async_receive(with_audit(), [this](error_code ec, machio::received_message m) {
      if (ec) {
        failure = 20;
        return;
      }
      if (m.id() == vanish_id) {
        // Takes the next request too (a blocking receive: the client sends it right after),
        // then exits: both requests and their reply rights die with the task.
        machio::received_message next = machio::receive(port.right());
        _exit(next.valid() ? 0 : 23);
      }
      const auto audit = m.trailer().audit();
      const reply_body body{2 * m.body_as<std::int32_t>().value_or(0), audit ? audit->pid() : -1};
      error_code take_ec;
      machio::send_once_right reply_to = m.take_reply_send_once(take_ec);
      if (take_ec) {
        failure = 21;
        return;
      }
      machio::async_send(port.get_executor(),
                         machio::message_builder(machio::mig::reply_id(m.id()))
                             .destination(std::move(reply_to))
                             .append_value(body)
                             .build(),
                         [this](error_code e, machio::message) {
                           if (e) failure = 22;
                         });
      if (m.id() != quit_id) receive();
    });
  }
};

int child_main(const std::string& name, int ready_fd) {
  asio::io_context io;  // made after the fork: the child's own kqueue and notify port
  error_code ec;
  machio::receive_right right = machio::bootstrap::check_in(name, ec);
  if (ec) return 10;
  machio::receive_port port(io, std::move(right));
  server s{port};
  s.receive();
  if (const int rc = machio_test::signal_ready(ready_fd)) return rc;
  io.run();  // until the quit request is answered
  return s.failure;
}

pid_t start_child(const std::string& name) {
  return machio_test::start_child([&](int ready_fd) { return child_main(name, ready_fd); }, 60);
}

machio::message request(const machio::send_right& service, mach_msg_id_t id, std::int32_t value) {
  return machio::message_builder(id).destination(service).append_value(value).build();
}

machio::call_options audited_call() {
  machio::call_options o;
  o.receive = with_audit();
  return o;
}

// Checks one reply: the doubled value, the parent's pid as the server saw it, and the
// server's pid in the reply's own audit trailer.
void check_reply(const machio::received_message& m, std::int32_t value, pid_t child) {
  const auto body = m.body_as<reply_body>();
  BOOST_TEST_REQUIRE(body.has_value());
  BOOST_TEST(body->doubled == 2 * value);
  BOOST_TEST(body->client_pid == getpid());
  const auto audit = m.trailer().audit();
  BOOST_TEST_REQUIRE(audit.has_value());
  BOOST_TEST(audit->pid() == child);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(asio_two_process, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(a_child_serves_with_async_receive_and_the_parent_calls_it_and_sees_it_die) {
  require_machd();
  const std::string name = "org.machio.test.two_process." + std::to_string(getpid());
  const pid_t child = start_child(name);

  asio::io_context io;
  machio::send_right service = machio::bootstrap::look_up(name);

  // Callbacks: three calls in flight at once.
  int answered = 0;
  for (std::int32_t v : {1, 2, 3}) {
    machio::async_call(io.get_executor(), request(service, double_id, v), audited_call(),
                       [&, v](error_code ec, machio::received_message m) {
                         BOOST_TEST(!ec);
                         if (!ec) check_reply(m, v, child);
                         ++answered;
                       });
  }
  io.run();
  BOOST_TEST(answered == 3);

  // use_awaitable: calls one after the other in a coroutine.
  io.restart();
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (std::int32_t v = 10; v < 15; ++v) {
          machio::received_message m =
              co_await machio::async_call(io.get_executor(), request(service, double_id, v), audited_call(),
                                          asio::use_awaitable);
          check_reply(m, v, child);
          ++answered;
        }
      },
      [](std::exception_ptr e) { BOOST_TEST(!e); });
  io.run();
  BOOST_TEST(answered == 8);

  // The child's death: a dead-name wait, then the quit call; the child exits after
  // answering, machd destroys its receive right, and the wait completes.
  io.restart();
  bool died = false;
  machio::async_wait_dead_name(io.get_executor(), service, [&](error_code ec, std::monostate) {
    BOOST_TEST(!ec);
    died = !ec;
  });
  machio::async_call(io.get_executor(), request(service, quit_id, 0), audited_call(),
                     [&](error_code ec, machio::received_message m) {
                       BOOST_TEST(!ec);
                       if (!ec) check_reply(m, 0, child);
                     });
  io.run();
  BOOST_TEST(died);

  int status = 0;
  BOOST_REQUIRE_EQUAL(waitpid(child, &status, 0), child);
  BOOST_TEST_REQUIRE(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);

  // The name now names a dead port: the send_right holds a dead name, which its
  // destruction releases (the fixture checks the names are back to the start).
  mach_port_type_t type = 0;
  BOOST_REQUIRE(mach_port_type(mach_task_self(), service.get(), &type) == KERN_SUCCESS);
  BOOST_TEST((type & MACH_PORT_TYPE_DEAD_NAME) != 0u);
}

BOOST_AUTO_TEST_CASE(a_server_process_that_dies_fails_the_pending_calls_with_mig_server_died) {
  // The first request makes the server take the second as well and exit holding both
  // requests' reply rights. They die with the task, and each call completes with the
  // send-once notification that says so.
  require_machd();
  const std::string name = "org.machio.test.two_process.vanish." + std::to_string(getpid());
  const pid_t child = start_child(name);
  asio::io_context io;
  machio::send_right service = machio::bootstrap::look_up(name);
  bool died = false;
  machio::async_wait_dead_name(io.get_executor(), service, [&](error_code ec, std::monostate) { died = !ec; });
  std::vector<error_code> got;
  for (mach_msg_id_t id : {vanish_id, double_id})
    machio::async_call(io.get_executor(), request(service, id, 1), [&](error_code ec, machio::received_message m) {
      got.push_back(ec);
      BOOST_TEST(!m.valid());
    });
  io.run();
  BOOST_TEST(died);
  BOOST_TEST_REQUIRE(got.size() == 2u);
  for (const auto& ec : got) BOOST_TEST(ec == machio::make_mach_error_code(MIG_SERVER_DIED));
  int status = 0;
  BOOST_REQUIRE_EQUAL(waitpid(child, &status, 0), child);
  BOOST_TEST_REQUIRE(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
