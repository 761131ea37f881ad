// SPDX-License-Identifier: BSL-1.0
// Snippets for doc/mig.md: each block between [name] markers is quoted in the page.
// Built and run as a test so the page cannot drift from working code.
#include <machio/asio.hpp>
#include <machio/machio.hpp>
#include <machio/mig/async_call.hpp>
#include <machio/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdint>
#include <cstdio>
#include <stdexcept>

#include <unistd.h>

namespace asio = boost::asio;
namespace mig = machio::mig;

// [trailer-routine]
// routine whoami(server : mach_port_t; ServerAuditToken caller : audit_token_t;
//                MsgSeqno seqno : mach_port_seqno_t; out pid : int32_t;
//                UserAuditToken replier : audit_token_t);
using whoami = mig::routine<4800, mig::in<mig::trailer_audit_token>, mig::in<mig::trailer_seqno>,
                            mig::out<mig::scalar<std::int32_t>>, mig::out<mig::trailer_audit_token>>;
// [trailer-routine]

int main() {
  asio::io_context io;
  machio::port_pair port = machio::receive_right::allocate_pair();
  machio::server server(io.get_executor(), std::move(port.receive));
  // [trailer-server]
  server.handle<whoami>([](mig::server_call<whoami>& call) -> asio::awaitable<kern_return_t> {
    const auto& [caller, seqno] = call.in();  // from the request's trailer, not its body
    std::printf("request %u from pid %d\n", seqno, machio::audit_token(caller).pid());
    co_return call.reply(machio::audit_token(caller).pid());
  });
  // [trailer-server]
  asio::cancellation_signal stop;
  server.async_run(asio::bind_cancellation_slot(stop.slot(), [](boost::system::error_code) {}));

  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const auto ex = co_await asio::this_coro::executor;
        // [trailer-client]
        // The client passes no trailer argument; it gets the reply's (UserAuditToken).
        auto [pid, replier] = co_await mig::async_call<whoami>(ex, port.send, asio::use_awaitable);
        std::printf("the server saw pid %d; it is pid %d\n", pid, machio::audit_token(replier).pid());
        // [trailer-client]
        if (pid != getpid() || machio::audit_token(replier).pid() != getpid())
          throw std::runtime_error("the audit tokens do not name this process");
        stop.emit(asio::cancellation_type::terminal);
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run();
  std::printf("mig snippets: OK\n");
  return 0;
}
