// What the demo's clients share: finding the server, turning protocol structs into message
// bytes and back, and running a coroutine as a whole program.
#ifndef MACHIO_EXAMPLES_DEMO_CLIENT_HPP
#define MACHIO_EXAMPLES_DEMO_CLIENT_HPP

#include "protocol.hpp"
#include "transcript.hpp"

#include <machio/asio.hpp>
#include <machio/machio.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <exception>
#include <span>

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

// [fields]
//! The data fields of a protocol struct: its bytes from the NDR record on. message_builder
//! writes the header and the descriptors itself; appending these bytes after them makes
//! the message byte for byte the struct (both are packed as MIG packs them).
template <class Fields>
std::span<const std::byte> fields_of(const Fields& fields) noexcept {
  return std::as_bytes(std::span(&fields, 1)).subspan(offsetof(Fields, ndr));
}
// [fields]

//! Reads a received message as the protocol struct T: the header, then the body into the
//! fields from the NDR record on. The body must hold at least \p min_fields bytes (default:
//! all of them; less for a struct ending in a variable-length array); fields past a
//! shorter body read as 0. Fails with machio::error::malformed_message otherwise.
template <class T>
T read_fields(const machio::received_message& msg, boost::system::error_code& ec,
              std::size_t min_fields = sizeof(T) - offsetof(T, ndr)) noexcept {
  T out{};
  const auto body = msg.body();
  if (body.size() < min_fields) {
    ec = machio::error::malformed_message;
    return out;
  }
  out.header = msg.header();
  std::memcpy(reinterpret_cast<std::byte*>(&out) + offsetof(T, ndr), body.data(),
              std::min(body.size(), sizeof(T) - offsetof(T, ndr)));
  ec = {};
  return out;
}

//! Checks \p reply as a MIG client stub does (id = request + 100; a short reply carrying a
//! non-zero return code is that error), then reads it as the Reply struct.
template <class Reply>
Reply read_reply(const machio::received_message& reply, mach_msg_id_t request_id,
                 boost::system::error_code& ec,
                 std::size_t min_fields = sizeof(Reply) - offsetof(Reply, ndr)) noexcept {
  ec = machio::mig::check_reply(reply, request_id);
  if (ec) return Reply{};
  return read_fields<Reply>(reply, ec, min_fields);
}

//! Throwing form of read_reply.
template <class Reply>
Reply read_reply(const machio::received_message& reply, mach_msg_id_t request_id,
                 std::size_t min_fields = sizeof(Reply) - offsetof(Reply, ndr)) {
  boost::system::error_code ec;
  Reply out = read_reply<Reply>(reply, request_id, ec, min_fields);
  if (ec) throw boost::system::system_error(ec, "reading the reply");
  return out;
}

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
