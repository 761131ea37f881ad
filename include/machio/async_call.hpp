// machio/async_call.hpp — request/reply over a fresh send-once reply port, asynchronously.
#ifndef MACHIO_ASYNC_CALL_HPP
#define MACHIO_ASYNC_CALL_HPP

#include <machio/async_send.hpp>
#include <machio/basic_receive_port.hpp>
#include <machio/detail/message_access.hpp>
#include <machio/mig.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>

namespace machio {
namespace detail {

//! The composed call: send (waiting on a full queue if need be), then receive the reply
//! on a reply port that lives exactly as long as the operation.
template <class Executor>
struct call_op {
  enum class state : unsigned char { start, sending, receiving };

  Executor ex;
  message request;
  call_options options;
  basic_receive_port<Executor> reply;
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
      reply.assign(receive_right::allocate({}, ec));
    }
    if (ec) {
      st = state::receiving;  // completes with ec on the next step, posted (never inline)
      boost::asio::post(ex, boost::asio::append(std::move(self), ec, received_message{}));
      return;
    }
    request_id = request.id();
    message_access::reply(request) = {reply.native_handle(), MACH_MSG_TYPE_MAKE_SEND_ONCE};
    st = state::sending;
    machio::async_send(ex, std::move(request), std::move(self));
  }

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec, message unsent) {
    if (ec) {
      // Not sent: drop the reply right the call added; the rest of the request is
      // destroyed with `unsent` (its rights released, never leaked).
      if (unsent.valid()) message_access::clear_reply(unsent);
      self.complete(ec, received_message{});
      return;
    }
    // Sent: the server may act on it, so only terminal and partial cancellation remain
    // (the reply is abandoned; the reply port dies with this operation, and a late reply
    // finds a dead name and is discarded by the kernel).
    self.reset_cancellation_state(boost::asio::enable_partial_cancellation());
    st = state::receiving;
    reply.async_receive(options.receive, std::move(self));
  }

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec, received_message m) {
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

//! Sends \p request with a send-once right to a fresh reply port and completes with the
//! reply (checked as call() does: MIG reply id, MIG_SERVER_DIED when the server dropped
//! the reply right).
//!
//! Completion signature: void(boost::system::error_code, machio::received_message).
//! Executor: \p ex's io_context does the waiting; the handler runs on its associated
//! executor (default \p ex), never inside this call.
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
      detail::call_op<Executor>{ex, std::move(request), options, basic_receive_port<Executor>(ex), 0,
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

}  // namespace machio

#endif  // MACHIO_ASYNC_CALL_HPP
