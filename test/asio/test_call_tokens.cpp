// SPDX-License-Identifier: BSL-1.0
// async_call and the notification operations with every completion token kind: use_future,
// deferred, as_tuple, redirect_error, bind_executor (strand), make_parallel_group and an
// awaitable_operators timeout with a steady_timer. test_tokens.cpp does the same for
// async_receive and async_send.
#include "asio_test.hpp"

#include <machio/async_call.hpp>
#include <machio/async_notifications.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <thread>

using machio_test::ping;
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// A server that answers every request with id + 100 and the body value doubled, until
// stopped; requests with id `silent_id` are taken and kept unanswered (their reply right
// stays alive in `unanswered`).
struct doubling_server {
  static constexpr mach_msg_id_t silent_id = 999;
  machio::receive_port port;
  std::vector<machio::received_message> unanswered;

  explicit doubling_server(machio::receive_port p) : port(std::move(p)) {}

  void serve() {
    port.async_receive([this](error_code ec, machio::received_message req) {
      if (ec) return;  // closed: stop
      if (req.id() == silent_id) {
        unanswered.push_back(std::move(req));
      } else {
        const std::int32_t v = *req.body_as<std::int32_t>();
        machio::send(machio::message_builder(machio::mig::reply_id(req.id()))
                         .destination(req.take_reply_send_once())
                         .append_value(v * 2)
                         .build());
      }
      serve();
    });
  }
};

std::int32_t value_of(const machio::received_message& m) { return *m.body_as<std::int32_t>(); }

struct fixture : machio_test::right_accounting {
  asio::io_context io;
  machio::port_pair pair = machio::receive_right::allocate_pair();
  doubling_server server{machio::receive_port(io, std::move(pair.receive))};
  fixture() { server.serve(); }
  // The server's receive stays pending; closing it lets run() return.
  void stop() { server.port.close(); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(asio_call_tokens, fixture)

BOOST_AUTO_TEST_CASE(call_with_use_future) {
  auto guard = asio::make_work_guard(io);
  std::thread runner([this] { io.run(); });
  auto f = machio::async_call(io.get_executor(), ping(pair.send, 400, 5), asio::use_future);
  auto reply = f.get();
  BOOST_TEST(reply.id() == 500);
  BOOST_TEST(value_of(reply) == 10);
  asio::post(io, [this] { stop(); });
  guard.reset();
  runner.join();
}

BOOST_AUTO_TEST_CASE(call_with_deferred_launched_later_and_awaited) {
  auto op = machio::async_call(io.get_executor(), ping(pair.send, 400, 6), asio::deferred);
  std::int32_t first = 0;
  std::move(op)([&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    first = value_of(m);
  });
  std::int32_t second = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto m = co_await machio::async_call(io.get_executor(), ping(pair.send, 400, 7), asio::deferred);
        second = value_of(m);
        stop();
      },
      asio::detached);
  io.run();
  BOOST_TEST(first == 12);
  BOOST_TEST(second == 14);
}

BOOST_AUTO_TEST_CASE(call_with_as_tuple_and_redirect_error) {
  // A second server that drops every reply right: the call fails with MIG_SERVER_DIED.
  auto dropping = machio::receive_right::allocate_pair();
  machio::receive_port dropper(io, std::move(dropping.receive));
  dropper.async_receive([](error_code ec, machio::received_message req) {
    BOOST_TEST(!ec);
    req.reset();
  });
  int done = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto [ec, m] = co_await machio::async_call(io.get_executor(), ping(pair.send, 400, 8),
                                                   asio::as_tuple(asio::use_awaitable));
        BOOST_TEST(!ec);
        BOOST_TEST(value_of(m) == 16);
        error_code ec2;
        auto none = co_await machio::async_call(io.get_executor(), ping(dropping.send, 400),
                                                asio::redirect_error(asio::use_awaitable, ec2));
        BOOST_TEST(ec2 == machio::make_mach_error_code(MIG_SERVER_DIED));
        BOOST_TEST(!none.valid());
        ++done;
        stop();
      },
      asio::detached);
  io.run();
  BOOST_TEST(done == 1);
}

BOOST_AUTO_TEST_CASE(call_with_bind_executor_runs_the_handler_on_the_strand) {
  auto strand = asio::make_strand(io);
  bool on_strand = false;
  std::int32_t got = 0;
  machio::async_call(io.get_executor(), ping(pair.send, 400, 9),
                     asio::bind_executor(strand, [&](error_code ec, machio::received_message m) {
                       BOOST_TEST(!ec);
                       on_strand = strand.running_in_this_thread();
                       got = value_of(m);
                       stop();
                     }));
  io.run();
  BOOST_TEST(on_strand);
  BOOST_TEST(got == 18);
}

BOOST_AUTO_TEST_CASE(call_in_a_parallel_group_and_against_a_timer) {
  using namespace asio::experimental::awaitable_operators;
  int done = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        // An answered call wins over a timer that would fire in an hour.
        asio::steady_timer later(io, std::chrono::hours(1));
        auto r = co_await (machio::async_call(io.get_executor(), ping(pair.send, 400, 10), asio::use_awaitable) ||
                           later.async_wait(asio::use_awaitable));
        BOOST_TEST_REQUIRE(r.index() == 0u);
        BOOST_TEST(value_of(std::get<0>(r)) == 20);

        // A call the server never answers loses to the timer; it is cancelled (terminal,
        // after the request was sent), and the reply right the server holds is dead.
        asio::steady_timer soon(io, std::chrono::milliseconds(1));
        auto r2 = co_await (machio::async_call(io.get_executor(), ping(pair.send, doubling_server::silent_id),
                                               asio::use_awaitable) ||
                            soon.async_wait(asio::use_awaitable));
        BOOST_TEST(r2.index() == 1u);

        // make_parallel_group: the first of two calls to complete cancels the other.
        asio::steady_timer never(io, std::chrono::hours(1));
        auto [order, ec1, m1, ec2] =
            co_await asio::experimental::make_parallel_group(
                machio::async_call(io.get_executor(), ping(pair.send, 400, 11), asio::deferred),
                never.async_wait(asio::deferred))
                .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
        BOOST_TEST(order[0] == 0u);
        BOOST_TEST(!ec1);
        BOOST_TEST(value_of(m1) == 22);
        BOOST_TEST(ec2 == asio::error::operation_aborted);
        ++done;
        stop();
      },
      asio::detached);
  io.run();
  BOOST_TEST(done == 1);
  BOOST_REQUIRE_EQUAL(server.unanswered.size(), 1u);
  // The silent request's reply port died with the cancelled call.
  const mach_port_name_t reply = server.unanswered[0].header().msgh_remote_port;
  mach_port_type_t type = 0;
  if (MACH_PORT_VALID(reply)) BOOST_TEST(mach_port_type(mach_task_self(), reply, &type) == KERN_SUCCESS);
  BOOST_TEST((reply == MACH_PORT_DEAD || type == MACH_PORT_TYPE_DEAD_NAME));
  server.unanswered.clear();
}

BOOST_AUTO_TEST_CASE(notifications_with_future_deferred_as_tuple_and_redirect_error) {
  stop();
  // use_future: a dead-name wait, the port destroyed from the main thread.
  {
    auto watched = machio::receive_right::allocate_pair();
    auto guard = asio::make_work_guard(io);
    io.restart();
    std::thread runner([this] { io.run(); });
    auto f = machio::async_wait_dead_name(io.get_executor(), watched.send, asio::use_future);
    watched.receive.reset();
    f.get();  // throws if the wait failed
    BOOST_TEST(watched.send.is_dead());
    guard.reset();
    runner.join();
  }
  io.restart();
  // deferred, launched after the last sender is gone.
  {
    auto watched = machio::receive_right::allocate_pair();
    auto op = machio::async_wait_no_senders(io.get_executor(), watched.receive, 1, asio::deferred);
    watched.send.reset();
    mach_port_mscount_t count = 0;
    std::move(op)([&](error_code ec, mach_port_mscount_t n) {
      BOOST_TEST(!ec);
      count = n;
    });
    io.run();
    BOOST_TEST(count == 1u);
  }
  io.restart();
  // as_tuple: port-destroyed brings the receive right back; redirect_error: a no-senders
  // wait whose port is destroyed fails with KERN_INVALID_RIGHT.
  {
    auto watched = machio::receive_right::allocate_pair();
    auto doomed = machio::receive_right::allocate_pair();  // a sender stays: no early notification
    int done = 0;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          asio::post(io, [&] { watched.receive.reset(); });
          auto [ec, back] = co_await machio::async_wait_port_destroyed(io.get_executor(), watched.receive,
                                                                       asio::as_tuple(asio::use_awaitable));
          BOOST_TEST(!ec);
          BOOST_TEST(static_cast<bool>(back));
          machio::send(ping(watched.send, 12));
          BOOST_TEST(machio::receive(back).id() == 12);

          asio::post(io, [&] { doomed.receive.reset(); });
          error_code ec2;
          co_await machio::async_wait_no_senders(io.get_executor(), doomed.receive, 1,
                                                 asio::redirect_error(asio::use_awaitable, ec2));
          BOOST_TEST(ec2 == machio::make_mach_error_code(KERN_INVALID_RIGHT));
          ++done;
        },
        asio::detached);
    io.run();
    BOOST_TEST(done == 1);
  }
}

BOOST_AUTO_TEST_CASE(notifications_with_bind_executor_parallel_group_and_timeout) {
  using namespace asio::experimental::awaitable_operators;
  stop();
  auto strand = asio::make_strand(io);
  auto watched = machio::receive_right::allocate_pair();
  bool on_strand = false;
  machio::async_wait_dead_name(io.get_executor(), watched.send,
                               asio::bind_executor(strand, [&](error_code ec, std::monostate) {
                                 BOOST_TEST(!ec);
                                 on_strand = strand.running_in_this_thread();
                               }));
  io.poll();
  watched.receive.reset();
  io.run();
  BOOST_TEST(on_strand);

  io.restart();
  auto quiet = machio::receive_right::allocate_pair();
  auto other = machio::receive_right::allocate_pair();
  int done = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        // Nothing happens to `quiet`: the timer wins and the wait is cancelled, leaving no
        // request registered (the fixture counts the names).
        asio::steady_timer soon(io, std::chrono::milliseconds(1));
        auto r = co_await (machio::async_wait_dead_name(io.get_executor(), quiet.send, asio::use_awaitable) ||
                           soon.async_wait(asio::use_awaitable));
        BOOST_TEST(r.index() == 1u);

        // Two waits in a group: `other`'s last sender goes away, so its no-senders wait
        // completes first and the dead-name wait on `quiet` is cancelled.
        asio::post(io, [&] { other.send.reset(); });
        auto [order, ec1, mscount, ec2, unused] =
            co_await asio::experimental::make_parallel_group(
                machio::async_wait_no_senders(io.get_executor(), other.receive, 1, asio::deferred),
                machio::async_wait_dead_name(io.get_executor(), quiet.send, asio::deferred))
                .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
        BOOST_TEST(order[0] == 0u);
        BOOST_TEST(!ec1);
        BOOST_TEST(mscount == 1u);
        BOOST_TEST(ec2 == asio::error::operation_aborted);
        (void)unused;
        ++done;
      },
      asio::detached);
  io.run();
  BOOST_TEST(done == 1);
  BOOST_TEST(!quiet.send.is_dead());
}

BOOST_AUTO_TEST_SUITE_END()
