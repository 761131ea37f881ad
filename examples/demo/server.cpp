// SPDX-License-Identifier: BSL-1.0
// The demo's server: checks in demo::service_name and serves the four routines of
// demo.defs with machio's server layer, printing what happens in plain words.
//
// Output contract (the launcher and the demo test read it): "server: ready" once the name
// is checked in; one "server: ..." line per request; "server: shutting down" on SIGTERM or
// SIGINT, then exit status 0.
#include "protocol.hpp"
#include "transcript.hpp"

#include <machio/bootstrap.hpp>
#include <machio/mig/async_call.hpp>
#include <machio/server.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string_view>
#include <utility>

namespace asio = boost::asio;

namespace {

// Every line this process prints starts with "server: " (transcript.hpp).
constexpr demo::transcript out("server");

std::uint64_t fibonacci(std::uint32_t n) {
  std::uint64_t a = 0, b = 1;
  for (std::uint32_t i = 0; i < n; ++i) b = std::exchange(a, b) + b;
  return a;
}

void add_handlers(machio::server& server) {
  namespace mig = machio::mig;

  // echo: the text comes back. MIG's checks (the Cnt word against the message's size, the
  // terminator) have passed before the handler runs; the reply is sent at MIG's size.
  server.handle<demo::echo>([](mig::server_call<demo::echo>& call) -> asio::awaitable<kern_return_t> {
    const std::string_view text = call.arg<demo::echo_in::text>().view();
    out.say("echo from pid %d: \"%.*s\", answered with the same text", call.caller().pid(),
        static_cast<int>(text.size()), text.data());
    co_return call.reply(text);
  });

  // [fibonacci]
  // fibonacci: a computation, and the error path of the MIG rule for n too large.
  server.handle<demo::fibonacci>([](mig::server_call<demo::fibonacci>& call) -> asio::awaitable<kern_return_t> {
    const std::uint32_t n = call.arg<demo::fibonacci_in::n>();
    if (n > demo::max_fibonacci) {
      out.say("fibonacci(%u) from pid %d: too large for 64 bits, answered KERN_INVALID_ARGUMENT", n,
          call.caller().pid());
      co_return KERN_INVALID_ARGUMENT;
    }
    const std::uint64_t value = fibonacci(n);
    out.say("fibonacci(%u) from pid %d: answered %llu", n, call.caller().pid(),
        static_cast<unsigned long long>(value));
    co_return call.reply(value);
  });
  // [fibonacci]

  // [call_me_back]
  // call_me_back: the request carries a send right, which the handler owns once it takes
  // it from the call; it sends the callback routine through it, then replies.
  server.handle<demo::call_me_back>(
      [](mig::server_call<demo::call_me_back>& call) -> asio::awaitable<kern_return_t> {
        machio::send_right listener = std::move(call.arg<demo::call_me_back_in::listener>());
        const std::uint32_t cookie = call.arg<demo::call_me_back_in::cookie>();
        out.say("call_me_back from pid %d: received a send right to the client's callback port", call.caller().pid());
        auto [ec] = co_await mig::async_send<demo::callback>(co_await asio::this_coro::executor, listener, cookie,
                                                             static_cast<std::int32_t>(::getpid()),
                                                             asio::as_tuple(asio::use_awaitable));
        if (ec) {
          out.say("call_me_back from pid %d: the callback could not be sent (%s), answered that error",
              call.caller().pid(), ec.message().c_str());
          co_return KERN_FAILURE;
        }
        out.say("call_me_back from pid %d: sent cookie %u and our pid through that right (released when the "
            "handler ends), answered KERN_SUCCESS",
            call.caller().pid(), cookie);
        co_return KERN_SUCCESS;
      });
  // [call_me_back]

  // checksum: the request carries an out-of-line region, mapped into this process; the
  // count MIG sends beside it has been checked against the region's size.
  server.handle<demo::checksum>([](mig::server_call<demo::checksum>& call) -> asio::awaitable<kern_return_t> {
    const auto& blob = call.arg<demo::checksum_in::blob>();  // unmapped when the call ends
    const std::uint64_t sum = demo::fnv1a(std::as_bytes(blob.elements()));
    out.say("checksum from pid %d: the region was mapped into the server, %zu bytes; answered FNV-1a "
        "%016llx",
        call.caller().pid(), blob.elements().size(), static_cast<unsigned long long>(sum));
    co_return call.reply(sum);
  });
}

}  // namespace

int main() {
  asio::io_context io;
  boost::system::error_code ec;
  machio::receive_right port = machio::bootstrap::check_in(demo::service_name, ec);
  if (ec) {
    std::fprintf(stderr, "server: cannot check in \"%s\": %s\n", demo::service_name, ec.message().c_str());
    return 1;
  }

  // [run]
  machio::server server(io.get_executor(), std::move(port));  // the server owns the port now
  add_handlers(server);
  out.say("ready");

  asio::cancellation_signal stop;
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    out.say("shutting down");
    // Stops receiving; running handlers are cancelled, answered, and waited for.
    stop.emit(asio::cancellation_type::terminal);
  });
  boost::system::error_code result;
  server.async_run(asio::bind_cancellation_slot(stop.slot(), [&](boost::system::error_code ec) {
    result = ec;
    signals.cancel();
  }));
  io.run();
  // [run]
  if (result != asio::error::operation_aborted) {
    std::fprintf(stderr, "server: stopped: %s\n", result.message().c_str());
    return 1;
  }
  return 0;
}
