// SPDX-License-Identifier: BSL-1.0
// mach-emu's IOKit kernel side (host.hpp): the routines of XNU's iokit.defs that IOKitLib
// reaches, run against the registry, with objects as foreign kernel objects of the core.
#include "host.hpp"

#include <IOKit/IOReturn.h>
#include <IOKit/OSMessageNotification.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "call_args.hpp"
#include "corefoundation/serialize.hpp"

namespace machemu::iokit {
namespace {

using lib::call;

// XNU's kIOUserNotifyMaxMessageSize (IOUserClient.h): what an interest message's header
// announces as room for the argument.
constexpr std::uint32_t user_notify_max_message_size = 64;
constexpr std::size_t name_limit = 127;  // io_name_t without its NUL

struct notification_kind {
  const char* name;  // kIO*Notification
  matching_kind kind;
  std::uint32_t message_type;
};
constexpr notification_kind notification_kinds[] = {
    {"IOServicePublish", matching_kind::publish, kIOServicePublishNotificationType},
    {"IOServiceFirstPublish", matching_kind::first_publish, kIOServicePublishNotificationType},
    {"IOServiceMatched", matching_kind::matched, kIOServiceMatchedNotificationType},
    {"IOServiceFirstMatch", matching_kind::first_match, kIOServiceMatchedNotificationType},
    {"IOServiceTerminate", matching_kind::terminated, kIOServiceTerminatedNotificationType},
};

// The interest types IOService::registerInterest accepts. Only general interest is sent
// anything here (no power management, no console security, no busy state).
constexpr const char* interest_types[] = {"IOGeneralInterest", "IOBusyInterest", "IOAppPowerStateInterest",
                                          "IOConsoleSecurityInterest", "IOPriorityPowerStateInterest"};

// A matching dictionary from its serialized bytes (a new reference), or null.
CFDictionaryRef matching_from(std::span<const std::byte> bytes) {
  std::size_t used = 0;
  CFTypeRef v = cf::deserialize(bytes, used);
  if (v == nullptr) return nullptr;
  if (used != bytes.size() || CFGetTypeID(v) != CFDictionaryGetTypeID()) {
    CFRelease(v);
    return nullptr;
  }
  return static_cast<CFDictionaryRef>(v);
}

struct cf_owner {
  CFTypeRef ref;
  ~cf_owner() {
    if (ref) CFRelease(ref);
  }
};

}  // namespace

host::host(kern::kernel& core) : core_(core) {
  core_.set_kobject_owner(this);
  main_ = new_object(kind::main).port->id;
}

host::~host() {
  // Holders' names become dead names; the kernel-held wake rights go back. Nothing may
  // call back while the objects go (a wake right's last message can hold another).
  core_.set_kobject_owner(nullptr);
  auto objects = std::move(objects_);
  objects_.clear();
  for (auto& [id, o] : objects) {
    core_.release_held_send(std::move(o.wake));
    core_.kobject_retire(std::move(o.port));
  }
}

const char* host::class_name(kind k) {
  switch (k) {
    case kind::iterator: return "IOUserIterator";
    case kind::matching_notification: return "IOServiceUserNotification";
    case kind::interest_notification: return "IOServiceMessageUserNotification";
    default: return "";
  }
}

host::object& host::new_object(kind what) {
  kern::ref<kern::port> p = core_.kobject_create();
  object& o = objects_[p->id];
  o.what = what;
  o.port = std::move(p);
  return o;
}

host::object* host::object_named(kern::task& t, std::uint64_t name) {
  kern::port* p = core_.kobject_named(t, static_cast<mach_port_name_t>(name));
  if (p == nullptr) return nullptr;
  const auto it = objects_.find(p->id);
  return it == objects_.end() ? nullptr : &it->second;
}

host::object& host::service_object(entry_id id) {
  if (const auto it = service_ports_.find(id); it != service_ports_.end()) return objects_.at(it->second);
  object& o = new_object(kind::service);
  o.service = id;
  service_ports_[id] = o.port->id;
  return o;
}

// One more reference of \p o for \p t. On failure the object may be gone (the right the
// core could not copy out was its last): the caller must not touch \p o afterwards.
kern_return_t host::hand_out(kern::task& t, object& o, std::uint64_t& name) {
  mach_port_name_t n = MACH_PORT_NULL;
  const kern_return_t kr = core_.kobject_copy_out(t, *o.port, &n);
  name = n;
  return kr;
}

void host::kobject_no_senders(std::uint64_t port_id) {
  const auto it = objects_.find(port_id);
  if (it == objects_.end() || it->second.what == kind::main) return;  // the main port stays
  forget(it->second);
}

void host::forget(object& o) {
  const std::uint64_t id = o.port->id;
  kern::ref<kern::port> port = std::move(o.port);
  kern::ref<kern::port> wake = std::move(o.wake);
  std::vector<entry_id> released;
  if (o.what == kind::service) {
    service_ports_.erase(o.service);
    released.push_back(o.service);
  } else if (o.registration) {
    registrations_.erase(*o.registration);
    released = registry_.remove(*o.registration);
  }
  objects_.erase(id);
  // What follows may reach back here (a wake right's last message holding another object).
  core_.kobject_retire(std::move(port));
  core_.release_held_send(std::move(wake));
  for (entry_id s : released) collect(s);
}

void host::collect(entry_id id) {
  if (!service_ports_.contains(id)) registry_.collect(id);
}

std::optional<entry_id> host::publish(const service_description& d) {
  std::vector<event> events;
  const auto id = registry_.publish(d, events);
  deliver(events);
  return id;
}

bool host::terminate(entry_id id) {
  std::vector<event> events;
  const bool ok = registry_.terminate(id, events);
  deliver(events);
  // Terminated services nobody holds (it and its children) go at once.
  for (entry_id s : registry_.terminated()) collect(s);
  return ok;
}

void host::deliver(const std::vector<event>& events) {
  for (const event& e : events) {
    // Each event looks its notification up afresh: delivering the previous one may have
    // freed it (a message to a dead wake port is destroyed with the last right to it).
    const registration_id r = std::visit([](const auto& v) { return v.registration; }, e);
    const auto reg = registrations_.find(r);
    if (reg == registrations_.end()) continue;
    object& n = objects_.at(reg->second);
    OSNotificationHeader64 header{};
    std::memcpy(header.reference, n.reference, sizeof header.reference);
    kern::kernel_message m;
    m.dest = n.wake;
    m.local = n.port;
    m.id = kOSNotificationMessageID;
    std::vector<std::byte> payload(sizeof header);
    if (std::holds_alternative<ping>(e)) {
      header.size = 0;
      header.type = n.message_type;
    } else {
      const auto& im = std::get<interest_message>(e);
      // A 64-bit client's one-word argument: 8 bytes, a multiple of 4, so the type
      // carries no size adjustment (IOServiceMessageUserNotification::handler).
      header.size = user_notify_max_message_size + sizeof(IOServiceInterestContent64);
      header.type = kIOServiceMessageNotificationType;
      IOServiceInterestContent64 content{};
      content.messageType = im.message_type;
      content.messageArgument[0] = im.argument;
      payload.resize(sizeof header + sizeof content);
      std::memcpy(payload.data() + sizeof header, &content, sizeof content);
      m.ports.push_back(service_object(im.service).port);
    }
    std::memcpy(payload.data(), &header, sizeof header);
    m.payload = payload;
    core_.send_from_kernel(m);
  }
}

void host::execute(kern::task& t, const lib::port_call& c, lib::port_result& r) {
  if (c.what == call::iokit_main_port) {
    object& main = objects_.at(main_);
    std::uint64_t name = 0;
    r.kr = hand_out(t, main, name);
    r.out[0] = name;
    return;
  }
  object* o = object_named(t, c.a[0]);
  if (o == nullptr) {
    // Not one of ours: MIG's send fails on a name that is no send right; a right to
    // something else converts to no object, which the routine refuses.
    mach_port_type_t type = 0;
    const bool is_right = core_.port_type(t, static_cast<mach_port_name_t>(c.a[0]), &type) == KERN_SUCCESS &&
                          (type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE)) != 0;
    r.kr = is_right ? kIOReturnBadArgument : MACH_SEND_INVALID_DEST;
    return;
  }
  if (o->what == kind::main)
    run_main_call(t, c, r);
  else
    run_object_call(t, *o, c, r);
}

void host::run_main_call(kern::task& t, const lib::port_call& c, lib::port_result& r) {
  field_reader in(c.in);
  switch (c.what) {
    case call::iokit_get_matching_services:
    case call::iokit_get_matching_service: {
      const auto bytes = in.bytes();
      const cf_owner matching{bytes ? matching_from(*bytes) : nullptr};
      if (matching.ref == nullptr) {
        r.kr = kIOReturnBadArgument;
        return;
      }
      std::vector<entry_id> found = registry_.matching_services(static_cast<CFDictionaryRef>(matching.ref));
      std::uint64_t name = 0;
      if (c.what == call::iokit_get_matching_service) {
        // XNU answers the first match, or no object with success.
        r.kr = found.empty() ? KERN_SUCCESS : hand_out(t, service_object(found.front()), name);
      } else {
        object& it = new_object(kind::iterator);
        it.items = std::move(found);
        r.kr = hand_out(t, it, name);
      }
      r.out[0] = name;
      return;
    }
    case call::iokit_add_notification: {
      std::uint64_t name = 0;
      r.kr = add_notification(t, c, name);
      r.out[0] = name;
      return;
    }
    case call::iokit_publish: {
      std::uint64_t id = 0;
      r.kr = publish_call(c, id);
      r.out[0] = id;
      return;
    }
    case call::iokit_terminate: r.kr = terminate(c.a[1]) ? KERN_SUCCESS : kIOReturnNoDevice; return;
    case call::iokit_message: {
      std::vector<event> events;
      r.kr = registry_.message(c.a[1], static_cast<std::uint32_t>(c.a[2]), static_cast<std::uintptr_t>(c.a[3]), events)
                 ? KERN_SUCCESS
                 : kIOReturnNoDevice;
      deliver(events);
      return;
    }
    case call::iokit_list: list(r.blob); return;
    default: r.kr = kIOReturnBadArgument; return;  // an object routine sent to the main port
  }
}

kern_return_t host::add_notification(kern::task& t, const lib::port_call& c, std::uint64_t& name) {
  field_reader in(c.in);
  const auto type = in.string(name_limit);
  const auto matching_bytes = in.bytes();
  const auto reference = in.bytes();
  if (!type || !matching_bytes || !reference) return kIOReturnBadArgument;
  // At most the eight words of an OSAsyncReference64 (is_io_service_add_notification_64).
  if (reference->size() > sizeof(object::reference) || reference->size() % 8 != 0) return kIOReturnBadArgument;
  const cf_owner matching{matching_from(*matching_bytes)};
  if (matching.ref == nullptr) return kIOReturnBadArgument;
  const auto kind_it = std::find_if(std::begin(notification_kinds), std::end(notification_kinds),
                                    [&](const notification_kind& k) { return *type == k.name; });
  if (kind_it == std::end(notification_kinds)) return kIOReturnUnsupported;
  kern::ref<kern::port> wake;
  if (core_.copy_in_send(t, static_cast<mach_port_name_t>(c.a[1]), MACH_MSG_TYPE_MAKE_SEND, &wake) != KERN_SUCCESS)
    return MACH_SEND_INVALID_RIGHT;

  object& n = new_object(kind::matching_notification);
  n.wake = std::move(wake);
  n.message_type = kind_it->message_type;
  std::memcpy(n.reference, reference->data(), reference->size());
  const registration_id reg = registry_.add_matching(kind_it->kind, static_cast<CFDictionaryRef>(matching.ref));
  n.registration = reg;
  registrations_[reg] = n.port->id;
  return hand_out(t, n, name);
}

kern_return_t host::add_interest(kern::task& t, object& service, const lib::port_call& c, std::uint64_t& name) {
  field_reader in(c.in);
  const auto type = in.string(name_limit);
  const auto reference = in.bytes();
  if (!type || !reference || reference->size() > sizeof(object::reference) || reference->size() % 8 != 0)
    return kIOReturnBadArgument;
  if (std::none_of(std::begin(interest_types), std::end(interest_types), [&](const char* k) { return *type == k; }))
    return kIOReturnUnsupported;  // registerInterest refuses it
  kern::ref<kern::port> wake;
  if (core_.copy_in_send(t, static_cast<mach_port_name_t>(c.a[1]), MACH_MSG_TYPE_MAKE_SEND, &wake) != KERN_SUCCESS)
    return MACH_SEND_INVALID_RIGHT;
  const entry_id sid = service.service;
  object& n = new_object(kind::interest_notification);
  n.wake = std::move(wake);
  n.service = sid;
  n.message_type = kIOServiceMessageNotificationType;
  std::memcpy(n.reference, reference->data(), reference->size());
  // XNU registers on a terminated service without error and sends it nothing; so does
  // every interest type but general interest here.
  if (*type == "IOGeneralInterest") {
    if (const auto reg = registry_.add_interest(sid)) {
      n.registration = *reg;
      registrations_[*reg] = n.port->id;
    }
  }
  return hand_out(t, n, name);
}

kern_return_t host::publish_call(const lib::port_call& c, std::uint64_t& id) {
  field_reader in(c.in);
  const auto name = in.string(name_limit);
  const auto properties = in.bytes();
  if (!name || !properties) return kIOReturnBadArgument;
  service_description d;
  d.name = *name;
  d.parent = c.a[1];
  const cf_owner props{properties->empty() ? nullptr : matching_from(*properties)};
  if (!properties->empty() && props.ref == nullptr) return kIOReturnBadArgument;
  d.properties = static_cast<CFDictionaryRef>(props.ref);
  while (!in.at_end()) {
    const auto cls = in.string(name_limit);
    if (!cls || cls->empty()) return kIOReturnBadArgument;
    d.classes.push_back(*cls);
  }
  const auto published = publish(d);
  if (!published) return d.classes.empty() ? kIOReturnBadArgument : kIOReturnNoDevice;
  id = *published;
  return KERN_SUCCESS;
}

void host::list(std::vector<std::byte>& blob) const {
  for (entry_id id : registry_.services()) {
    const service_description* d = registry_.find(id);
    char ids[48];
    std::snprintf(ids, sizeof ids, "0x%llx 0x%llx ", static_cast<unsigned long long>(id),
                  static_cast<unsigned long long>(d->parent));
    put_field(blob, ids + d->classes.front() + " " + d->name);
  }
}

void host::run_object_call(kern::task& t, object& o, const lib::port_call& c, lib::port_result& r) {
  field_reader in(c.in);
  const bool service = o.what == kind::service;
  const service_description* d = service ? registry_.find(o.service) : nullptr;
  switch (c.what) {
    case call::iokit_iterator_next: {
      std::optional<entry_id> next;
      if (o.what == kind::iterator) {
        if (o.position < o.items.size()) next = o.items[o.position++];
      } else if (o.what == kind::matching_notification && o.registration) {
        next = registry_.next(*o.registration);
      } else {
        r.kr = kIOReturnBadArgument;
        return;
      }
      if (!next) {
        r.kr = kIOReturnNoDevice;  // is_io_iterator_next: nothing left
        return;
      }
      std::uint64_t name = 0;
      r.kr = hand_out(t, service_object(*next), name);
      r.out[0] = name;
      return;
    }
    case call::iokit_iterator_reset:
      if (o.what == kind::iterator) o.position = 0;
      r.kr = o.what == kind::service ? kIOReturnBadArgument : KERN_SUCCESS;
      return;
    case call::iokit_iterator_is_valid:
      r.kr = o.what == kind::service ? kIOReturnBadArgument : KERN_SUCCESS;
      r.out[0] = 1;  // a snapshot, and a notification, never go stale
      return;
    case call::iokit_object_get_class:
      put_field(r.blob, service ? std::string_view(d->classes.front())
                                : std::string_view(class_name(o.what)));
      return;
    case call::iokit_object_conforms_to: {
      const auto cls = in.string(name_limit);
      if (!cls) {
        r.kr = kIOReturnBadArgument;
        return;
      }
      r.out[0] = service ? std::find(d->classes.begin(), d->classes.end(), *cls) != d->classes.end()
                         : (*cls == class_name(o.what) || *cls == "OSObject");
      return;
    }
    case call::iokit_add_interest_notification: {
      if (!service) {
        r.kr = kIOReturnBadArgument;
        return;
      }
      std::uint64_t name = 0;
      r.kr = add_interest(t, o, c, name);
      r.out[0] = name;
      return;
    }
    default: break;
  }
  if (!service) {
    r.kr = kIOReturnBadArgument;  // a registry routine on an iterator or a notification
    return;
  }
  switch (c.what) {
    case call::iokit_entry_get_name: put_field(r.blob, d->name); return;
    case call::iokit_entry_get_id: r.out[0] = o.service; return;
    case call::iokit_entry_get_property: {
      const auto key = in.string(name_limit);
      if (!key) {
        r.kr = kIOReturnBadArgument;
        return;
      }
      const cf_owner k{CFStringCreateWithBytes(nullptr, reinterpret_cast<const UInt8*>(key->data()),
                                               static_cast<CFIndex>(key->size()), kCFStringEncodingUTF8, false)};
      CFTypeRef v = d->properties && k.ref ? CFDictionaryGetValue(d->properties, k.ref) : nullptr;
      if (v == nullptr || !cf::serialize(v, r.blob)) r.kr = kIOReturnNotFound;
      return;
    }
    case call::iokit_entry_get_properties: {
      if (d->properties) {
        if (!cf::serialize(d->properties, r.blob)) r.kr = kIOReturnUnsupported;
      } else {
        const cf_owner empty{CFDictionaryCreate(nullptr, nullptr, nullptr, 0, &kCFTypeDictionaryKeyCallBacks,
                                                &kCFTypeDictionaryValueCallBacks)};
        (void)cf::serialize(empty.ref, r.blob);
      }
      return;
    }
    case call::iokit_entry_get_parent: {
      if (d->parent == 0 || registry_.find(d->parent) == nullptr) {
        r.kr = kIOReturnNoDevice;  // attached to the root, which is not modelled
        return;
      }
      std::uint64_t name = 0;
      r.kr = hand_out(t, service_object(d->parent), name);
      r.out[0] = name;
      return;
    }
    default: r.kr = kIOReturnBadArgument; return;
  }
}

}  // namespace machemu::iokit
