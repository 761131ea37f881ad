// SPDX-License-Identifier: BSL-1.0
// What the demo's clients share: finding the server, the sender of a message, and running a
// coroutine as a whole program.
#ifndef MACHIO_EXAMPLES_DEMO_CLIENT_HPP
#define MACHIO_EXAMPLES_DEMO_CLIENT_HPP

#include "protocol.hpp"
#include "transcript.hpp"

#include <machio/asio.hpp>
#include <machio/machio.hpp>
#include <machio/mig/async_call.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>

#include <exception>

namespace demo {

using executor = boost::asio::io_context::executor_type;
using boost::asio::awaitable;
using boost::asio::use_awaitable;

// [look-up]
//! Looks the server up by name. Returns a send right the caller owns; the bootstrap server
//! keeps its own.
inline machio::send_right look_up_server(const transcript& out) {
  machio::send_right server = machio::bootstrap::look_up(service_name);
  out.say("I am pid %d; looked up \"%s\" and got a send right to the server, named 0x%x in my task",
          static_cast<int>(getpid()), service_name, server.get());
  return server;
}
// [look-up]

//! The sender's pid from a message's audit token (the kernel writes it; the sender cannot
//! forge it), or -1 when the trailer has none.
inline int sender_pid(const machio::received_message& msg) noexcept {
  const auto audit = msg.trailer().audit();
  return audit ? audit->pid() : -1;
}

//! Runs the coroutine \p client(executor) on an io_context until it finishes. Returns the
//! process's exit status: 0, or 1 after saying why the coroutine failed.
template <class Client>
int run_client(const transcript& out, Client client) {
  boost::asio::io_context io;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, client(io.get_executor()),
                        [&failure](std::exception_ptr e) { failure = e; });
  try {
    io.run();
    if (failure) std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    out.say("FAILED: %s", e.what());
    return 1;
  }
  out.say("done");
  return 0;
}

}  // namespace demo

#endif  // MACHIO_EXAMPLES_DEMO_CLIENT_HPP
