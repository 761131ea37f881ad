// SPDX-License-Identifier: BSL-1.0
// machio/basic_port_set.hpp — a port set as an Asio I/O object: one receive for many ports.
#ifndef MACHIO_BASIC_PORT_SET_HPP
#define MACHIO_BASIC_PORT_SET_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/detail/basic_port_object.hpp>
#include <machio/port_set.hpp>
#include <machio/sync.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution_context.hpp>

#include <concepts>
#include <memory>

namespace machio {

//! Owns a port_set and receives from any of its members asynchronously; each message's
//! local_port() names the member it arrived on. Members are managed through set()
//! (insert, extract, move_in); the receive rights stay owned by their receive_right
//! objects. Concurrency, thread safety, lifetime and cancellation as basic_receive_port:
//! concurrent receives queue FIFO; destroying the object aborts them.
template <class Executor = boost::asio::any_io_executor>
class basic_port_set : public detail::basic_port_object<Executor, port_set> {
  using base = detail::basic_port_object<Executor, port_set>;

 public:
  using typename base::executor_type;
  using typename base::native_handle_type;
  //! The same I/O object on another executor type.
  template <class Executor1>
  struct rebind_executor {
    //! basic_port_set on \p Executor1.
    using other = basic_port_set<Executor1>;
  };

  //! An object owning \p set (may be empty). get_executor(), native_handle(), is_open(),
  //! cancel(), close() (destroys the set; members stay alive, outside any set) and
  //! release() (hands out the port_set) come from detail::basic_port_object.
  explicit basic_port_set(const executor_type& ex, port_set set = {}) : base(ex, std::move(set)) {}
  //! As above with \p context's executor.
  template <class ExecutionContext>
    requires std::convertible_to<ExecutionContext&, boost::asio::execution_context&>
  explicit basic_port_set(ExecutionContext& context, port_set set = {})
      : basic_port_set(executor_type(context.get_executor()), std::move(set)) {}
  //! Takes over the other object's set, executor and pending operations (they stay queued).
  basic_port_set(basic_port_set&&) noexcept = default;
  //! Aborts this object's operations and destroys its set, then takes over \p other's.
  basic_port_set& operator=(basic_port_set&& other) noexcept = default;

  //! The owned set (borrowed), to add and remove members.
  const port_set& set() const noexcept { return this->owned(); }

  //! Receives the next message from any member.
  //!
  //! Completion signature: void(boost::system::error_code, machio::received_message);
  //! local_port() of the message names the member. Executor: the handler's associated
  //! executor (default: this object's), never inside this call (as for
  //! basic_receive_port::async_receive). Per-operation
  //! cancellation: terminal, partial, total; nothing is dequeued by a cancelled receive.
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

  //! Blocking receive from any member (see machio::receive).
  received_message receive(const receive_options& options, std::chrono::milliseconds timeout,
                           boost::system::error_code& ec) {
    return machio::receive(set(), options, timeout, ec);
  }
  //! Throwing form.
  received_message receive(const receive_options& options = {}, std::chrono::milliseconds timeout = forever) {
    return machio::receive(set(), options, timeout);
  }
};

//! A port set I/O object on boost::asio::any_io_executor.
using port_set_object = basic_port_set<>;

}  // namespace machio

#endif  // MACHIO_BASIC_PORT_SET_HPP
