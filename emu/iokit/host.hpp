// SPDX-License-Identifier: BSL-1.0
// mach-emu's IOKit kernel side: the registry (registry.hpp) behind Mach ports, as XNU's
// IOUserClient.cpp puts IOKit behind its MIG routines. Whoever hosts the kernel core
// (machd, or the process in the in-process mode) hosts one of these beside it and hands
// it the IOKit port calls.
//
// Every io_object_t a task holds is a send right to a foreign kernel object of the core:
// one port per service while anybody holds it, one per iterator and per notification. A
// reference is a user reference of that right, so IOObjectRetain/Release are plain
// mach_port_mod_refs/deallocate; when the last send right goes the core tells us
// (kobject_no_senders) and the object is freed: a notification's registration is
// removed, as XNU's iokit_client_died removes it, and a terminated service nobody holds
// leaves the registry. Notifications go out as XNU's IOServiceUserNotification and
// IOServiceMessageUserNotification send them: to the send right made from the caller's
// wake port, with the notification made send as the reply port, and for an interest
// message the service made send in a port descriptor.
#ifndef MACHEMU_IOKIT_HOST_HPP
#define MACHEMU_IOKIT_HOST_HPP

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernel/kernel.hpp"
#include "lib/port_call.hpp"
#include "registry.hpp"

namespace machemu::iokit {

class host final : public kern::kobject_owner {
 public:
  //! Becomes \p core's kobject owner until destroyed.
  explicit host(kern::kernel& core);
  host(const host&) = delete;
  host& operator=(const host&) = delete;
  //! Retires every port it made; the tasks' names for them become dead names.
  ~host();

  //! Runs IOKit call \p c (lib::is_iokit_call) for task \p t. Never blocks; checks every
  //! size in \p c (it may come from another process).
  void execute(kern::task& t, const lib::port_call& c, lib::port_result& r);

  //! For a source inside the hosting process (machd's USB devices): publishes and
  //! terminates services with every notification that follows.
  std::optional<entry_id> publish(const service_description& d);
  bool terminate(entry_id id);

  void kobject_no_senders(std::uint64_t port_id) override;

 private:
  enum class kind { main, service, iterator, matching_notification, interest_notification };
  struct object {
    kind what = kind::main;
    kern::ref<kern::port> port;
    entry_id service = 0;                 // service; interest_notification: its service
    std::vector<entry_id> items;          // iterator: a snapshot, handed out in order
    std::size_t position = 0;
    std::optional<registration_id> registration;  // notifications (none: registered silently)
    kern::ref<kern::port> wake;           // notifications: the send right pinged
    std::uint32_t message_type = 0;       // kIOService*NotificationType
    std::uint64_t reference[8] = {};      // the caller's OSAsyncReference64, zero-padded
  };

  static const char* class_name(kind k);
  object* object_named(kern::task& t, std::uint64_t name);
  object& new_object(kind what);
  // The service's port, made when it is first handed out.
  object& service_object(entry_id id);
  kern_return_t hand_out(kern::task& t, object& o, std::uint64_t& name);
  void deliver(const std::vector<event>& events);
  void forget(object& o);
  // Drops a terminated service from the registry once no port and no set holds it.
  void collect(entry_id id);

  void run_main_call(kern::task& t, const lib::port_call& c, lib::port_result& r);
  void run_object_call(kern::task& t, object& o, const lib::port_call& c, lib::port_result& r);
  kern_return_t add_notification(kern::task& t, const lib::port_call& c, std::uint64_t& name);
  kern_return_t add_interest(kern::task& t, object& service, const lib::port_call& c, std::uint64_t& name);
  kern_return_t publish_call(const lib::port_call& c, std::uint64_t& id);
  void list(std::vector<std::byte>& blob) const;

  kern::kernel& core_;
  registry registry_;
  std::unordered_map<std::uint64_t, object> objects_;         // by port id
  std::unordered_map<entry_id, std::uint64_t> service_ports_;  // service → port id
  std::unordered_map<registration_id, std::uint64_t> registrations_;  // → port id
  std::uint64_t main_ = 0;                                     // the main port's id
};

}  // namespace machemu::iokit

#endif  // MACHEMU_IOKIT_HOST_HPP
