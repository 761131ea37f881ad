// The demo's server: checks in demo::service_name and serves the four routines of
// protocol.hpp with machio's server layer, printing what happens in plain words.
//
// Output contract (the launcher and the demo test read it): "server: ready" once the name
// is checked in; one "server: ..." line per request; "server: shutting down" on SIGTERM or
// SIGINT, then exit status 0.
#include "protocol.hpp"
#include "transcript.hpp"

#include <machio/bootstrap.hpp>
#include <machio/message_builder.hpp>
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
  using namespace demo;

  // echo: the text comes back. The struct ends in a variable-length array, so shorter
  // requests are accepted (min_size); the handler checks text_count against what came.
  server.handle<echo_request, echo_reply>(
      echo_id,
      [](machio::server_request<echo_request, echo_reply>& r) -> asio::awaitable<kern_return_t> {
        const std::size_t room = r.size() - offsetof(echo_request, text);
        if (r.args().text_count > std::min(room, max_text)) {
          out.say("echo from pid %d: text_count %u does not fit the message, answered MIG_BAD_ARGUMENTS",
              r.caller().pid(), r.args().text_count);
          co_return MIG_BAD_ARGUMENTS;
        }
        const std::string_view text(r.args().text, r.args().text_count);
        r.reply().text_count = r.args().text_count;
        std::copy(text.begin(), text.end(), r.reply().text);
        out.say("echo from pid %d: \"%.*s\", answered with the same text", r.caller().pid(),
            static_cast<int>(text.size()), text.data());
        co_return KERN_SUCCESS;
      },
      {.min_size = offsetof(echo_request, text)});

  // [fibonacci]
  // fibonacci: a computation, and the error path of the MIG rule for n too large.
  server.handle<fibonacci_request, fibonacci_reply>(
      fibonacci_id,
      [](machio::server_request<fibonacci_request, fibonacci_reply>& r) -> asio::awaitable<kern_return_t> {
        const std::uint32_t n = r.args().n;
        if (n > max_fibonacci) {
          out.say("fibonacci(%u) from pid %d: too large for 64 bits, answered KERN_INVALID_ARGUMENT", n,
              r.caller().pid());
          co_return KERN_INVALID_ARGUMENT;
        }
        r.reply().value = fibonacci(n);
        out.say("fibonacci(%u) from pid %d: answered %llu", n, r.caller().pid(),
            static_cast<unsigned long long>(r.reply().value));
        co_return KERN_SUCCESS;
      });
  // [fibonacci]

  // [call_me_back]
  // call_me_back: the request carries a send right; the server takes it (now it owns it),
  // sends a message through it, then replies.
  server.handle<call_me_back_request, call_me_back_reply>(
      call_me_back_id,
      [](machio::server_request<call_me_back_request, call_me_back_reply>& r) -> asio::awaitable<kern_return_t> {
        machio::send_right callback = r.message().take_send_right(0);
        out.say("call_me_back from pid %d: received a send right to the client's callback port", r.caller().pid());
        machio::message note = machio::message_builder(callback_id)
                                   .destination(std::move(callback))  // the message owns it now
                                   .append_value(machio::mig::ndr_record)
                                   .append_value(r.args().cookie)
                                   .append_value(static_cast<std::int32_t>(::getpid()))
                                   .build();
        auto [ec, unsent] = co_await machio::async_send(co_await asio::this_coro::executor, std::move(note),
                                                        asio::as_tuple(asio::use_awaitable));
        if (ec) {
          out.say("call_me_back from pid %d: the callback could not be sent (%s), answered that error",
              r.caller().pid(), ec.message().c_str());
          co_return KERN_FAILURE;
        }
        out.say("call_me_back from pid %d: sent cookie %u and our pid through that right (it went with the "
            "message), answered KERN_SUCCESS",
            r.caller().pid(), r.args().cookie);
        co_return KERN_SUCCESS;
      },
      {.descriptors = {machio::port_send()}});
  // [call_me_back]

  // checksum: the request carries an out-of-line region, mapped into this process.
  server.handle<checksum_request, checksum_reply>(
      checksum_id,
      [](machio::server_request<checksum_request, checksum_reply>& r) -> asio::awaitable<kern_return_t> {
        machio::ool_region blob = r.message().take_ool(0);  // unmapped when `blob` goes
        r.reply().fnv1a = fnv1a(blob.bytes());
        out.say("checksum from pid %d: the region was mapped into the server, %zu bytes; answered FNV-1a "
            "%016llx",
            r.caller().pid(), blob.bytes().size(), static_cast<unsigned long long>(r.reply().fnv1a));
        co_return KERN_SUCCESS;
      },
      {.descriptors = {machio::ool_memory()}});
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
