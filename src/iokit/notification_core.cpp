// SPDX-License-Identifier: BSL-1.0
// machio::iokit::detail::notification_core: the IOKit calls and callbacks.
#include <machio/detail/iokit_notification_core.hpp>

#include <new>
#include <utility>

namespace machio::iokit::detail {

namespace {

// IOServiceAddMatchingNotification's name for \p type.
const char* matching_name(notification_type type) noexcept {
  switch (type) {
    case notification_type::first_match: return kIOFirstMatchNotification;
    case notification_type::matched: return kIOMatchedNotification;
    case notification_type::published: return kIOPublishNotification;
    case notification_type::first_published: return kIOFirstPublishNotification;
    case notification_type::terminated: return kIOTerminatedNotification;
    case notification_type::interest: break;
  }
  return nullptr;
}

}  // namespace

notification_core::notification_core() : port_(IONotificationPortCreate(MACH_PORT_NULL)) {
  if (port_ == nullptr)
    throw boost::system::system_error(make_mach_error_code(KERN_RESOURCE_SHORTAGE),
                                      "machio::iokit: IONotificationPortCreate");
}

notification_core::~notification_core() { IONotificationPortDestroy(port_); }

mach_port_t notification_core::mach_port() const noexcept { return IONotificationPortGetMachPort(port_); }

object notification_core::add_matching(notification_type type, CFDictionaryRef matching, std::uint64_t tag,
                                       boost::system::error_code& ec) {
  const char* name = matching_name(type);
  if (name == nullptr) {
    if (matching != nullptr) CFRelease(matching);  // consumed on every path, as IOKit does
    ec = make_error_code(machio::error::invalid_options);
    return {};
  }
  registration& reg = registrations_.emplace_back(registration{this, type, tag});
  io_iterator_t iterator = MACH_PORT_NULL;
  if (machio::detail::fail(IOServiceAddMatchingNotification(port_, name, matching, &on_matching, &reg, &iterator), ec)) {
    registrations_.pop_back();
    return {};
  }
  object notification(adopt, iterator);
  drain(reg, iterator);
  rethrow_pending();
  return notification;
}

object notification_core::add_interest(const object& service, const char* interest_type, std::uint64_t tag,
                                       boost::system::error_code& ec) {
  registration& reg = registrations_.emplace_back(registration{this, notification_type::interest, tag});
  io_object_t notification = MACH_PORT_NULL;
  if (machio::detail::fail(IOServiceAddInterestNotification(port_, service.get(), interest_type, &on_interest, &reg, &notification),
           ec)) {
    registrations_.pop_back();
    return {};
  }
  return object(adopt, notification);
}

void notification_core::dispatch(received_message& message) {
  if (message.id() != kOSNotificationMessageID) return;
  // IOKit deallocates the iterator right and the port descriptors the message carries, so
  // the message must not release them again: only its bytes stay ours.
  machio::detail::message_buffer raw = message.release();
  IODispatchCalloutFromMessage(nullptr, raw.header(), port_);
  rethrow_pending();
}

void notification_core::on_matching(void* refcon, io_iterator_t iterator) {
  const auto& reg = *static_cast<const registration*>(refcon);
  reg.core->drain(reg, iterator);
}

void notification_core::on_interest(void* refcon, io_service_t service, std::uint32_t message_type,
                                    void* argument) {
  const auto& reg = *static_cast<const registration*>(refcon);
  // IOKit lends the service for the call: the event keeps a reference of its own.
  reg.core->push(event{reg.type, object::retain(service), reg.tag, message_type,
                       reinterpret_cast<std::uintptr_t>(argument)});
}

void notification_core::drain(const registration& reg, io_iterator_t iterator) noexcept {
  // Every entry must be taken, even when one cannot be queued: IOKit re-arms the
  // notification only once the iterator is empty.
  while (io_object_t service = IOIteratorNext(iterator))
    push(event{reg.type, object(adopt, service), reg.tag, 0, 0});
}

void notification_core::push(event&& e) noexcept {
  try {
    events_.push_back(std::move(e));
  } catch (...) {
    // IOKit's C frames are between here and dispatch(): report there instead (the
    // service's reference is dropped with e).
    if (!pending_) pending_ = std::current_exception();
  }
}

void notification_core::rethrow_pending() {
  if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
}

}  // namespace machio::iokit::detail
