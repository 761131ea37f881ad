// SPDX-License-Identifier: BSL-1.0
// mach-emu's IOKit: IODispatchCalloutFromMessage, decoding the notifications IOKit's
// kernel sends (OSMessageNotification.h) and calling the callback their reference names,
// as IOKitUser's IOKitLib.c does — but reading nothing past msgh_size: a message too
// short for what it says, or carrying other than port descriptors, is destroyed
// (mach_msg_destroy) and no callback called.
#include <IOKit/IOKitLib.h>

#include <mach/mach.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {

constexpr std::size_t header_size = sizeof(mach_msg_header_t);
constexpr std::size_t notification_header_size = sizeof(OSNotificationHeader64);

template <class T>
T load(const unsigned char* at) noexcept {
  T v;
  std::memcpy(&v, at, sizeof v);
  return v;
}

template <class Fn>
Fn callback_at(const OSNotificationHeader64& h, int index) noexcept {
  return reinterpret_cast<Fn>(static_cast<std::uintptr_t>(h.reference[index]));
}

void* pointer_of(io_user_reference_t word) noexcept { return reinterpret_cast<void*>(static_cast<std::uintptr_t>(word)); }

// Calls the callback \p h names with the content of \p left bytes at \p content.
void deliver(const OSNotificationHeader64& h, const unsigned char* content, std::size_t left, io_iterator_t notifier,
             io_service_t service) {
  const std::size_t padding = kIOKitNoticationMsgSizeMask & (h.type >> kIOKitNoticationTypeSizeAdjShift);
  if (padding > left) return;
  left -= padding;
  switch (kIOKitNoticationTypeMask & h.type) {
    case kIOServicePublishNotificationType:
    case kIOServiceMatchedNotificationType:
    case kIOServiceTerminatedNotificationType:
      if (auto fn = callback_at<IOServiceMatchingCallback>(h, kIOMatchingCalloutFuncIndex))
        fn(pointer_of(h.reference[kIOMatchingCalloutRefconIndex]), notifier);
      return;
    case kIOServiceMessageNotificationType: {
      constexpr std::size_t type_size = offsetof(IOServiceInterestContent64, messageArgument);
      if (left < sizeof(IOServiceInterestContent64)) return;
      const auto type = load<natural_t>(content);
      // One argument word is passed by value; more, by their address in the message.
      const std::size_t words = (left - type_size) / sizeof(io_user_reference_t);
      void* argument = words <= 1 ? pointer_of(load<io_user_reference_t>(content + type_size))
                                  : const_cast<unsigned char*>(content + type_size);
      if (auto fn = callback_at<IOServiceInterestCallback>(h, kIOInterestCalloutFuncIndex))
        fn(pointer_of(h.reference[kIOInterestCalloutRefconIndex]),
           service ? service : static_cast<io_service_t>(h.reference[kIOInterestCalloutServiceIndex]), type, argument);
      return;
    }
    case kIOAsyncCompletionNotificationType: {
      if (left < sizeof(IOReturn)) return;
      const auto result = load<IOReturn>(content);
      const std::size_t count = (left - sizeof(IOReturn)) / sizeof(void*);
      void** args = reinterpret_cast<void**>(const_cast<unsigned char*>(content + sizeof(IOReturn)));
      void* refcon = pointer_of(h.reference[kIOAsyncCalloutRefconIndex]);
      const io_user_reference_t fn = h.reference[kIOAsyncCalloutFuncIndex];
      if (fn == 0) return;
      void* arg0 = count > 0 ? load<void*>(content + sizeof(IOReturn)) : nullptr;
      void* arg1 = count > 1 ? load<void*>(content + sizeof(IOReturn) + sizeof(void*)) : nullptr;
      switch (count) {
        case 0: callback_at<IOAsyncCallback0>(h, kIOAsyncCalloutFuncIndex)(refcon, result); break;
        case 1: callback_at<IOAsyncCallback1>(h, kIOAsyncCalloutFuncIndex)(refcon, result, arg0); break;
        case 2: callback_at<IOAsyncCallback2>(h, kIOAsyncCalloutFuncIndex)(refcon, result, arg0, arg1); break;
        default:
          callback_at<IOAsyncCallback>(h, kIOAsyncCalloutFuncIndex)(refcon, result, args, static_cast<uint32_t>(count));
      }
      return;
    }
    default:
      return;
  }
}

}  // namespace

extern "C" void IODispatchCalloutFromMessage(void*, mach_msg_header_t* msg, void*) {
  if (msg == nullptr || msg->msgh_id != kOSNotificationMessageID) return;
  const auto* bytes = reinterpret_cast<const unsigned char*>(msg);
  const std::size_t size = msg->msgh_size;
  // The remote port is the notification (an iterator) that fired; the message carries one
  // reference of it.
  const io_iterator_t notifier = msg->msgh_remote_port;

  io_service_t service = MACH_PORT_NULL;
  std::size_t at = header_size;
  std::uint32_t ports = 0;  // port descriptors to release
  bool well_formed = size >= header_size;
  if (well_formed && (msg->msgh_bits & MACH_MSGH_BITS_COMPLEX)) {
    well_formed = size >= header_size + sizeof(mach_msg_body_t);
    const std::uint32_t count = well_formed ? load<mach_msg_body_t>(bytes + header_size).msgh_descriptor_count : 0;
    at += sizeof(mach_msg_body_t);
    for (std::uint32_t i = 0; well_formed && i < count; ++i, at += sizeof(mach_msg_port_descriptor_t)) {
      well_formed = at + sizeof(mach_msg_port_descriptor_t) <= size &&
                    load<mach_msg_port_descriptor_t>(bytes + at).type == MACH_MSG_PORT_DESCRIPTOR;
      if (well_formed) ports = i + 1;
    }
    if (ports > 0) service = load<mach_msg_port_descriptor_t>(bytes + header_size + sizeof(mach_msg_body_t)).name;
  }
  well_formed = well_formed && at + notification_header_size <= size;
  if (!well_formed) {
    // Not a notification IOKit sends: release whatever it carries, call nothing.
    mach_msg_destroy(msg);
    return;
  }

  bool owner_holds_it = true;
  if (notifier != MACH_PORT_NULL) {
    mach_port_urefs_t urefs = 0;
    // Fewer than 2: the owner released the notification; its callback must not run.
    owner_holds_it = mach_port_get_refs(mach_task_self(), notifier, MACH_PORT_RIGHT_SEND, &urefs) == KERN_SUCCESS &&
                     urefs >= 2;
  }
  if (owner_holds_it) {
    const auto header = load<OSNotificationHeader64>(bytes + at);
    deliver(header, bytes + at + notification_header_size, size - at - notification_header_size, notifier, service);
  }

  if (notifier != MACH_PORT_NULL) (void)mach_port_deallocate(mach_task_self(), notifier);
  for (std::uint32_t i = 0; i < ports; ++i) {
    const auto d = load<mach_msg_port_descriptor_t>(bytes + header_size + sizeof(mach_msg_body_t) +
                                                    i * sizeof(mach_msg_port_descriptor_t));
    if (MACH_PORT_VALID(d.name)) (void)mach_port_deallocate(mach_task_self(), d.name);
  }
}
