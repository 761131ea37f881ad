// SPDX-License-Identifier: BSL-1.0
// machio/detail/iokit_notification_core.hpp — the IOKit half of iokit::basic_notification_port
// (both systems): owns the IONotificationPortRef, the registrations whose callbacks IOKit
// calls, and the events those callbacks queue. No Asio in here.
#ifndef MACHIO_DETAIL_IOKIT_NOTIFICATION_CORE_HPP
#define MACHIO_DETAIL_IOKIT_NOTIFICATION_CORE_HPP

#include <machio/iokit/event.hpp>
#include <machio/received_message.hpp>

#include <exception>
#include <list>
#include <vector>

namespace machio::iokit::detail {

//! See the file comment. Not thread-safe: one thread (or strand) at a time, like the I/O
//! object that owns it. Lives at a fixed address (the registrations point back to it).
class notification_core {
 public:
  //! Creates the notification port (IONotificationPortCreate on the default main port).
  //! Throws boost::system::system_error when IOKit cannot.
  notification_core();
  //! Destroys the notification port, and with it its receive right (IONotificationPortDestroy).
  ~notification_core();
  notification_core(const notification_core&) = delete;
  notification_core& operator=(const notification_core&) = delete;

  //! The IOKit notification port (borrowed).
  IONotificationPortRef native() const noexcept { return port_; }
  //! The receive right behind it (borrowed: IOKit owns and destroys it).
  mach_port_t mach_port() const noexcept;

  //! IOServiceAddMatchingNotification of \p type for \p matching, which is consumed (one
  //! reference, even on failure). Drains the new iterator at once, which arms it: for the
  //! "match"/"publish" types the services already present become events now. Returns the
  //! notification (its iterator): releasing it stops the notifications.
  object add_matching(notification_type type, CFDictionaryRef matching, std::uint64_t tag,
                      boost::system::error_code& ec);
  //! IOServiceAddInterestNotification on \p service (borrowed) for \p interest_type
  //! (kIOGeneralInterest, kIOBusyInterest, ...). Returns the notification object.
  object add_interest(const object& service, const char* interest_type, std::uint64_t tag,
                      boost::system::error_code& ec);

  //! The dispatcher step: a kernel notification message goes to IODispatchCalloutFromMessage,
  //! which runs the callbacks below and deallocates the rights the message carries (so the
  //! buffer is taken out of \p message first); any other message is left in \p message for
  //! its owner to destroy. Rethrows what a callback could not report (std::bad_alloc).
  void dispatch(received_message& message);

  //! True when events are queued.
  bool has_events() const noexcept { return !events_.empty(); }
  //! Takes every queued event, oldest first.
  std::vector<event> take_events() noexcept { return std::exchange(events_, {}); }

 private:
  // One per add_*; its address is the callback's refcon, so it lives as long as the core.
  struct registration {
    notification_core* core;
    notification_type type;
    std::uint64_t tag;
  };
  MACHIO_DETAIL_HIDDEN static void on_matching(void* refcon, io_iterator_t iterator);
  MACHIO_DETAIL_HIDDEN static void on_interest(void* refcon, io_service_t service, std::uint32_t message_type, void* argument);
  // Takes every service out of \p iterator (re-arming it) and queues an event for each.
  MACHIO_DETAIL_HIDDEN void drain(const registration& reg, io_iterator_t iterator) noexcept;
  MACHIO_DETAIL_HIDDEN void push(event&& e) noexcept;
  MACHIO_DETAIL_HIDDEN void rethrow_pending();

  IONotificationPortRef port_ = nullptr;  // owned
  std::list<registration> registrations_;
  std::vector<event> events_;
  std::exception_ptr pending_;  // a failure inside a callback, which must not throw into IOKit
};

}  // namespace machio::iokit::detail

#endif  // MACHIO_DETAIL_IOKIT_NOTIFICATION_CORE_HPP
