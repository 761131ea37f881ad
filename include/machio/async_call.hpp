// SPDX-License-Identifier: BSL-1.0
// machio/async_call.hpp — request/reply over a send-once right to a reply port,
// asynchronously; reply ports are reused when that is safe (src/reply_cache.cpp).
#ifndef MACHIO_ASYNC_CALL_HPP
#define MACHIO_ASYNC_CALL_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/async_send.hpp>
#include <machio/detail/message_access.hpp>
#include <machio/detail/reply_port.hpp>
#include <machio/mig.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>

namespace machio {
namespace detail {

//! The composed call: send (waiting on a full queue if need be), then receive the reply
//! on a reply port held for exactly the operation, taken from and given back to the port
//! service's cache.
template <class Executor>
struct call_op {
  enum class state : unsigned char { start, sending, receiving };

  Executor ex;
  message request;
  call_options options;
  reply_port reply;
  mach_msg_id_t request_id = 0;
  state st = state::start;

  template <class Self>
  void operator()(Self& self) {
    // Every cancellation type is safe until the request is sent.
    self.reset_cancellation_state(boost::asio::enable_total_cancellation());
    boost::system::error_code ec;
    if (!request.valid()) {
      ec = error::message_consumed;
    } else if (request.reply_port() != MACH_PORT_NULL) {
      ec = error::invalid_options;
    } else {
      reply = reply_port(port_service_of(ex), ec);
    }
    if (ec) {
      st = state::receiving;  // completes with ec on the next step, posted (never inline)
      boost::asio::post(ex, boost::asio::append(std::move(self), ec, received_message{}));
      return;
    }
    request_id = request.id();
    message_access::reply(request) = {reply.name(), MACH_MSG_TYPE_MAKE_SEND_ONCE};
    st = state::sending;
    machio::async_send(ex, std::move(request), std::move(self));
  }

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec, message unsent) {
    if (ec) {
      // Not sent: drop the reply right the call added; the rest of the request is
      // destroyed with `unsent` (its rights released, never leaked).
      // (A send-once right the kernel gave back and that dies here notifies the reply
      // port: it is destroyed, never cached.)
      if (unsent.valid()) message_access::clear_reply(unsent);
      reply.give_back(reply_fate::abandoned);
      self.complete(ec, received_message{});
      return;
    }
    // Sent: the server may act on it, so only terminal and partial cancellation remain
    // (the reply is abandoned; the reply port is destroyed, and a late reply finds a dead
    // name and is discarded by the kernel).
    // A cancellation that came while the send's completion was queued is recorded in the
    // state being reset: read it first, or it is lost and the call waits for a reply that
    // may never come. Of what it says, only terminal and partial still apply.
    const boost::asio::cancellation_type_t pending = self.cancelled();
    self.reset_cancellation_state(boost::asio::enable_partial_cancellation());
    if ((pending & (boost::asio::cancellation_type::terminal | boost::asio::cancellation_type::partial)) !=
        boost::asio::cancellation_type::none) {
      reply.give_back(reply_fate::abandoned);
      self.complete(boost::asio::error::operation_aborted, received_message{});
      return;
    }
    st = state::receiving;
    reply.async_receive(ex, options.receive, std::move(self));
  }

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec, received_message m) {
    // The reply port may be reused only if nothing can ever reach it again: no message
    // queued and no right to it left anywhere. The call made exactly one right to it, the
    // send-once right in the request (XNU makes send-once rights only from the receive
    // right, which the call holds, and makes no send right here), and a send-once right
    // carries exactly one message: the reply sent through it, or the kernel's
    // MACH_NOTIFY_SEND_ONCE when the right is destroyed unused (the server dropped it, or
    // died with the request queued), which travels on the right itself. So:
    // - a message was received (success): it came through that right, which is consumed
    //   and was the only way in — reusable, with no system call. This holds whatever the
    //   message says: a MACH_NOTIFY_SEND_ONCE (MIG_SERVER_DIED below) and a reply with
    //   the wrong id (MIG_REPLY_MISMATCH) consumed the right just as a good reply does.
    // - operation_aborted (cancelled after the send, or the io_context shutting down):
    //   the right may still be out and a late reply may come — destroyed, so that the
    //   reply finds a dead name.
    // - any other receive error: whether the message was dequeued depends on the error
    //   (MACH_RCV_TOO_LARGE leaves it queued when the receive asked for MACH_RCV_LARGE
    //   and destroys it otherwise; a message received but malformed was dequeued; one too
    //   large to grow into stays), so the kernel is asked: reusable only when the port
    //   has no message and no send-once or send right left (mach_port_get_attributes).
    reply.give_back(!ec ? reply_fate::answered
                        : ec == boost::asio::error::operation_aborted ? reply_fate::abandoned
                                                                       : reply_fate::unknown);
    if (!ec && options.check_reply_id) {
      if (m.id() == MACH_NOTIFY_SEND_ONCE)
        ec = make_mach_error_code(MIG_SERVER_DIED);
      else if (m.id() != options.reply_id.value_or(mig::reply_id(request_id)))
        ec = make_mach_error_code(MIG_REPLY_MISMATCH);
      if (ec) m.reset();
    }
    self.complete(ec, std::move(m));
  }
};

}  // namespace detail

//! Sends \p request with a send-once right to a reply port and completes with the reply
//! (checked as call() does: MIG reply id, MIG_SERVER_DIED when the server dropped the
//! reply right).
//!
//! Completion signature: void(boost::system::error_code, machio::received_message).
//! Executor: \p ex's io_context does the waiting; the handler runs on its associated
//! executor (default \p ex), never inside this call.
//! Reply ports: taken from a cache kept per io_context (at most 16 ports) and given back
//! before the handler runs, when the call received the one message its send-once right
//! could carry (the reply, a mismatched reply, or the MACH_NOTIFY_SEND_ONCE of a dropped
//! right): then no right to the port remains and nothing is queued on it. Every other
//! ending (cancelled after the send, a send failure, a receive error after which the
//! kernel reports a right or a message left) destroys the port. Cached ports are
//! destroyed with the io_context, on fork_prepare, and by drain_reply_ports(). In the
//! steady state a call allocates nothing beyond what its handler's allocator provides.
//! Per-operation cancellation: terminal, partial and total until the request is sent
//! (nothing happened; the request's rights are released); terminal and partial after
//! (the server may already act; the reply port is destroyed, so a late reply is
//! discarded by the kernel and the reply right it carried is released).
//! On a send failure the request's rights are released (the request is consumed).
template <class Executor,
          boost::asio::completion_token_for<void(boost::system::error_code, received_message)> Token =
              boost::asio::default_completion_token_t<Executor>>
  requires(!std::convertible_to<Executor&, boost::asio::execution_context&>)
auto async_call(const Executor& ex, message request, const call_options& options = {},
                Token&& token = boost::asio::default_completion_token_t<Executor>()) {
  return boost::asio::async_compose<Token, void(boost::system::error_code, received_message)>(
      detail::call_op<Executor>{ex, std::move(request), options, detail::reply_port(), 0,
                                detail::call_op<Executor>::state::start},
      token, ex);
}

//! async_call with default options.
template <class Executor, boost::asio::completion_token_for<void(boost::system::error_code, received_message)> Token>
  requires(!std::convertible_to<Executor&, boost::asio::execution_context&> &&
           !std::convertible_to<Token, const call_options&>)
auto async_call(const Executor& ex, message request, Token&& token) {
  return async_call(ex, std::move(request), call_options{}, std::forward<Token>(token));
}

//! Destroys the reply ports async_call keeps for reuse on \p ex's io_context and returns
//! how many. Never needed for correctness (they are destroyed with the io_context); for a
//! program that counts its port names, or wants the ports gone while the io_context
//! lives. Ports in use by pending calls are not affected. Thread-safe.
template <class Executor>
  requires(!std::convertible_to<Executor&, boost::asio::execution_context&>)
std::size_t drain_reply_ports(const Executor& ex) {
  return detail::port_service_of(ex).drain_reply_cache();
}

}  // namespace machio

#endif  // MACHIO_ASYNC_CALL_HPP
