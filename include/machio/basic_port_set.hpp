// machio/basic_port_set.hpp — a port set as an Asio I/O object: one receive for many ports.
#ifndef MACHIO_BASIC_PORT_SET_HPP
#define MACHIO_BASIC_PORT_SET_HPP

#include <machio/detail/port_ops.hpp>
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
class basic_port_set {
 public:
  //! The executor the object's operations use by default.
  using executor_type = Executor;
  //! The same I/O object on another executor type.
  template <class Executor1>
  struct rebind_executor {
    using other = basic_port_set<Executor1>;
  };
  //! The owned set's name.
  using native_handle_type = mach_port_name_t;

  //! An object owning \p set (may be empty).
  explicit basic_port_set(const executor_type& ex, port_set set = {})
      : executor_(ex), service_(&detail::port_service_of(ex)), impl_(std::make_unique<detail::port_impl>()),
        set_(std::move(set)) {
    service_->construct(*impl_, set_.get());
  }
  //! As above with \p context's executor.
  template <class ExecutionContext>
    requires std::convertible_to<ExecutionContext&, boost::asio::execution_context&>
  explicit basic_port_set(ExecutionContext& context, port_set set = {})
      : basic_port_set(executor_type(context.get_executor()), std::move(set)) {}

  //! Takes over \p other's set, executor and pending operations (they stay queued).
  basic_port_set(basic_port_set&&) noexcept = default;
  //! Aborts this object's operations and destroys its set, then takes over \p other's.
  basic_port_set& operator=(basic_port_set&& other) noexcept {
    if (this != &other) {
      if (impl_) service_->destroy(*impl_);
      executor_ = std::move(other.executor_);
      service_ = other.service_;
      impl_ = std::move(other.impl_);
      set_ = std::move(other.set_);
    }
    return *this;
  }
  //! Not copyable: the object owns its set and its pending operations.
  basic_port_set(const basic_port_set&) = delete;
  basic_port_set& operator=(const basic_port_set&) = delete;
  //! Completes pending operations with operation_aborted, then destroys the set.
  ~basic_port_set() {
    if (impl_) service_->destroy(*impl_);
  }

  //! The executor given at construction.
  executor_type get_executor() const noexcept { return executor_; }
  //! The set's name (borrowed).
  native_handle_type native_handle() const noexcept { return set_.get(); }
  //! The owned set (borrowed), to add and remove members.
  const port_set& set() const noexcept { return set_; }
  //! True while the object owns a set.
  bool is_open() const noexcept { return static_cast<bool>(set_); }
  //! Completes every pending operation with operation_aborted; returns how many.
  std::size_t cancel() noexcept { return service_->cancel(*impl_); }
  //! Cancels, then destroys the set (members stay alive, outside any set).
  void close() noexcept {
    if (!impl_) return;
    service_->reset(*impl_, MACH_PORT_NULL);
    set_ = port_set();
  }
  //! Cancels, then gives the set to the caller.
  [[nodiscard]] port_set release() noexcept {
    service_->reset(*impl_, MACH_PORT_NULL);
    return std::move(set_);
  }

  //! Receives the next message from any member.
  //!
  //! Completion signature: void(boost::system::error_code, machio::received_message);
  //! local_port() of the message names the member. Executor: the handler's associated
  //! executor (default: this object's), posted, never inside this call. Per-operation
  //! cancellation: terminal, partial, total; nothing is dequeued by a cancelled receive.
  template <boost::asio::completion_token_for<void(boost::system::error_code, received_message)> Token =
                boost::asio::default_completion_token_t<executor_type>>
  auto async_receive(const receive_options& options = {},
                     Token&& token = boost::asio::default_completion_token_t<executor_type>()) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, received_message)>(
        initiate_receive(this), token, options);
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
    return machio::receive(set_, options, timeout, ec);
  }
  //! Throwing form.
  received_message receive(const receive_options& options = {}, std::chrono::milliseconds timeout = forever) {
    return machio::receive(set_, options, timeout);
  }

 private:
  // Copies what it needs when constructed (the token may own this object).
  struct initiate_receive {
    using executor_type = Executor;
    Executor ex;
    detail::port_service* service;
    detail::port_impl* impl;
    explicit initiate_receive(basic_port_set* self)
        : ex(self->executor_), service(self->service_), impl(self->impl_.get()) {}
    executor_type get_executor() const noexcept { return ex; }
    template <class Handler>
    void operator()(Handler&& handler, const receive_options& options) const {
      detail::port_op* op = detail::make_port_op<received_message>(detail::port_op::kind::receive_message,
                                                                   std::forward<Handler>(handler), ex, *service, impl);
      op->options = options;
      service->start_receive(*impl, op);
    }
  };

  Executor executor_;
  detail::port_service* service_;
  std::unique_ptr<detail::port_impl> impl_;  // stable address: the knote's udata
  port_set set_;
};

//! A port set I/O object on boost::asio::any_io_executor.
using port_set_object = basic_port_set<>;

}  // namespace machio

#endif  // MACHIO_BASIC_PORT_SET_HPP
