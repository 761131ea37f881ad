// SPDX-License-Identifier: BSL-1.0
// machio/async_notifications.hpp — Mach notifications as asynchronous operations: a send
// right's port dying, a receive right losing its last sender, a receive right given back
// by a port-destroyed notification.
//
// Each operation allocates its own notify port (living exactly as long as the operation),
// registers the request with mach_port_request_notification and receives the notification
// on the service's kqueue. Send-once notifications need no operation of their own: they
// arrive as messages with id MACH_NOTIFY_SEND_ONCE on the port the send-once right named,
// so basic_receive_port::async_receive delivers them.
#ifndef MACHIO_ASYNC_NOTIFICATIONS_HPP
#define MACHIO_ASYNC_NOTIFICATIONS_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/basic_receive_port.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>

#include <mach/notify.h>

#include <cstring>
#include <variant>

namespace machio {
namespace detail {

//! The request to register and how to read its notification. Result is what the
//! operation completes with after the error code.
template <class Result>
struct notification_kind;

//! Dead-name and no-senders requests are replaced or cleared by a later request on the
//! same name, so a cancelled operation removes its own and any number can follow.
struct replaceable_request {
  static constexpr bool removable = true;
  static kern_return_t check_free(mach_port_name_t) noexcept { return KERN_SUCCESS; }
};

//! Dead name: completes with nothing.
struct dead_name_tag {};
template <>
struct notification_kind<dead_name_tag> : replaceable_request {
  static constexpr mach_msg_id_t request = MACH_NOTIFY_DEAD_NAME;
  using result = std::monostate;
};
//! No senders: completes with the make-send count at that moment.
template <>
struct notification_kind<mach_port_mscount_t> : replaceable_request {
  static constexpr mach_msg_id_t request = MACH_NOTIFY_NO_SENDERS;
  using result = mach_port_mscount_t;
};
//! Port destroyed: completes with the receive right. XNU (since xnu-6153, macOS 10.15)
//! keeps one port-destroyed request per port until it fires: a second request, including
//! one with MACH_PORT_NULL meant to clear it, fails with KERN_FAILURE and raises
//! kGUARD_EXC_KERN_FAILURE, fatal in tasks whose guard behaviour is MP_FATAL (hardened
//! binaries). So nothing here ever asks the kernel while a request exists.
template <>
struct notification_kind<receive_right> {
  static constexpr mach_msg_id_t request = MACH_NOTIFY_PORT_DESTROYED;
  using result = receive_right;
  static constexpr bool removable = false;
  //! KERN_FAILURE, without the guard exception, when \p port already has a request. A name
  //! that is not a receive right passes: registering reports that. (Another thread that
  //! registers between this check and ours still meets the kernel's refusal.)
  static kern_return_t check_free(mach_port_name_t port) noexcept {
    mach_port_status_t status{};
    return get_receive_status(port, status) == KERN_SUCCESS && status.mps_pdrequest ? KERN_FAILURE
                                                                                    : KERN_SUCCESS;
  }
};

//! Drops the extra user reference a dead-name notification carries, then the message.
inline void settle_notification(received_message& m) noexcept {
  // The body is NDR record + the name.
  if (m.id() == MACH_NOTIFY_DEAD_NAME && m.body().size() >= sizeof(NDR_record_t) + sizeof(mach_port_name_t)) {
    mach_port_name_t name = MACH_PORT_NULL;
    std::memcpy(&name, m.body().data() + sizeof(NDR_record_t), sizeof name);
    if (MACH_PORT_VALID(name)) mach_port_deallocate(mach_task_self(), name);
  }
}

template <class Executor, class Tag>
struct notification_op {
  using kind = notification_kind<Tag>;
  using result = typename kind::result;

  Executor ex;
  mach_port_name_t watched;
  mach_port_mscount_t sync;
  basic_receive_port<Executor> notify;
  bool registered = false;

  template <class Self>
  void operator()(Self& self) {
    self.reset_cancellation_state(boost::asio::enable_total_cancellation());
    boost::system::error_code ec;
    if (!detail::fail(kind::check_free(watched), ec)) notify.assign(receive_right::allocate({}, ec));
    if (!ec) {
      mach_port_name_t previous = MACH_PORT_NULL;
      const kern_return_t kr = mach_port_request_notification(mach_task_self(), watched, kind::request, sync,
                                                              notify.native_handle(), MACH_MSG_TYPE_MAKE_SEND_ONCE,
                                                              &previous);
      // An earlier dead-name or no-senders request is replaced; its send-once right is ours.
      if (previous != MACH_PORT_NULL) mach_port_deallocate(mach_task_self(), previous);
      if (kr != KERN_SUCCESS) ec = make_mach_error_code(kr);
      registered = kr == KERN_SUCCESS;
    }
    if (ec) {
      // Completes on the next step, posted: never inside the initiating call.
      boost::asio::post(ex, boost::asio::append(std::move(self), ec, received_message{}));
      return;
    }
    notify.async_receive(receive_options{}, std::move(self));
  }

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec, received_message m) {
    if (ec) {
      cancel_request();
      self.complete(ec, result{});
      return;
    }
    registered = false;  // a notification consumes the request
    switch (m.id()) {
      case MACH_NOTIFY_DEAD_NAME:
        settle_notification(m);
        if constexpr (std::is_same_v<Tag, dead_name_tag>) {
          self.complete(ec, result{});
          return;
        }
        break;
      case MACH_NOTIFY_NO_SENDERS:
        if constexpr (std::is_same_v<Tag, mach_port_mscount_t>) {
          mach_port_mscount_t count = 0;  // the body is NDR record + the count
          if (m.body().size() >= sizeof(NDR_record_t) + sizeof count)
            std::memcpy(&count, m.body().data() + sizeof(NDR_record_t), sizeof count);
          self.complete(ec, count);
          return;
        }
        break;
      case MACH_NOTIFY_PORT_DESTROYED:
        if constexpr (std::is_same_v<Tag, receive_right>) {
          receive_right right = m.take_receive_right(0, ec);
          self.complete(ec, std::move(right));
          return;
        }
        break;
      default:
        break;
    }
    // PORT_DELETED (the watched right left this task) or SEND_ONCE (the request died with
    // its port): the event waited for can no longer happen.
    self.complete(make_mach_error_code(KERN_INVALID_RIGHT), result{});
  }

  // Cancels a still registered request (a port-destroyed one cannot be: it stays, towards
  // a notify port about to die) and handles a notification that fired meanwhile (its
  // dead-name reference is ours to drop, a returned right is destroyed); the notify port
  // dies with the operation.
  void cancel_request() noexcept {
    if (registered && kind::removable) {
      mach_port_name_t previous = MACH_PORT_NULL;
      (void)mach_port_request_notification(mach_task_self(), watched, kind::request, 0, MACH_PORT_NULL,
                                           MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous);
      if (previous != MACH_PORT_NULL) mach_port_deallocate(mach_task_self(), previous);
      registered = false;
    }
    if (!notify.is_open()) return;
    for (;;) {
      boost::system::error_code none;
      received_message late = machio::receive(notify.right(), receive_options{}, no_wait, none);
      if (none) break;
      settle_notification(late);
    }
  }
};

template <class Tag, class Executor, class Token>
auto async_notification(const Executor& ex, mach_port_name_t watched, mach_port_mscount_t sync, Token&& token) {
  using result = typename notification_kind<Tag>::result;
  return boost::asio::async_compose<Token, void(boost::system::error_code, result)>(
      notification_op<Executor, Tag>{ex, watched, sync, basic_receive_port<Executor>(ex), false}, token, ex);
}

}  // namespace detail

//! Waits until the port \p right names dies (its receive right is destroyed).
//!
//! Completion signature: void(boost::system::error_code, std::monostate). On success the
//! right has become a dead name (the caller's send_right still owns its reference).
//! Executor: the handler runs on its associated executor (default \p ex), never inside
//! this call. Per-operation cancellation: terminal, partial, total; the request is
//! cancelled and nothing is left registered. Fails with KERN_INVALID_RIGHT when the
//! right leaves the task first (PORT_DELETED), and with the kernel's code when the name
//! is already dead (KERN_INVALID_ARGUMENT).
template <class Executor, boost::asio::completion_token_for<void(boost::system::error_code, std::monostate)> Token =
                              boost::asio::default_completion_token_t<Executor>>
auto async_wait_dead_name(const Executor& ex, const send_right& right,
                          Token&& token = boost::asio::default_completion_token_t<Executor>()) {
  return detail::async_notification<detail::dead_name_tag>(ex, right.get(), 0, std::forward<Token>(token));
}

//! Waits until \p port has no senders left while its make-send count is at least \p
//! mscount (the kernel's sync rule: registering with mscount <= the current count when
//! there are no senders notifies at once).
//!
//! Completion signature: void(boost::system::error_code, mach_port_mscount_t make_send_count).
//! Executor and cancellation as async_wait_dead_name. The port must stay alive while the
//! operation is pending; destroying it completes with KERN_INVALID_RIGHT.
template <class Executor,
          boost::asio::completion_token_for<void(boost::system::error_code, mach_port_mscount_t)> Token =
              boost::asio::default_completion_token_t<Executor>>
auto async_wait_no_senders(const Executor& ex, const receive_right& port, mach_port_mscount_t mscount,
                           Token&& token = boost::asio::default_completion_token_t<Executor>()) {
  return detail::async_notification<mach_port_mscount_t>(ex, port.get(), mscount, std::forward<Token>(token));
}

//! Registers a port-destroyed request on \p port and completes when the receive right,
//! wherever it has gone (moved into a message, to another task), is destroyed: instead of
//! dying, the right comes back here.
//!
//! Completion signature: void(boost::system::error_code, machio::receive_right) — the
//! right, guarded afresh. Executor as async_wait_dead_name. The kernel allows one
//! port-destroyed request per port and keeps it until it fires: nothing can remove it.
//! So a port takes one wait in its life (up to the right's return), and
//! - cancellation (terminal, partial, total) completes the wait with operation_aborted
//!   but leaves the request registered (mps_pdrequest stays set), towards the
//!   operation's notify port, which dies with it: when the right is later destroyed,
//!   here or wherever it has gone, the notification finds no port and the right is
//!   destroyed with it, as if no request had been made. A right that came back just
//!   before the cancellation is destroyed the same way, and so is the right of a wait
//!   still pending when its execution context shuts down;
//! - a wait on a port that already has a request (a cancelled wait's, a pending one, or
//!   one made outside machio) fails with KERN_FAILURE, the kernel's code, without
//!   asking the kernel, which would also raise the guard exception
//!   kGUARD_EXC_KERN_FAILURE (fatal in hardened processes).
//! To give up on a port's return only for a while (a timeout), keep the one wait
//! pending rather than cancelling it.
template <class Executor,
          boost::asio::completion_token_for<void(boost::system::error_code, receive_right)> Token =
              boost::asio::default_completion_token_t<Executor>>
auto async_wait_port_destroyed(const Executor& ex, const receive_right& port,
                               Token&& token = boost::asio::default_completion_token_t<Executor>()) {
  return detail::async_notification<receive_right>(ex, port.get(), 0, std::forward<Token>(token));
}

}  // namespace machio

#endif  // MACHIO_ASYNC_NOTIFICATIONS_HPP
