// SPDX-License-Identifier: BSL-1.0
// machio/detail/basic_port_object.hpp — what the port I/O objects share.
#ifndef MACHIO_DETAIL_BASIC_PORT_OBJECT_HPP
#define MACHIO_DETAIL_BASIC_PORT_OBJECT_HPP

#include <machio/detail/port_ops.hpp>
#include <machio/sync.hpp>

#include <boost/asio/async_result.hpp>

#include <memory>
#include <utility>

namespace machio::detail {

//! The state and lifetime of an I/O object that receives on a name it owns: its executor,
//! the port service's per-name state (whose address is the knote's udata, hence on the
//! heap), and the owned \p Right (receive_right or port_set). basic_receive_port and
//! basic_port_set derive from it and add their operations.
template <class Executor, class Right>
class basic_port_object {
 public:
  //! The executor the object's operations use by default.
  using executor_type = Executor;
  //! The owned right's name.
  using native_handle_type = mach_port_name_t;

  //! The executor given at construction.
  executor_type get_executor() const noexcept { return executor_; }
  //! The owned name (borrowed).
  native_handle_type native_handle() const noexcept { return right_.get(); }
  //! True while the object owns a right.
  bool is_open() const noexcept { return static_cast<bool>(right_); }
  //! Completes every pending operation with operation_aborted; returns how many.
  std::size_t cancel() noexcept { return service_->cancel(*impl_); }
  //! Cancels, then destroys the right.
  void close() noexcept {
    if (!impl_) return;
    service_->reset(*impl_, MACH_PORT_NULL);
    right_ = Right();
  }
  //! Cancels, then gives the right to the caller (the object becomes closed).
  [[nodiscard]] Right release() noexcept {
    service_->reset(*impl_, MACH_PORT_NULL);
    return std::move(right_);
  }

 protected:
  //! Owns \p right (may be empty) and registers it with \p ex's port service.
  basic_port_object(const executor_type& ex, Right right)
      : executor_(ex), service_(&port_service_of(ex)), impl_(std::make_unique<port_impl>()),
        right_(std::move(right)) {
    service_->construct(*impl_, right_.get());
  }
  //! Takes over \p other's right, executor and pending operations (they stay queued).
  basic_port_object(basic_port_object&&) noexcept = default;
  //! Aborts this object's operations and destroys its right, then takes over \p other's.
  basic_port_object& operator=(basic_port_object&& other) noexcept {
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
  basic_port_object(const basic_port_object&) = delete;
  basic_port_object& operator=(const basic_port_object&) = delete;
  //! Completes pending operations with operation_aborted, then destroys the right.
  ~basic_port_object() {
    if (impl_) service_->destroy(*impl_);
  }

  //! Cancels pending operations, then owns \p right instead.
  void assign_right(Right right) {
    service_->reset(*impl_, right.get());
    right_ = std::move(right);
  }
  //! The owned right (borrowed).
  const Right& owned() const noexcept { return right_; }

  // The initiations copy what they need when constructed: the token may own this very
  // object (a composed operation holding its port) and be moved before they run.
  struct initiation_base {
    using executor_type = Executor;
    Executor ex;
    port_service* service;
    port_impl* impl;
    explicit initiation_base(basic_port_object* self)
        : ex(self->executor_), service(self->service_), impl(self->impl_.get()) {}
    executor_type get_executor() const noexcept { return ex; }
  };
  //! Receives into a received_message: void(error_code, received_message).
  struct initiate_receive : initiation_base {
    using initiation_base::initiation_base;
    template <class Handler>
    void operator()(Handler&& handler, const receive_options& options) const {
      port_op* op = make_port_op<received_message>(port_op::kind::receive_message, std::forward<Handler>(handler),
                                                   this->ex, *this->service, this->impl);
      op->options = options;
      this->service->start_receive(*this->impl, op);
    }
  };
  //! Receives into a caller's buffer: void(error_code, std::size_t msgh_size).
  struct initiate_receive_bytes : initiation_base {
    using initiation_base::initiation_base;
    template <class Handler>
    void operator()(Handler&& handler, std::span<std::byte> buffer) const {
      port_op* op = make_port_op<std::size_t>(port_op::kind::receive_bytes, std::forward<Handler>(handler), this->ex,
                                              *this->service, this->impl);
      op->buffer = buffer;
      this->service->start_receive(*this->impl, op);
    }
  };

 private:
  Executor executor_;
  port_service* service_;
  std::unique_ptr<port_impl> impl_;  // stable address: the knote's udata
  Right right_;
};

}  // namespace machio::detail

#endif  // MACHIO_DETAIL_BASIC_PORT_OBJECT_HPP
