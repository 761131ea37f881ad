// SPDX-License-Identifier: BSL-1.0
// Handlers never run inside the initiating call, also when the result is known at once: a
// closed object, a bad buffer, an empty or malformed message, a send that finds room or a
// dead destination, a notification request the kernel refuses or answers at once. Each is
// started three ways: from outside any handler, from a handler posted to the io_context,
// and from a handler the port service itself runs (whose immediate completions join its
// batch): in every case the handler runs afterwards, exactly once, with the expected code.
// (Completions that wait are checked by test_token_matrix.cpp.)
#include "asio_test.hpp"

#include <machio/async_call.hpp>
#include <machio/async_notifications.hpp>
#include <machio/basic_port_set.hpp>

#include <boost/asio/post.hpp>

#include <vector>

using machio_test::ping;
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Checks that `start(io, handler)` completes `handler` after it returns, once, with
// `expected`. The handler takes (error_code, result) for any result type.
template <class Start>
void expect_completion_after_the_call(Start start, error_code expected) {
  {  // Outside any handler.
    asio::io_context io;
    int calls = 0;
    error_code got;
    start(io, [&](error_code ec, auto&&) {
      ++calls;
      got = ec;
    });
    BOOST_TEST(calls == 0);
    io.run();
    BOOST_TEST(calls == 1);
    BOOST_TEST(got == expected);
  }
  // From a posted handler, and from a receive handler the port service runs.
  for (bool from_service : {false, true}) {
    asio::io_context io;
    auto pair = machio::receive_right::allocate_pair();
    machio::receive_port port(io, std::move(pair.receive));
    std::vector<int> order;  // 0: the starting handler returned; 1: the handler ran
    error_code got;
    auto starter = [&] {
      start(io, [&](error_code ec, auto&&) {
        order.push_back(1);
        got = ec;
      });
      order.push_back(0);
    };
    if (from_service) {
      machio::send(ping(pair.send, 1));
      port.async_receive([&](error_code ec, machio::received_message) {
        BOOST_TEST(!ec);
        starter();
      });
    } else {
      asio::post(io, starter);
    }
    io.run();
    BOOST_TEST((order == std::vector<int>{0, 1}));
    BOOST_TEST(got == expected);
  }
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(asio_where_handlers_run, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(receive_on_a_closed_port) {
  expect_completion_after_the_call(
      [](asio::io_context& io, auto handler) {
        machio::receive_port closed(io);
        closed.async_receive(std::move(handler));
      },
      asio::error::bad_descriptor);
}

BOOST_AUTO_TEST_CASE(receive_on_a_closed_port_set) {
  expect_completion_after_the_call(
      [](asio::io_context& io, auto handler) {
        machio::port_set_object closed(io);
        closed.async_receive(std::move(handler));
      },
      asio::error::bad_descriptor);
}

BOOST_AUTO_TEST_CASE(receive_into_a_misaligned_buffer) {
  alignas(8) static std::byte buf[64];
  expect_completion_after_the_call(
      [](asio::io_context& io, auto handler) {
        auto pair = machio::receive_right::allocate_pair();
        machio::receive_port port(io, std::move(pair.receive));
        port.async_receive(std::span<std::byte>(buf + 1, 48), std::move(handler));
      },
      asio::error::invalid_argument);
}

BOOST_AUTO_TEST_CASE(send_of_an_empty_message) {
  expect_completion_after_the_call(
      [](asio::io_context& io, auto handler) { machio::async_send(io, machio::message{}, std::move(handler)); },
      machio::error::message_consumed);
}

BOOST_AUTO_TEST_CASE(send_to_a_queue_with_room) {
  expect_completion_after_the_call(
      [](asio::io_context& io, auto handler) {
        auto pair = machio::receive_right::allocate_pair();
        machio::async_send(io, ping(pair.send, 2), std::move(handler));
      },
      error_code());
}

BOOST_AUTO_TEST_CASE(send_to_a_dead_destination) {
  expect_completion_after_the_call(
      [](asio::io_context& io, auto handler) {
        auto pair = machio::receive_right::allocate_pair();
        pair.receive.reset();
        machio::async_send(io, ping(pair.send, 3), std::move(handler));
      },
      machio::make_mach_error_code(MACH_SEND_INVALID_DEST));
}

BOOST_AUTO_TEST_CASE(call_with_an_empty_request) {
  expect_completion_after_the_call(
      [](asio::io_context& io, auto handler) {
        machio::async_call(io.get_executor(), machio::message{}, std::move(handler));
      },
      machio::error::message_consumed);
}

BOOST_AUTO_TEST_CASE(call_with_a_request_that_names_its_own_reply_port) {
  expect_completion_after_the_call(
      [](asio::io_context& io, auto handler) {
        auto pair = machio::receive_right::allocate_pair();
        auto reply = machio::receive_right::allocate();
        auto request =
            machio::message_builder(400).destination(pair.send).reply_to(reply).build();
        machio::async_call(io.get_executor(), std::move(request), std::move(handler));
      },
      machio::error::invalid_options);
}

BOOST_AUTO_TEST_CASE(dead_name_wait_on_a_name_already_dead) {
  expect_completion_after_the_call(
      [](asio::io_context& io, auto handler) {
        auto pair = machio::receive_right::allocate_pair();
        pair.receive.reset();
        machio::async_wait_dead_name(io.get_executor(), pair.send, std::move(handler));
      },
      machio::make_mach_error_code(KERN_INVALID_ARGUMENT));
}

BOOST_AUTO_TEST_CASE(no_senders_wait_with_no_sender_left) {
  // The kernel notifies at once (sync 0, no senders): the wait still completes later.
  expect_completion_after_the_call(
      [](asio::io_context& io, auto handler) {
        auto port = machio::receive_right::allocate();
        machio::async_wait_no_senders(io.get_executor(), port, 0, std::move(handler));
      },
      error_code());
}

BOOST_AUTO_TEST_CASE(port_destroyed_wait_on_no_right) {
  expect_completion_after_the_call(
      [](asio::io_context& io, auto handler) {
        machio::receive_right none;
        machio::async_wait_port_destroyed(io.get_executor(), none, std::move(handler));
      },
      machio::make_mach_error_code(KERN_INVALID_RIGHT));
}

BOOST_AUTO_TEST_SUITE_END()
