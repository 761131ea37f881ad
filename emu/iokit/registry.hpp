// SPDX-License-Identifier: BSL-1.0
// mach-emu's IOKit registry: services, matching, and the notification rules of XNU's
// IOService and IOUserClient, as a state machine with no I/O. Whoever hosts it (machd, or
// the process in the in-process mode) turns its events into the Mach messages XNU sends.
//
// The rules it keeps (xnu iokit/Kernel/IOService.cpp doInstallNotification, IOUserClient.cpp
// IOServiceUserNotification):
// - a matching notification (publish, first publish, matched, first match) starts with the
//   services that already match in its set; a terminated notification starts empty;
// - a new service goes into the set of every registration it matches; the registration
//   is pinged only when it is armed and its set was empty, and a ping disarms it;
// - next() takes the most recently added service (XNU keeps an OSArray and removes its
//   last); next() on an empty set arms the registration. A registration starts unarmed:
//   its owner must drain it once;
// - a set holds at most max_outstanding services; XNU drops the rest, and so does this;
// - an interest registration is sent every message of its service, no arming; a
//   terminated service sends kIOMessageServiceIsTerminated to its interest registrations,
//   then joins the sets of the terminated notifications that match it.
//
// A terminated service's description stays until its host calls collect(): the host
// (host.hpp) counts the io_object_t references that keep it, as XNU frees an IOService
// when its last holder lets go.
#ifndef MACHEMU_IOKIT_REGISTRY_HPP
#define MACHEMU_IOKIT_REGISTRY_HPP

#include <CoreFoundation/CoreFoundation.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace machemu::iokit {

using entry_id = std::uint64_t;
using registration_id = std::uint64_t;

//! The kinds of matching notification (kIO*Notification).
enum class matching_kind { publish, first_publish, matched, first_match, terminated };

//! What a service is: its class and the classes it inherits (the most derived first, e.g.
//! IOUSBHostDevice, IOService, IORegistryEntry), its name, and its properties.
struct service_description {
  std::vector<std::string> classes;
  std::string name;
  //! Retained by the registry while the service exists (NULL: none).
  CFDictionaryRef properties = nullptr;
  entry_id parent = 0;  //!< 0: attached to the root
};

//! Send a matching registration's ping (its set went from empty to not, while armed).
struct ping {
  registration_id registration;
};
//! Send an interest registration this message of its service.
struct interest_message {
  registration_id registration;
  entry_id service;
  std::uint32_t message_type;
  std::uintptr_t argument;
};
using event = std::variant<ping, interest_message>;

class registry {
 public:
  //! Services a set holds at most (IOServiceUserNotification's kMaxOutstanding).
  static constexpr std::size_t max_outstanding = 1024;
  //! kIOMessageServiceIsTerminated.
  static constexpr std::uint32_t message_service_is_terminated = 0xe0000010;

  registry() = default;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;
  ~registry();

  //! Publishes a service; its id is new (registry ids are never reused). The events: a
  //! ping for each armed registration whose set it enters first. Fails (nullopt) when the
  //! description names no class or a parent that does not exist.
  std::optional<entry_id> publish(const service_description& d, std::vector<event>& events);
  //! Terminates a service (and, first, its children): interest registrations are told
  //! kIOMessageServiceIsTerminated, terminated notifications get it. False when \p id is
  //! not a live service.
  bool terminate(entry_id id, std::vector<event>& events);
  //! Sends \p message_type with \p argument to the interest registrations of \p id.
  bool message(entry_id id, std::uint32_t message_type, std::uintptr_t argument, std::vector<event>& events);

  //! A matching registration for \p matching (a CF matching dictionary, borrowed), its set
  //! holding the services that already match unless \p kind is terminated.
  registration_id add_matching(matching_kind kind, CFDictionaryRef matching);
  //! An interest registration on service \p id; nullopt when it is not live.
  std::optional<registration_id> add_interest(entry_id id);
  //! Removes a registration of either kind; returns the services its set still held.
  std::vector<entry_id> remove(registration_id r);
  //! Forgets terminated service \p id if no registration's set holds it (its holders
  //! let go: XNU frees the IOService then). False when it stays.
  bool collect(entry_id id);
  //! The next service of a matching registration's set (the latest added), or nullopt —
  //! which arms it.
  std::optional<entry_id> next(registration_id r);

  //! The live services \p matching matches, in publishing order.
  std::vector<entry_id> matching_services(CFDictionaryRef matching) const;
  //! Whether \p matching (a CF matching dictionary) matches service \p id: every key it
  //! understands — IOProviderClass, IONameMatch, IORegistryEntryID, IOPropertyMatch —
  //! must agree; other keys are ignored, as a service's default matchPropertyTable does.
  bool matches(entry_id id, CFDictionaryRef matching) const;

  //! A service's description (borrowed), or null. Terminated services keep theirs: the
  //! clients that hold them can still read it, as on Darwin.
  const service_description* find(entry_id id) const;
  //! Whether \p id is a published service not yet terminated.
  bool live(entry_id id) const;
  //! Live services, in publishing order.
  std::vector<entry_id> services() const;
  //! Terminated services not yet collected.
  std::vector<entry_id> terminated() const;

 private:
  struct service {
    service_description d;
    bool live = true;
  };
  struct matching_registration {
    matching_kind kind;
    CFDictionaryRef matching;  // retained
    std::vector<entry_id> set;
    bool armed = false;
  };
  struct interest_registration {
    entry_id service;
  };

  void enter(registration_id r, matching_registration& m, entry_id id, std::vector<event>& events);

  std::map<entry_id, service> services_;
  std::map<registration_id, matching_registration> matching_;
  std::map<registration_id, interest_registration> interest_;
  entry_id next_entry_ = 0x100000100;  // XNU's ids are large numbers; none is 0
  registration_id next_registration_ = 1;
};

}  // namespace machemu::iokit

#endif  // MACHEMU_IOKIT_REGISTRY_HPP
