// SPDX-License-Identifier: BSL-1.0
// machio/iokit/event.hpp — one IOKit notification as machio delivers it.
#ifndef MACHIO_IOKIT_EVENT_HPP
#define MACHIO_IOKIT_EVENT_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/iokit/object.hpp>

#include <cstdint>

namespace machio::iokit {

//! The IOKit notification kinds. The first five name IOServiceAddMatchingNotification's
//! notification types; `interest` is an IOServiceAddInterestNotification message.
enum class notification_type : unsigned char {
  first_match,      //!< kIOFirstMatchNotification: a service matched (once per service)
  matched,          //!< kIOMatchedNotification: a service matched (again after re-matching)
  published,        //!< kIOPublishNotification: a service was registered
  first_published,  //!< kIOFirstPublishNotification: a service was registered (once)
  terminated,       //!< kIOTerminatedNotification: a matching service is going away
  interest,         //!< a message about one service (IOServiceAddInterestNotification)
};

//! One notification. Owns a reference to the service it is about.
struct event {
  //! Which registration kind produced it.
  notification_type type = notification_type::first_match;
  //! The service (one reference, released with the event).
  object service;
  //! The tag given when the notification was added, to tell registrations apart.
  std::uint64_t tag = 0;
  //! interest only: the IOKit message type, e.g. kIOMessageServiceIsTerminated.
  std::uint32_t message_type = 0;
  //! interest only: the message's argument when it is one word (as IOKit passes it to
  //! an IOServiceInterestCallback); larger arguments live in the message and are not kept.
  std::uintptr_t message_argument = 0;
};

}  // namespace machio::iokit

#endif  // MACHIO_IOKIT_EVENT_HPP
