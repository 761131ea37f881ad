// SPDX-License-Identifier: BSL-1.0
// machio/async_send.hpp — sending without blocking a thread.
#ifndef MACHIO_ASYNC_SEND_HPP
#define MACHIO_ASYNC_SEND_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/detail/port_ops.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution_context.hpp>

#include <concepts>

namespace machio {
namespace detail {

template <class Executor>
struct initiate_send {
  using executor_type = Executor;
  Executor ex;
  executor_type get_executor() const noexcept { return ex; }
  template <class Handler>
  void operator()(Handler&& handler, message msg) const {
    auto& service = port_service_of(ex);
    port_op* op = make_port_op<message>(port_op::kind::send, std::forward<Handler>(handler), ex, service, nullptr);
    op->outgoing = std::move(msg);
    service.start_send(op);
  }
};

}  // namespace detail

//! Sends \p msg. When the destination's queue is full the operation registers for a
//! send-possible notification (MACH_NOTIFY_SEND_POSSIBLE, on the service's notify port)
//! and retries when it arrives: it never spins and never blocks a thread.
//!
//! Completion signature: void(boost::system::error_code, machio::message). The message is
//! empty after a successful send (the kernel took its rights); after a failure or a
//! cancellation it holds every right it still owns, so the caller can retry or drop it.
//! Executor: \p ex's io_context runs the waiting; the handler runs on its associated
//! executor (default \p ex), never inside this call: posted, or, when this call is made
//! by a handler the port service runs and the send finishes at once, run right after
//! that handler returns (doc/async.md, "Where handlers run").
//! Per-operation cancellation: terminal, partial and total while waiting on a full queue
//! (the message was not sent and comes back); a send the kernel accepted is not undone.
template <class Executor,
          boost::asio::completion_token_for<void(boost::system::error_code, message)> Token =
              boost::asio::default_completion_token_t<Executor>>
  requires(!std::convertible_to<Executor&, boost::asio::execution_context&>)
auto async_send(const Executor& ex, message msg, Token&& token = boost::asio::default_completion_token_t<Executor>()) {
  return boost::asio::async_initiate<Token, void(boost::system::error_code, message)>(
      detail::initiate_send<Executor>{ex}, token, std::move(msg));
}

//! async_send on \p context's executor.
template <class ExecutionContext,
          boost::asio::completion_token_for<void(boost::system::error_code, message)> Token =
              boost::asio::default_completion_token_t<typename ExecutionContext::executor_type>>
  requires std::convertible_to<ExecutionContext&, boost::asio::execution_context&>
auto async_send(ExecutionContext& context, message msg,
                Token&& token = boost::asio::default_completion_token_t<typename ExecutionContext::executor_type>()) {
  return async_send(context.get_executor(), std::move(msg), std::forward<Token>(token));
}

}  // namespace machio

#endif  // MACHIO_ASYNC_SEND_HPP
