// SPDX-License-Identifier: BSL-1.0
// machio/basic_dispatch_port.hpp — a receive right whose messages are handed, one per
// operation, to a dispatcher: the shape of a C API that wants "give me each raw message"
// (IOKit's IODispatchCalloutFromMessage, a MIG demux function) without a run loop.
#ifndef MACHIO_BASIC_DISPATCH_PORT_HPP
#define MACHIO_BASIC_DISPATCH_PORT_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/basic_receive_port.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>

#include <atomic>
#include <concepts>
#include <memory>
#include <utility>

namespace machio {

//! Something that consumes one received message. It may take rights, memory or the whole
//! buffer out of the message (received_message::take_*, release()); whatever is still in
//! it afterwards is destroyed by the dispatch port. It may throw: see async_dispatch.
template <class D>
concept message_dispatcher = std::move_constructible<D> && requires(D& d, received_message& m) { d(m); };

//! Owns a receive_right and a Dispatcher; each async_dispatch receives the next message
//! and runs the dispatcher on it.
//!
//! Concurrency and ordering as basic_receive_port: outstanding operations are FIFO and
//! dispatch in the order their messages were received, provided their handlers run on one
//! thread or strand. Thread safety: distinct objects are safe; one shared object is not.
//!
//! The object must be destroyed before its io_context. Destroying it completes pending
//! operations with operation_aborted; an operation whose message was already received
//! (its completion is queued) then does not run the dispatcher: it destroys the message
//! and completes with operation_aborted, so a dispatcher never outlives its object.
template <message_dispatcher Dispatcher, class Executor = boost::asio::any_io_executor>
class basic_dispatch_port {
 public:
  //! The executor the object's operations use by default.
  using executor_type = Executor;
  //! The same I/O object on another executor type.
  template <class Executor1>
  struct rebind_executor {
    //! basic_dispatch_port with the same dispatcher type on \p Executor1.
    using other = basic_dispatch_port<Dispatcher, Executor1>;
  };
  //! The dispatcher type.
  using dispatcher_type = Dispatcher;
  //! The owned right's name.
  using native_handle_type = mach_port_name_t;

  //! An object owning \p right (may be empty) and \p dispatcher.
  basic_dispatch_port(const executor_type& ex, receive_right right, Dispatcher dispatcher)
      : port_(std::make_unique<basic_receive_port<Executor>>(ex, std::move(right))),
        state_(std::make_shared<state>(std::move(dispatcher))) {}
  //! As above with \p context's executor.
  template <class ExecutionContext>
    requires std::convertible_to<ExecutionContext&, boost::asio::execution_context&>
  basic_dispatch_port(ExecutionContext& context, receive_right right, Dispatcher dispatcher)
      : basic_dispatch_port(executor_type(context.get_executor()), std::move(right), std::move(dispatcher)) {}

  //! Takes over \p other's right, dispatcher and pending operations; \p other may then
  //! only be destroyed or assigned to.
  basic_dispatch_port(basic_dispatch_port&& other) noexcept = default;
  //! Aborts this object's operations (as destruction does), then takes over \p other's.
  basic_dispatch_port& operator=(basic_dispatch_port&& other) noexcept {
    if (this != &other) {
      retire();
      port_ = std::move(other.port_);
      state_ = std::move(other.state_);
    }
    return *this;
  }
  basic_dispatch_port(const basic_dispatch_port&) = delete;
  basic_dispatch_port& operator=(const basic_dispatch_port&) = delete;

  //! See the class comment.
  ~basic_dispatch_port() { retire(); }

  //! The executor given at construction.
  executor_type get_executor() const noexcept { return port_->get_executor(); }
  //! The port name (borrowed).
  native_handle_type native_handle() const noexcept { return port_->native_handle(); }
  //! True while the object owns a right.
  bool is_open() const noexcept { return port_->is_open(); }
  //! The dispatcher (borrowed).
  Dispatcher& dispatcher() noexcept { return state_->dispatcher; }
  //! The dispatcher (borrowed, const).
  const Dispatcher& dispatcher() const noexcept { return state_->dispatcher; }

  //! Completes every operation still waiting for a message with operation_aborted (an
  //! operation whose message is already received still dispatches it); returns how many.
  std::size_t cancel() noexcept { return port_->cancel(); }
  //! Cancels, then owns \p right instead (nothing here can throw once \p right is given).
  void assign(receive_right right) noexcept { port_->assign(std::move(right)); }
  //! Cancels, then destroys the right.
  void close() noexcept { port_->close(); }
  //! Cancels, then gives the right to the caller (the object becomes closed).
  [[nodiscard]] receive_right release() noexcept { return port_->release(); }

  //! Receives the next message, runs the dispatcher on it, destroys what the dispatcher
  //! left in it, then completes.
  //!
  //! Completion signature: void(boost::system::error_code).
  //! Executor: the dispatcher and then the handler run on the handler's associated
  //! executor (default: this object's), one right after the other in the same invocation;
  //! never inside this call.
  //! Per-operation cancellation: terminal, partial and total, with basic_receive_port's
  //! guarantee: a cancelled operation has received and dispatched nothing (the message
  //! stays queued). A request arriving once the message is received has no effect.
  //! Exceptions: if the dispatcher throws, the exception propagates out of the completion
  //! (out of io_context::run()); the message is destroyed and the handler is destroyed
  //! without being called. The object stays usable.
  //! Errors: operation_aborted (cancel(), close(), destruction), bad_descriptor (closed),
  //! the Mach codes of mach_msg.
  template <boost::asio::completion_token_for<void(boost::system::error_code)> Token =
                boost::asio::default_completion_token_t<executor_type>>
  auto async_dispatch(Token&& token = boost::asio::default_completion_token_t<executor_type>()) {
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(
        dispatch_op{port_.get(), state_}, token, port_->get_executor());
  }

 private:
  // Shared with the operations in flight, so that a completion already queued when the
  // object goes away finds the dispatcher's memory and the flag telling it not to call it.
  struct state {
    explicit state(Dispatcher&& d) : dispatcher(std::move(d)) {}
    Dispatcher dispatcher;
    std::atomic<bool> alive{true};
  };

  // The composed operation: one async_receive, then the dispatcher. port is used only to
  // start the receive (it is heap-allocated, so it survives moves of this object).
  struct dispatch_op {
    basic_receive_port<Executor>* port;
    std::shared_ptr<state> st;

    template <class Self>
    void operator()(Self& self) {
      // The receive dequeues nothing when cancelled, so every type can pass through.
      self.reset_cancellation_state(boost::asio::enable_total_cancellation());
      port->async_receive(std::move(self));
    }
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, received_message msg) {
      if (!ec && !st->alive.load(std::memory_order_acquire)) ec = boost::asio::error::operation_aborted;
      if (!ec) st->dispatcher(msg);  // may throw: msg and self are destroyed on the way out
      msg.reset();  // released before the handler runs, so it sees the final state
      self.complete(ec);
    }
  };

  void retire() noexcept {
    if (state_) state_->alive.store(false, std::memory_order_release);
    port_.reset();  // completes pending operations with operation_aborted
  }

  std::unique_ptr<basic_receive_port<Executor>> port_;
  std::shared_ptr<state> state_;
};

//! A dispatch port on boost::asio::any_io_executor.
template <message_dispatcher Dispatcher>
using dispatch_port = basic_dispatch_port<Dispatcher>;

}  // namespace machio

#endif  // MACHIO_BASIC_DISPATCH_PORT_HPP
