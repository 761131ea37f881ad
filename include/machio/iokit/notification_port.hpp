// SPDX-License-Identifier: BSL-1.0
// machio/iokit/notification_port.hpp — IOKit notifications as Asio operations.
#ifndef MACHIO_IOKIT_NOTIFICATION_PORT_HPP
#define MACHIO_IOKIT_NOTIFICATION_PORT_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/basic_dispatch_port.hpp>
#include <machio/detail/iokit_notification_core.hpp>
#include <machio/iokit/event.hpp>
#include <machio/iokit/object.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>

#include <concepts>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace machio::iokit {

//! An IOKit notification port (IONotificationPortRef) whose notifications arrive as
//! asynchronous operations on an io_context — no CFRunLoop, no dispatch queue.
//!
//! The port's Mach receive right is watched by the io_context like any machio port; each
//! message the kernel sends is handed to IODispatchCalloutFromMessage, whose callbacks
//! (machio's own) turn it into events; async_wait delivers the events queued so far.
//!
//! Notifications stay armed while the object returned by add_matching / add_interest is
//! alive. Thread safety: distinct objects are safe; one shared object is not (use a
//! strand). The object must be destroyed before its io_context; destroying it completes
//! pending operations with operation_aborted and destroys the IOKit port.
template <class Executor = boost::asio::any_io_executor>
class basic_notification_port {
 public:
  //! The executor the object's operations use by default.
  using executor_type = Executor;
  //! The same I/O object on another executor type.
  template <class Executor1>
  struct rebind_executor {
    //! basic_notification_port on \p Executor1.
    using other = basic_notification_port<Executor1>;
  };
  //! The IOKit notification port.
  using native_handle_type = IONotificationPortRef;

  //! Creates the IOKit notification port. Throws boost::system::system_error on failure.
  explicit basic_notification_port(const executor_type& ex) : impl_(std::make_unique<impl>(ex)) {}
  //! As above with \p context's executor.
  template <class ExecutionContext>
    requires std::convertible_to<ExecutionContext&, boost::asio::execution_context&>
  explicit basic_notification_port(ExecutionContext& context)
      : basic_notification_port(executor_type(context.get_executor())) {}

  //! Takes the other object's IOKit port, with its armed notifications, queued events and
  //! pending operations (which go on). The moved-from object may only be destroyed or
  //! assigned to.
  basic_notification_port(basic_notification_port&&) noexcept = default;
  //! Does what the destructor does to this object's IOKit port, then takes the other's as
  //! the move constructor does.
  basic_notification_port& operator=(basic_notification_port&&) noexcept = default;
  //! Completes pending operations with operation_aborted, then destroys the IOKit port.
  ~basic_notification_port() = default;

  //! The executor given at construction.
  executor_type get_executor() const noexcept { return impl_->port.get_executor(); }
  //! The IOKit notification port (borrowed: the object destroys it).
  native_handle_type native_handle() const noexcept { return impl_->core.native(); }

  //! Arms a matching notification (IOServiceAddMatchingNotification) of \p type (any but
  //! notification_type::interest) for \p matching, e.g. IOServiceMatching("IOUSBHostDevice").
  //! \p matching is consumed (one reference), even on failure. Services that already match
  //! become events at once: the next async_wait delivers them. The notification stays
  //! armed while the returned object lives. Events carry \p tag.
  [[nodiscard]] object add_matching(notification_type type, CFDictionaryRef matching, std::uint64_t tag,
                                    boost::system::error_code& ec) {
    return impl_->core.add_matching(type, matching, tag, ec);
  }
  //! Throwing form of add_matching(type, matching, tag, ec).
  [[nodiscard]] object add_matching(notification_type type, CFDictionaryRef matching, std::uint64_t tag = 0,
                                    const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return machio::detail::throwing("machio::iokit::notification_port::add_matching", loc,
                                    [&](auto& ec) { return add_matching(type, matching, tag, ec); });
  }

  //! Arms an interest notification (IOServiceAddInterestNotification) on \p service
  //! (borrowed) for \p interest_type, e.g. kIOGeneralInterest. Each message becomes an event
  //! of type notification_type::interest. Armed while the returned object lives.
  [[nodiscard]] object add_interest(const object& service, const char* interest_type, std::uint64_t tag,
                                    boost::system::error_code& ec) {
    return impl_->core.add_interest(service, interest_type, tag, ec);
  }
  //! Throwing form of add_interest(service, interest_type, tag, ec).
  [[nodiscard]] object add_interest(const object& service, const char* interest_type = kIOGeneralInterest,
                                    std::uint64_t tag = 0,
                                    const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return machio::detail::throwing("machio::iokit::notification_port::add_interest", loc,
                                    [&](auto& ec) { return add_interest(service, interest_type, tag, ec); });
  }

  //! Completes every operation waiting for a message with operation_aborted; the count.
  std::size_t cancel() noexcept { return impl_->port.cancel(); }

  //! Waits until at least one event is queued, then completes with every queued event,
  //! oldest first. Events already queued (e.g. by add_matching) complete it at once (posted).
  //!
  //! Completion signature: void(boost::system::error_code, std::vector<machio::iokit::event>).
  //! Executor: IODispatchCalloutFromMessage (and machio's callbacks, which only queue
  //! events) and then the handler run on the handler's associated executor (default: this
  //! object's), never inside this call.
  //! Per-operation cancellation: terminal, partial and total; a cancelled wait has taken
  //! no event and dispatched no message (both stay for the next wait).
  //! Errors: operation_aborted (cancel(), destruction), the Mach codes of mach_msg.
  template <boost::asio::completion_token_for<void(boost::system::error_code, std::vector<event>)> Token =
                boost::asio::default_completion_token_t<executor_type>>
  auto async_wait(Token&& token = boost::asio::default_completion_token_t<executor_type>()) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::vector<event>)>(
        wait_op{impl_.get()}, token, get_executor());
  }

 private:
  // Hands each received message to the core (IODispatchCalloutFromMessage).
  struct core_dispatcher {
    detail::notification_core* core;
    void operator()(received_message& message) { core->dispatch(message); }
  };

  // Heap-allocated so that operations in flight keep a valid pointer across moves.
  struct impl {
    // The right is adopted only once nothing can throw any more, so that a failing
    // constructor never destroys it (IONotificationPortDestroy does that).
    explicit impl(const Executor& ex) : port(ex, receive_right(), core_dispatcher{&core}) {
      port.assign(receive_right(adopt, core.mach_port()));
    }
    // The receive right is IOKit's: take it back from the dispatch port (cancelling its
    // operations) before the core's IONotificationPortDestroy destroys it.
    ~impl() { (void)port.release().release(); }
    detail::notification_core core;  // declared first: destroyed last
    basic_dispatch_port<core_dispatcher, Executor> port;
  };

  // Takes the queued events, or dispatches messages until some are queued.
  struct wait_op {
    impl* im;
    std::vector<event> ready{};
    bool posted = false;

    template <class Self>
    void operator()(Self& self) {
      if (posted) return self.complete({}, std::move(ready));
      if (im->core.has_events()) {
        // Taken now, delivered by post: the handler never runs inside async_wait, and a
        // completion already posted does not touch the object again.
        ready = im->core.take_events();
        posted = true;
        // Through the port's executor: the handler's may not support blocking.never.
        return boost::asio::post(im->port.get_executor(), std::move(self));
      }
      self.reset_cancellation_state(boost::asio::enable_total_cancellation());
      im->port.async_dispatch(std::move(self));
    }
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec) {
      // An error can mean the object is gone: only a success may touch it.
      if (ec) return self.complete(ec, {});
      if (im->core.has_events()) return self.complete({}, im->core.take_events());
      im->port.async_dispatch(std::move(self));  // a message that queued nothing
    }
  };

  std::unique_ptr<impl> impl_;
};

//! A notification port on boost::asio::any_io_executor.
using notification_port = basic_notification_port<>;

}  // namespace machio::iokit

#endif  // MACHIO_IOKIT_NOTIFICATION_PORT_HPP
