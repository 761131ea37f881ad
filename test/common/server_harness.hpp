// SPDX-License-Identifier: BSL-1.0
// A server on a fresh port in one io_context, with a client coroutine beside it, for the
// server tests (test/examples/test_server.cpp, test/mig/test_server.cpp).
#pragma once

#include <machio/asio.hpp>
#include <machio/machio.hpp>
#include <machio/server.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <exception>
#include <functional>
#include <optional>

namespace machio_test {

namespace asio = boost::asio;
using boost::system::error_code;

// A one-shot event a coroutine can await (a timer that never expires, cancelled to wake).
class event {
 public:
  explicit event(asio::io_context& io) : timer_(io, asio::steady_timer::time_point::max()) {}
  void set() {
    set_ = true;
    timer_.cancel();
  }
  bool is_set() const noexcept { return set_; }
  // Completes when set() is called (at once if it was); throws operation_aborted if the
  // awaiting coroutine is cancelled first.
  asio::awaitable<void> wait() {
    while (!set_) {
      (void)co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (set_) break;
      // (No co_await inside && here: GCC 12 miscompiles it.)
      const auto state = co_await asio::this_coro::cancellation_state;
      if (state.cancelled() != asio::cancellation_type::none)
        throw boost::system::system_error(asio::error::operation_aborted);
    }
  }

 private:
  asio::steady_timer timer_;
  bool set_ = false;
};

// One io_context, a server on a fresh port, and a client coroutine: run() runs the client,
// then shuts the server down through cancellation and checks that it completed so.
struct harness {
  asio::io_context io;
  machio::port_pair port = machio::receive_right::allocate_pair();
  machio::server server;
  asio::cancellation_signal stop;

  explicit harness(const machio::server_options& options = {})
      : server(io.get_executor(), std::move(port.receive), options) {}

  void run(std::function<asio::awaitable<void>()> client) {
    std::optional<error_code> result;
    server.async_run(asio::bind_cancellation_slot(stop.slot(), [&](error_code ec) { result = ec; }));
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await client();
          stop.emit(asio::cancellation_type::terminal);
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    io.run();
    BOOST_REQUIRE(result.has_value());
    BOOST_TEST(*result == asio::error::operation_aborted);
    BOOST_TEST(server.in_flight() == 0u);
  }

  asio::awaitable<machio::received_message> call(machio::message request) {
    co_return co_await machio::async_call(io.get_executor(), std::move(request), asio::use_awaitable);
  }
};

}  // namespace machio_test
