// async_call: the reply comes back; the server dropping the reply right or dying (before
// and after the request is queued); cancellation before the request is sent (all types)
// and after (terminal, partial), with a late reply discarded and no right left behind.
#include "asio_test.hpp"

#include <machio/async_call.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

using machio_test::ping;
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Replies to one request on `server` with id + 100 and the body value doubled.
void serve_one(machio::receive_port& server) {
  server.async_receive([&server](error_code ec, machio::received_message req) {
    BOOST_REQUIRE(!ec);
    const std::int32_t v = *req.body_as<std::int32_t>();
    machio::async_send(server.get_executor(),
                       machio::message_builder(machio::mig::reply_id(req.id()))
                           .destination(req.take_reply_send_once())
                           .append_value(v * 2)
                           .build(),
                       [](error_code e, machio::message) { BOOST_REQUIRE(!e); });
  });
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(asio_call, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(call_gets_the_reply) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  machio::receive_port server(io, std::move(pair.receive));
  serve_one(server);
  std::int32_t got = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto reply = co_await machio::async_call(io.get_executor(), ping(pair.send, 400, 21), asio::use_awaitable);
        BOOST_TEST(reply.id() == 500);
        got = *reply.body_as<std::int32_t>();
      },
      asio::detached);
  io.run();
  BOOST_TEST(got == 42);
}

BOOST_AUTO_TEST_CASE(a_dropped_reply_right_is_mig_server_died) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  machio::receive_port server(io, std::move(pair.receive));
  server.async_receive([](error_code ec, machio::received_message req) {
    BOOST_REQUIRE(!ec);
    req.reset();  // destroys the send-once reply right: a send-once notification goes back
  });
  error_code got;
  machio::async_call(io.get_executor(), ping(pair.send, 400), [&](error_code ec, machio::received_message m) {
    got = ec;
    BOOST_TEST(!m.valid());
  });
  io.run();
  BOOST_TEST(got == machio::make_mach_error_code(MIG_SERVER_DIED));
}

BOOST_AUTO_TEST_CASE(cancel_before_the_request_is_sent_all_types) {
  for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial,
                    asio::cancellation_type::total}) {
    asio::io_context io;
    auto pair = machio::receive_right::allocate_pair(machio::port_options{.qlimit = 1});
    machio::send(ping(pair.send, 1), machio::no_wait);  // full: the call waits to send
    asio::cancellation_signal signal;
    error_code got;
    machio::async_call(io.get_executor(), ping(pair.send, 400),
                       asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, machio::received_message) {
                         got = ec;
                       }));
    io.poll();
    signal.emit(type);
    io.run();
    BOOST_TEST(got == asio::error::operation_aborted);
    BOOST_TEST(machio::receive(pair.receive).id() == 1);  // the request never got queued
  }
}

BOOST_AUTO_TEST_CASE(cancel_after_sending_and_the_late_reply_is_discarded) {
  for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial}) {
    asio::io_context io;
    auto pair = machio::receive_right::allocate_pair();
    asio::cancellation_signal signal;
    error_code got;
    machio::async_call(io.get_executor(), ping(pair.send, 400, 1),
                       asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, machio::received_message) {
                         got = ec;
                       }));
    io.poll();  // sent; waiting for the reply
    // Total cancellation is refused once the server may have acted.
    signal.emit(asio::cancellation_type::total);
    io.poll();
    BOOST_TEST(!got);
    signal.emit(type);
    io.run();
    BOOST_TEST(got == asio::error::operation_aborted);
    // The server gets the request late: the reply port died with the operation, so the
    // reply right arrives dead and no reply can reach anything.
    auto req = machio::receive(pair.receive);
    const mach_port_name_t late = req.header().msgh_remote_port;  // the reply field, as received
    mach_port_type_t late_type = 0;
    if (MACH_PORT_VALID(late)) BOOST_TEST(mach_port_type(mach_task_self(), late, &late_type) == KERN_SUCCESS);
    BOOST_TEST((late == MACH_PORT_DEAD || late_type == MACH_PORT_TYPE_DEAD_NAME));
    error_code take_ec;
    auto reply_right = req.take_reply_send_once(take_ec);
    BOOST_TEST(take_ec.failed());
    BOOST_TEST(!reply_right);
  }
}

BOOST_AUTO_TEST_CASE(a_server_that_dies_with_the_request_queued_is_mig_server_died) {
  // The server's receive right is destroyed before it took the request: the kernel
  // destroys the queued request and with it the send-once reply right, whose send-once
  // notification is the reply (MIG's "server died").
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  error_code got = asio::error::would_block;
  machio::async_call(io.get_executor(), ping(pair.send, 400), [&](error_code ec, machio::received_message m) {
    got = ec;
    BOOST_TEST(!m.valid());
  });
  io.poll();  // sent; waiting for the reply
  BOOST_TEST(pair.receive.status().mps_msgcount == 1u);
  BOOST_TEST(got == asio::error::would_block);
  pair.receive.reset();
  io.run();
  BOOST_TEST(got == machio::make_mach_error_code(MIG_SERVER_DIED));
}

BOOST_AUTO_TEST_CASE(a_server_that_dies_while_the_call_waits_to_send) {
  // The request waits for room on a full queue; the port dies: MACH_SEND_INVALID_DEST,
  // and the request's rights are released (the fixture counts the names).
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair(machio::port_options{.qlimit = 1});
  machio::send(ping(pair.send, 1), machio::no_wait);
  error_code got;
  machio::async_call(io.get_executor(), ping(pair.send, 400), [&](error_code ec, machio::received_message m) {
    got = ec;
    BOOST_TEST(!m.valid());
  });
  io.poll();
  BOOST_TEST(!got);
  pair.receive.reset();
  io.run();
  BOOST_TEST(got == machio::make_mach_error_code(MACH_SEND_INVALID_DEST));
}

BOOST_AUTO_TEST_SUITE_END()
