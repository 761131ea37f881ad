// SPDX-License-Identifier: BSL-1.0
// machio/detail/reply_port.hpp — async_call's hold on one reply port of the port service's
// cache (src/reply_cache.cpp).
#ifndef MACHIO_DETAIL_REPLY_PORT_HPP
#define MACHIO_DETAIL_REPLY_PORT_HPP

#include <machio/detail/port_ops.hpp>

#include <utility>

namespace machio::detail {

//! Owns one reply port taken from a port service (a receive right and the service's state
//! for it) until give_back(), which says what became of the call's send-once right; the
//! destructor gives it back as `abandoned` (destroyed). Move-only.
class reply_port {
 public:
  reply_port() noexcept = default;
  //! Takes a port from \p service's cache, or a new one; empty with \p ec set on failure.
  reply_port(port_service& service, boost::system::error_code& ec)
      : service_(&service), impl_(service.take_reply(ec)) {}
  reply_port(reply_port&& other) noexcept
      : service_(other.service_), impl_(std::exchange(other.impl_, nullptr)) {}
  reply_port& operator=(reply_port&& other) noexcept {
    if (this != &other) {
      give_back(reply_fate::abandoned);
      service_ = other.service_;
      impl_ = std::exchange(other.impl_, nullptr);
    }
    return *this;
  }
  reply_port(const reply_port&) = delete;
  reply_port& operator=(const reply_port&) = delete;
  ~reply_port() { give_back(reply_fate::abandoned); }

  //! The receive right's name (borrowed), or MACH_PORT_NULL when empty.
  mach_port_name_t name() const noexcept { return impl_ ? impl_->name : MACH_PORT_NULL; }

  //! Ends this hold (see port_service::give_back_reply); a no-op when empty.
  void give_back(reply_fate fate) noexcept {
    if (impl_) service_->give_back_reply(std::exchange(impl_, nullptr), fate);
  }

  //! Receives the reply into a received_message: void(error_code, received_message), as
  //! basic_receive_port::async_receive does. \p handler may own this object: what the
  //! operation needs is copied out before the handler is moved.
  template <class IoExecutor, class Handler>
  void async_receive(const IoExecutor& io_ex, const receive_options& options, Handler&& handler) {
    port_service* const service = service_;
    port_impl* const impl = impl_;
    port_op* op = make_port_op<received_message>(port_op::kind::receive_message, std::forward<Handler>(handler),
                                                 io_ex, *service, impl);
    op->options = options;
    service->start_receive(*impl, op);
  }

 private:
  port_service* service_ = nullptr;
  reply_impl* impl_ = nullptr;
};

}  // namespace machio::detail

#endif  // MACHIO_DETAIL_REPLY_PORT_HPP
