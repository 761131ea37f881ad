// SPDX-License-Identifier: BSL-1.0
// machio/sync.hpp — blocking send, receive and call.
#ifndef MACHIO_SYNC_HPP
#define MACHIO_SYNC_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/detail/throwing.hpp>
#include <machio/message.hpp>
#include <machio/port_set.hpp>
#include <machio/received_message.hpp>
#include <machio/receive_right.hpp>
#include <machio/trailer.hpp>

#include <chrono>
#include <optional>

namespace machio {

//! A timeout of "wait as long as it takes".
inline constexpr std::chrono::milliseconds forever = std::chrono::milliseconds::max();
//! A timeout of "do not wait at all" (poll).
inline constexpr std::chrono::milliseconds no_wait{0};

//! How receive() and call() receive.
struct receive_options {
  //! Initial room for header, descriptors and body; the trailer is added on top.
  mach_msg_size_t buffer_size = 1024;
  //! Receive with MACH_RCV_LARGE and retry with a buffer of the reported size, so a large
  //! message is never lost. When false, a message that does not fit is destroyed by the
  //! kernel and MACH_RCV_TOO_LARGE reported.
  bool grow = true;
  //! The trailer to request (default: everything up to the port's context).
  trailer_elements trailer = trailer_elements::context;
  //! Accept guarded port descriptors (MACH_RCV_GUARDED_DESC); without it the kernel
  //! destroys the rights they carry (the descriptor arrives with name 0). Off by
  //! default, as in C: the kevent that receives for async_receive cannot accept them,
  //! so an async_receive that asks for them receives with a mach_msg of its own, one
  //! more call per message.
  bool guarded_descriptors = false;
};

//! Sends \p msg, waiting at most \p timeout for room in a full queue. On success \p msg is
//! empty (the kernel took its rights). On failure \p msg keeps every right it still owns,
//! with the names the kernel gave back (see machio::message), so it can be retried:
//! MACH_SEND_TIMED_OUT (== errc::timed_out) is the usual one. Fails with
//! machio::error::message_consumed for an empty message.
void send(message& msg, std::chrono::milliseconds timeout, boost::system::error_code& ec);
//! Throwing form of send(msg, timeout, ec).
inline void send(message& msg, std::chrono::milliseconds timeout = forever,
                 const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
  detail::throwing("machio::send", loc, [&](auto& ec) { send(msg, timeout, ec); });
}
//! Sends a temporary message; on failure whatever it owns is released.
inline void send(message&& msg, std::chrono::milliseconds timeout, boost::system::error_code& ec) {
  send(msg, timeout, ec);
}
//! Throwing form of send(std::move(msg), timeout, ec).
inline void send(message&& msg, std::chrono::milliseconds timeout = forever,
                 const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
  send(msg, timeout, loc);
}

//! Receives the next message queued on \p port, waiting at most \p timeout. Returns it
//! owning everything it carries. MACH_RCV_TIMED_OUT (== errc::timed_out) when none came.
received_message receive(const receive_right& port, const receive_options& options,
                         std::chrono::milliseconds timeout, boost::system::error_code& ec);
//! Throwing form of receive(port, options, timeout, ec).
inline received_message receive(const receive_right& port, const receive_options& options = {},
                                std::chrono::milliseconds timeout = forever,
                                const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
  return detail::throwing("machio::receive", loc,
                          [&](auto& ec) { return receive(port, options, timeout, ec); });
}
//! Receives the next message from any member of \p set (local_port() tells which).
received_message receive(const port_set& set, const receive_options& options,
                         std::chrono::milliseconds timeout, boost::system::error_code& ec);
//! Throwing form of receive(set, options, timeout, ec).
inline received_message receive(const port_set& set, const receive_options& options = {},
                                std::chrono::milliseconds timeout = forever,
                                const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
  return detail::throwing("machio::receive", loc,
                          [&](auto& ec) { return receive(set, options, timeout, ec); });
}

//! How call() matches and receives the reply.
struct call_options {
  //! How the reply is received (buffer size, trailer).
  receive_options receive;
  //! Check the reply's id: by default the MIG convention, request id + 100. A reply with
  //! id MACH_NOTIFY_SEND_ONCE means the server dropped the reply right (MIG_SERVER_DIED).
  bool check_reply_id = true;
  //! Expected reply id when not the MIG one.
  std::optional<mach_msg_id_t> reply_id;
};

//! Sends \p request with a send-once reply right made from a fresh reply port and
//! receives the reply in the same mach_msg call; \p timeout bounds each phase. The request
//! must not already have a reply port (machio::error::invalid_options). On a send failure
//! \p request keeps its rights as with send(); once sent, \p request is empty. A reply
//! with the wrong id is destroyed and reported as MIG_REPLY_MISMATCH.
received_message call(message& request, const call_options& options,
                      std::chrono::milliseconds timeout, boost::system::error_code& ec);
//! Throwing form of call(request, options, timeout, ec).
inline received_message call(message& request, const call_options& options = {},
                             std::chrono::milliseconds timeout = forever,
                             const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
  return detail::throwing("machio::call", loc,
                          [&](auto& ec) { return call(request, options, timeout, ec); });
}
//! As call(request, options, timeout, ec) but receives on \p reply_port, reused across
//! calls (no port is created). Messages already queued on \p reply_port are stale (no call
//! is outstanding) and are destroyed before the request is sent. A late reply that arrives
//! while the next call waits is caught by the reply-id check only if the ids differ: after
//! a receive timeout, prefer the fresh-port form.
received_message call(message& request, const receive_right& reply_port,
                      const call_options& options, std::chrono::milliseconds timeout,
                      boost::system::error_code& ec);
//! Throwing form of call(request, reply_port, options, timeout, ec).
inline received_message call(message& request, const receive_right& reply_port,
                             const call_options& options = {},
                             std::chrono::milliseconds timeout = forever,
                             const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
  return detail::throwing("machio::call", loc, [&](auto& ec) {
    return call(request, reply_port, options, timeout, ec);
  });
}

}  // namespace machio

#endif  // MACHIO_SYNC_HPP
