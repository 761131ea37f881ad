// machio/basic_receive_port.hpp — a receive right as an Asio I/O object.
#ifndef MACHIO_BASIC_RECEIVE_PORT_HPP
#define MACHIO_BASIC_RECEIVE_PORT_HPP

#include <machio/detail/port_ops.hpp>
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
class basic_receive_port {
 public:
  //! The executor the object's operations use by default.
  using executor_type = Executor;
  //! The same I/O object on another executor type.
  template <class Executor1>
  struct rebind_executor {
    using other = basic_receive_port<Executor1>;
  };
  //! The owned right's name.
  using native_handle_type = mach_port_name_t;

  //! An object owning \p right (may be empty: open it later with assign()).
  explicit basic_receive_port(const executor_type& ex, receive_right right = {})
      : executor_(ex), service_(&detail::port_service_of(ex)),
        impl_(std::make_unique<detail::port_impl>()),
        right_(std::move(right)) {
    service_->construct(*impl_, right_.get());
  }
  //! As above with \p context's executor.
  template <class ExecutionContext>
    requires std::convertible_to<ExecutionContext&, boost::asio::execution_context&>
  explicit basic_receive_port(ExecutionContext& context, receive_right right = {})
      : basic_receive_port(executor_type(context.get_executor()), std::move(right)) {}

  //! Takes over \p other's right, executor and pending operations (they stay queued).
  basic_receive_port(basic_receive_port&& other) noexcept = default;
  //! Aborts this object's operations and destroys its right, then takes over \p other's.
  basic_receive_port& operator=(basic_receive_port&& other) noexcept {
    if (this != &other) {
      close();
      if (impl_) service_->destroy(*impl_);
      executor_ = std::move(other.executor_);
      service_ = other.service_;
      impl_ = std::move(other.impl_);
      right_ = std::move(other.right_);
    }
    return *this;
  }
  //! Not copyable: the object owns its right and its pending operations.
  basic_receive_port(const basic_receive_port&) = delete;
  basic_receive_port& operator=(const basic_receive_port&) = delete;

  //! Completes pending operations with operation_aborted, then destroys the right.
  ~basic_receive_port() {
    if (impl_) service_->destroy(*impl_);
  }

  //! The executor given at construction.
  executor_type get_executor() const noexcept { return executor_; }
  //! The port name (borrowed).
  native_handle_type native_handle() const noexcept { return right_.get(); }
  //! The owned right (borrowed), e.g. to make send rights.
  const receive_right& right() const noexcept { return right_; }
  //! True while the object owns a right.
  bool is_open() const noexcept { return static_cast<bool>(right_); }

  //! Cancels pending operations, then owns \p right instead.
  void assign(receive_right right) {
    service_->reset(*impl_, right.get());
    right_ = std::move(right);
  }
  //! Completes every pending operation with operation_aborted; returns how many.
  std::size_t cancel() noexcept { return service_->cancel(*impl_); }
  //! Cancels, then destroys the right.
  void close() noexcept {
    if (!impl_) return;
    service_->reset(*impl_, MACH_PORT_NULL);
    right_.reset();
  }
  //! Cancels, then gives the right to the caller (the object becomes closed).
  [[nodiscard]] receive_right release() noexcept {
    service_->reset(*impl_, MACH_PORT_NULL);
    return std::move(right_);
  }

  //! Receives the next message, owning everything it carries.
  //!
  //! Completion signature: void(boost::system::error_code, machio::received_message).
  //! Executor: the handler runs on its associated executor (default: this object's),
  //! always posted, never inside this call.
  //! Per-operation cancellation: terminal, partial and total; a cancelled receive has
  //! dequeued nothing (the message stays queued for the next receive).
  //! Errors: operation_aborted (cancel(), close(), destruction), bad_descriptor (closed),
  //! the Mach codes of mach_msg (e.g. MACH_RCV_PORT_DIED).
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
        initiate_receive_bytes(this), token, buffer);
  }

  //! Blocking receive (see machio::receive); does not interact with pending async ones.
  received_message receive(const receive_options& options, std::chrono::milliseconds timeout,
                           boost::system::error_code& ec) {
    return machio::receive(right_, options, timeout, ec);
  }
  //! Throwing form.
  received_message receive(const receive_options& options = {}, std::chrono::milliseconds timeout = forever) {
    return machio::receive(right_, options, timeout);
  }

 private:
  // The initiations copy what they need when constructed: the token may own this very
  // object (a composed operation holding its port) and be moved before they run.
  struct initiation_base {
    using executor_type = Executor;
    Executor ex;
    detail::port_service* service;
    detail::port_impl* impl;
    explicit initiation_base(basic_receive_port* self)
        : ex(self->executor_), service(self->service_), impl(self->impl_.get()) {}
    executor_type get_executor() const noexcept { return ex; }
  };
  struct initiate_receive : initiation_base {
    using initiation_base::initiation_base;
    template <class Handler>
    void operator()(Handler&& handler, const receive_options& options) const {
      detail::port_op* op = detail::make_port_op<received_message>(
          detail::port_op::kind::receive_message, std::forward<Handler>(handler), this->ex, *this->service, this->impl);
      op->options = options;
      this->service->start_receive(*this->impl, op);
    }
  };
  struct initiate_receive_bytes : initiation_base {
    using initiation_base::initiation_base;
    template <class Handler>
    void operator()(Handler&& handler, std::span<std::byte> buffer) const {
      detail::port_op* op = detail::make_port_op<std::size_t>(
          detail::port_op::kind::receive_bytes, std::forward<Handler>(handler), this->ex, *this->service, this->impl);
      op->buffer = buffer;
      this->service->start_receive(*this->impl, op);
    }
  };

  Executor executor_;
  detail::port_service* service_;
  std::unique_ptr<detail::port_impl> impl_;  // stable address: the knote's udata
  receive_right right_;
};

}  // namespace machio

#endif  // MACHIO_BASIC_RECEIVE_PORT_HPP
