// SPDX-License-Identifier: BSL-1.0
// hello_async: a Mach server and its client, both coroutines in one process on one
// io_context. The server checks in a bootstrap name and serves one MIG routine; the client
// looks the name up, calls the routine with co_await and checks the answer. The blocks
// between the [hello-...] markers are doc/tutorial.md's sections 4 to 6, in order.
// [hello-includes]
#include <machio/asio.hpp>            // the Asio layer: ports, async_send, async_call
#include <machio/machio.hpp>          // the synchronous core: rights, messages, bootstrap
#include <machio/mig/async_call.hpp>  // mig::routine and mig::async_call
#include <machio/server.hpp>          // machio::server

#include <unistd.h>  // getpid

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

namespace asio = boost::asio;
namespace mig = machio::mig;
// [hello-includes]

// [hello-name]
// The name the server checks in and the client looks up. Every process of the user's
// session sees the same names, so it is reverse-DNS, as launchd's are.
constexpr std::string_view service_name = "org.machio.example.hello_async";
// [hello-name]

// [hello-routine]
// The protocol, as a .defs file would declare it:
//   routine greet(server : mach_port_t; name : c_string[*:64];
//                 out greeting : c_string[*:128]; out caller_pid : int32_t);
// The first argument (the port the request goes to) is the header's, so it is not listed.
using greet = mig::routine<5000,                                  // msgh_id; the reply's is 5100
                           mig::in<mig::bounded_c_string<64>>,    // name
                           mig::out<mig::bounded_c_string<128>>,  // greeting
                           mig::out<mig::scalar<std::int32_t>>>;  // caller_pid
// [hello-routine]

// [hello-client]
// The client: looks the server up, calls greet and checks both answers. While it waits for
// the reply, the same io_context runs the server's handler.
asio::awaitable<void> client() {
  const auto ex = co_await asio::this_coro::executor;
  const machio::send_right server = machio::bootstrap::look_up(service_name);
  auto [greeting, pid] = co_await mig::async_call<greet>(ex, server, "world", asio::use_awaitable);
  std::printf("client: greet answered \"%.*s\"; the server saw pid %d\n",
              static_cast<int>(greeting.size()), greeting.data(), pid);
  if (greeting.view() != "hello, world") throw std::runtime_error("greet answered the wrong text");
  // The kernel wrote the audit token, so the pid is ours: one process plays both parts.
  if (pid != getpid()) throw std::runtime_error("the audit token names another process");
}
// [hello-client]

// [hello-server]
// The server: one handler per routine. The request has passed MIG's checks before the
// handler runs; call.caller() is the audit token from its trailer, which the sender
// cannot forge.
void serve_greet(machio::server& server) {
  server.handle<greet>([](mig::server_call<greet>& call) -> asio::awaitable<kern_return_t> {
    const auto& [name] = call.in();  // mig::string<64>: the text before its NUL
    std::printf("server: greet(\"%.*s\") from pid %d\n", static_cast<int>(name.size()), name.data(),
                call.caller().pid());
    const std::string greeting = "hello, " + std::string(name.view());
    // reply() packs the reply now (the text is copied); the server sends it when the
    // handler returns KERN_SUCCESS.
    co_return call.reply(greeting, call.caller().pid());
  });
}
// [hello-server]

// [hello-main]
int main() try {
  asio::io_context io;
  // Checked in before the client starts, so its look-up finds the name. The server owns
  // the receive right; the name is free again when the server is gone.
  machio::server server(io.get_executor(), machio::bootstrap::check_in(service_name));
  serve_greet(server);

  // The server runs until its cancellation slot is signalled: then it stops receiving,
  // lets running handlers finish, and completes with operation_aborted.
  asio::cancellation_signal stop;
  boost::system::error_code stopped;
  server.async_run(asio::bind_cancellation_slot(
      stop.slot(), [&](boost::system::error_code ec) { stopped = ec; }));

  // When the client is done, whether it succeeded or threw, the server stops, and with
  // no work left io.run() returns.
  std::exception_ptr failure;
  asio::co_spawn(io, client(), [&](std::exception_ptr e) {
    failure = e;
    stop.emit(asio::cancellation_type::terminal);
  });
  io.run();

  if (failure) std::rethrow_exception(failure);
  if (stopped != asio::error::operation_aborted)
    throw boost::system::system_error(stopped, "server");
  std::printf("hello_async: OK\n");
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "hello_async failed: %s\n", e.what());
  return 1;
}
// [hello-main]
