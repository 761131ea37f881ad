// SPDX-License-Identifier: BSL-1.0
// Notifications as operations: dead name, no senders (with the make-send count), port
// destroyed giving the receive right back (one wait per port), send-once via
// async_receive; cancelled dead-name and no-senders waits leave nothing registered.
#include "asio_test.hpp"

#include <machio/async_notifications.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>

namespace asio = boost::asio;
using boost::system::error_code;

BOOST_FIXTURE_TEST_SUITE(asio_notifications, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(dead_name) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  int calls = 0;
  machio::async_wait_dead_name(io.get_executor(), pair.send, [&](error_code ec, std::monostate) {
    BOOST_TEST(!ec);
    ++calls;
  });
  io.poll();
  BOOST_TEST(calls == 0);
  pair.receive.reset();
  io.run();
  BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_CASE(no_senders_reports_the_make_send_count) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  auto second = pair.receive.make_send();  // make-send count 2
  mach_port_mscount_t got = 0;
  error_code result;
  machio::async_wait_no_senders(io.get_executor(), pair.receive, 1, [&](error_code ec, mach_port_mscount_t n) {
    result = ec;
    got = n;
  });
  io.poll();
  pair.send.reset();
  io.poll();
  BOOST_TEST(got == 0u);  // one sender left
  second.reset();
  io.run();
  BOOST_TEST(!result);
  BOOST_TEST(got == 2u);
}

BOOST_AUTO_TEST_CASE(port_destroyed_gives_the_receive_right_back) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  machio::receive_right back;
  machio::async_wait_port_destroyed(io.get_executor(), pair.receive, [&](error_code ec, machio::receive_right r) {
    BOOST_TEST(!ec);
    back = std::move(r);
  });
  io.poll();
  pair.receive.reset();  // would destroy it; the request brings it back instead
  io.run();
  BOOST_TEST_REQUIRE(static_cast<bool>(back));
  // The send right still reaches the same port.
  machio::send(machio_test::ping(pair.send, 4));
  BOOST_TEST(machio::receive(back).id() == 4);
}

// The kernel takes one port-destroyed request per port: a second wait fails with its code,
// KERN_FAILURE, without asking it (which would raise a guard exception on Darwin).
BOOST_AUTO_TEST_CASE(a_second_port_destroyed_wait_fails_and_leaves_the_first_working) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  error_code first = asio::error::would_block, second;
  machio::receive_right back;
  machio::async_wait_port_destroyed(io.get_executor(), pair.receive, [&](error_code ec, machio::receive_right r) {
    first = ec;
    back = std::move(r);
  });
  machio::async_wait_port_destroyed(io.get_executor(), pair.receive, [&](error_code ec, machio::receive_right r) {
    second = ec;
    BOOST_TEST(!r);
  });
  io.poll();
  BOOST_TEST(second == machio::make_mach_error_code(KERN_FAILURE));
  BOOST_TEST(first == asio::error::would_block);  // still waiting
  pair.receive.reset();
  io.run();
  BOOST_TEST(!first);
  BOOST_TEST(static_cast<bool>(back));
  BOOST_TEST(!pair.send.is_dead());
}

BOOST_AUTO_TEST_CASE(send_once_notification_through_async_receive) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  machio::receive_port port(io, std::move(pair.receive));
  auto once = port.right().make_send_once();
  mach_msg_id_t id = 0;
  port.async_receive([&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    id = m.id();
  });
  once.reset();  // destroyed unused
  io.run();
  BOOST_TEST(id == MACH_NOTIFY_SEND_ONCE);
}

BOOST_AUTO_TEST_CASE(cancelling_leaves_nothing_registered) {
  for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial,
                    asio::cancellation_type::total}) {
    asio::io_context io;
    auto pair = machio::receive_right::allocate_pair();
    asio::cancellation_signal s1, s2;
    error_code e1, e2;
    machio::async_wait_dead_name(io.get_executor(), pair.send,
                                 asio::bind_cancellation_slot(s1.slot(), [&](error_code ec, std::monostate) { e1 = ec; }));
    machio::async_wait_no_senders(
        io.get_executor(), pair.receive, 0,
        asio::bind_cancellation_slot(s2.slot(), [&](error_code ec, mach_port_mscount_t) { e2 = ec; }));
    io.poll();
    s1.emit(type);
    s2.emit(type);
    io.run();
    BOOST_TEST(e1 == asio::error::operation_aborted);
    BOOST_TEST(e2 == asio::error::operation_aborted);
    // The fixture checks that no request bits and no notify port are left.
  }
}

BOOST_AUTO_TEST_SUITE_END()
