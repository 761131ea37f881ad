// SPDX-License-Identifier: BSL-1.0
// machio/basic_receive_port.hpp — a receive right as an Asio I/O object.
#ifndef MACHIO_BASIC_RECEIVE_PORT_HPP
#define MACHIO_BASIC_RECEIVE_PORT_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/detail/basic_port_object.hpp>
#include <machio/sync.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution_context.hpp>

#include <concepts>
#include <memory>
#include <span>

namespace machio {

//! Owns a receive_right and receives from it asynchronously on an io_context.
//!
//! Concurrency: any number of async_receive operations may be outstanding on one object;
//! they are queued and complete in the order they were started (FIFO), each with the next
//! message. Thread safety: distinct objects are safe; one shared object is not (use a
//! strand). The io_context itself may be run by many threads.
//!
//! The object must be destroyed before its io_context. Destroying it completes its pending
//! operations with boost::asio::error::operation_aborted and destroys the receive right.
template <class Executor = boost::asio::any_io_executor>
class basic_receive_port : public detail::basic_port_object<Executor, receive_right> {
  using base = detail::basic_port_object<Executor, receive_right>;

 public:
  using typename base::executor_type;
  using typename base::native_handle_type;
  //! The same I/O object on another executor type.
  template <class Executor1>
  struct rebind_executor {
    //! basic_receive_port on \p Executor1.
    using other = basic_receive_port<Executor1>;
  };

  //! An object owning \p right (may be empty: open it later with assign()).
  //! get_executor(), native_handle(), is_open(), cancel(), close() and release() (which
  //! hands out the receive_right) come from detail::basic_port_object.
  explicit basic_receive_port(const executor_type& ex, receive_right right = {}) : base(ex, std::move(right)) {}
  //! As above with \p context's executor.
  template <class ExecutionContext>
    requires std::convertible_to<ExecutionContext&, boost::asio::execution_context&>
  explicit basic_receive_port(ExecutionContext& context, receive_right right = {})
      : basic_receive_port(executor_type(context.get_executor()), std::move(right)) {}
  //! Takes over \p other's right, executor and pending operations (they stay queued).
  basic_receive_port(basic_receive_port&& other) noexcept = default;
  //! Aborts this object's operations and destroys its right, then takes over \p other's.
  basic_receive_port& operator=(basic_receive_port&& other) noexcept = default;

  //! The owned right (borrowed), e.g. to make send rights.
  const receive_right& right() const noexcept { return this->owned(); }
  //! Cancels pending operations, then owns \p right instead.
  void assign(receive_right right) { this->assign_right(std::move(right)); }

  //! Receives the next message, owning everything it carries.
  //!
  //! Completion signature: void(boost::system::error_code, machio::received_message).
  //! Executor: the handler runs on its associated executor (default: this object's),
  //! never inside this call: dispatched from the port service's wake, or posted when the
  //! result is known at once (a closed port) (see doc/async.md).
  //! Memory: the kevent that reports the message receives it, into a buffer of
  //! options.buffer_size plus the trailer that the operation holds while it waits; a
  //! larger message is received afterwards as options.grow says.
  //! Per-operation cancellation: terminal, partial and total; a cancelled receive has
  //! dequeued nothing (the message stays queued for the next receive).
  //! Errors: operation_aborted (cancel(), close(), destruction), bad_descriptor (closed),
  //! the Mach codes of mach_msg (e.g. MACH_RCV_PORT_DIED).
  template <boost::asio::completion_token_for<void(boost::system::error_code, received_message)> Token =
                boost::asio::default_completion_token_t<executor_type>>
  auto async_receive(const receive_options& options = {},
                     Token&& token = boost::asio::default_completion_token_t<executor_type>()) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, received_message)>(
        typename base::initiate_receive(this), token, options);
  }
  //! async_receive with default options and \p token.
  template <boost::asio::completion_token_for<void(boost::system::error_code, received_message)> Token>
    requires(!std::convertible_to<Token, const receive_options&>)
  auto async_receive(Token&& token) {
    return async_receive(receive_options{}, std::forward<Token>(token));
  }

  //! Receives the next message into \p buffer (8-byte aligned; at least header + trailer)
  //! for small fixed messages: nothing is allocated. The caller owns any right the bytes
  //! name. A message larger than the buffer is destroyed (MACH_RCV_TOO_LARGE).
  //!
  //! Completion signature: void(boost::system::error_code, std::size_t msgh_size).
  //! Executor and cancellation as for async_receive(options, token); the buffer must
  //! stay valid until the handler runs.
  template <boost::asio::completion_token_for<void(boost::system::error_code, std::size_t)> Token =
                boost::asio::default_completion_token_t<executor_type>>
  auto async_receive(std::span<std::byte> buffer,
                     Token&& token = boost::asio::default_completion_token_t<executor_type>()) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        typename base::initiate_receive_bytes(this), token, buffer);
  }

  //! Blocking receive (see machio::receive); does not interact with pending async ones.
  received_message receive(const receive_options& options, std::chrono::milliseconds timeout,
                           boost::system::error_code& ec) {
    return machio::receive(right(), options, timeout, ec);
  }
  //! Throwing form.
  received_message receive(const receive_options& options = {}, std::chrono::milliseconds timeout = forever) {
    return machio::receive(right(), options, timeout);
  }
};

}  // namespace machio

#endif  // MACHIO_BASIC_RECEIVE_PORT_HPP
