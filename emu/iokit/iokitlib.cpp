// SPDX-License-Identifier: BSL-1.0
// mach-emu's IOKitLib: the SDK's registry, iterator and notification calls, each one
// IOKit routine through the transport to the registry's host (host.hpp), with IOKitUser's
// argument handling: a NULL main port means the default, fetched and let go around the
// call; matching dictionaries are consumed; callbacks travel in the reference words.
#include <IOKit/IOKitLib.h>

#include <mach/mach.h>

#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "call_args.hpp"
#include "corefoundation/serialize.hpp"
#include "lib/transport.hpp"
#include "routine.hpp"

struct IONotificationPort {
  mach_port_t main_port;
  mach_port_t wake_port;  // receive right
};

namespace {

using machemu::iokit::main_port_for_call;
using machemu::iokit::run;
using machemu::lib::call;
using machemu::lib::port_result;

// Consumes the caller's reference of \p matching and gives its bytes; false when CF's
// serialization cannot carry it (IOKitUser's IOCFSerialize failing: kIOReturnUnsupported).
bool take_matching(CFDictionaryRef matching, std::vector<std::byte>& field) {
  std::vector<std::byte> bytes;
  const bool ok = machemu::cf::serialize(matching, bytes);
  CFRelease(matching);
  if (ok) machemu::iokit::put_field(field, bytes);
  return ok;
}

std::vector<std::byte> name_field(const char* s) {
  std::vector<std::byte> out;
  machemu::iokit::put_field(out, std::string_view(s, strnlen(s, sizeof(io_name_t) - 1)));
  return out;
}

// Copies the first field of \p blob into \p out (an io_name_t).
kern_return_t copy_name(const port_result& r, kern_return_t kr, char* out) {
  if (kr != KERN_SUCCESS) return kr;
  machemu::iokit::field_reader in(r.blob);
  const auto s = in.string(sizeof(io_name_t) - 1);
  if (!s) return kIOReturnIPCError;
  std::memcpy(out, s->data(), s->size());
  out[s->size()] = '\0';
  return KERN_SUCCESS;
}

CFTypeRef decode_value(const std::vector<std::byte>& blob) {
  std::size_t used = 0;
  CFTypeRef v = machemu::cf::deserialize(blob, used);
  if (v != nullptr && used != blob.size()) {
    CFRelease(v);
    return nullptr;
  }
  return v;
}

CFMutableDictionaryRef dictionary_with(CFStringRef key, CFTypeRef value) {
  CFMutableDictionaryRef d =
      CFDictionaryCreateMutable(nullptr, 0, &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
  if (d && value) CFDictionarySetValue(d, key, value);
  if (value) CFRelease(value);
  return d;
}

CFMutableDictionaryRef string_matching(CFStringRef key, const char* name) {
  if (name == nullptr) return nullptr;
  return dictionary_with(key, CFStringCreateWithCString(nullptr, name, kCFStringEncodingUTF8));
}

}  // namespace

extern "C" {

const mach_port_t kIOMainPortDefault = MACH_PORT_NULL;
const mach_port_t kIOMasterPortDefault = MACH_PORT_NULL;

kern_return_t IOMainPort(mach_port_t, mach_port_t* mainPort) {
  if (mainPort == nullptr) return kIOReturnBadArgument;
  port_result r;
  const kern_return_t kr = run(call::iokit_main_port, mach_task_self(), r);
  *mainPort = kr == KERN_SUCCESS ? static_cast<mach_port_t>(r.out[0]) : MACH_PORT_NULL;
  return kr;
}

kern_return_t IOMasterPort(mach_port_t bootstrapPort, mach_port_t* mainPort) {
  return IOMainPort(bootstrapPort, mainPort);
}

IONotificationPortRef IONotificationPortCreate(mach_port_t mainPort) {
  if (mainPort == MACH_PORT_NULL) {
    if (IOMainPort(MACH_PORT_NULL, &mainPort) != KERN_SUCCESS) return nullptr;
  } else if (IOObjectRetain(mainPort) != KERN_SUCCESS) {
    return nullptr;
  }
  auto* notify = new (std::nothrow) IONotificationPort{mainPort, MACH_PORT_NULL};
  if (notify == nullptr ||
      mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &notify->wake_port) != KERN_SUCCESS) {
    (void)mach_port_deallocate(mach_task_self(), mainPort);
    delete notify;
    return nullptr;
  }
  return notify;
}

void IONotificationPortDestroy(IONotificationPortRef notify) {
  if (notify == nullptr) return;
  (void)mach_port_mod_refs(mach_task_self(), notify->wake_port, MACH_PORT_RIGHT_RECEIVE, -1);
  (void)mach_port_deallocate(mach_task_self(), notify->main_port);
  delete notify;
}

mach_port_t IONotificationPortGetMachPort(IONotificationPortRef notify) {
  return notify ? notify->wake_port : MACH_PORT_NULL;
}

kern_return_t IOObjectRelease(io_object_t object) { return mach_port_deallocate(mach_task_self(), object); }

kern_return_t IOObjectRetain(io_object_t object) {
  return mach_port_mod_refs(mach_task_self(), object, MACH_PORT_RIGHT_SEND, 1);
}

kern_return_t IOObjectGetClass(io_object_t object, io_name_t className) {
  if (className == nullptr) return kIOReturnBadArgument;
  port_result r;
  return copy_name(r, run(call::iokit_object_get_class, object, r), className);
}

boolean_t IOObjectConformsTo(io_object_t object, const io_name_t className) {
  if (className == nullptr) return false;
  port_result r;
  return run(call::iokit_object_conforms_to, object, r, {}, name_field(className)) == KERN_SUCCESS && r.out[0] != 0;
}

boolean_t IOObjectIsEqualTo(io_object_t object, io_object_t anObject) { return object == anObject; }

io_object_t IOIteratorNext(io_iterator_t iterator) {
  port_result r;
  return run(call::iokit_iterator_next, iterator, r) == KERN_SUCCESS ? static_cast<io_object_t>(r.out[0])
                                                                       : IO_OBJECT_NULL;
}

void IOIteratorReset(io_iterator_t iterator) {
  port_result r;
  (void)run(call::iokit_iterator_reset, iterator, r);
}

boolean_t IOIteratorIsValid(io_iterator_t iterator) {
  port_result r;
  return run(call::iokit_iterator_is_valid, iterator, r) == KERN_SUCCESS && r.out[0] != 0;
}

io_service_t IOServiceGetMatchingService(mach_port_t mainPort, CFDictionaryRef matching) {
  if (matching == nullptr) return IO_OBJECT_NULL;
  const main_port_for_call main(mainPort);
  std::vector<std::byte> in;
  if (!take_matching(matching, in)) return IO_OBJECT_NULL;
  port_result r;
  return run(call::iokit_get_matching_service, main.get(), r, {}, std::move(in)) == KERN_SUCCESS
             ? static_cast<io_service_t>(r.out[0])
             : IO_OBJECT_NULL;
}

kern_return_t IOServiceGetMatchingServices(mach_port_t mainPort, CFDictionaryRef matching, io_iterator_t* existing) {
  if (matching == nullptr) return kIOReturnBadArgument;
  const main_port_for_call main(mainPort);
  std::vector<std::byte> in;
  if (!take_matching(matching, in)) return kIOReturnUnsupported;
  port_result r;
  const kern_return_t kr = run(call::iokit_get_matching_services, main.get(), r, {}, std::move(in));
  if (existing) *existing = kr == KERN_SUCCESS ? static_cast<io_iterator_t>(r.out[0]) : IO_OBJECT_NULL;
  return kr;
}

kern_return_t IOServiceAddMatchingNotification(IONotificationPortRef notifyPort, const io_name_t notificationType,
                                               CFDictionaryRef matching, IOServiceMatchingCallback callback,
                                               void* refCon, io_iterator_t* notification) {
  if (matching == nullptr) return kIOReturnBadArgument;
  if (notifyPort == nullptr || notificationType == nullptr) {
    CFRelease(matching);
    return kIOReturnBadArgument;
  }
  std::vector<std::byte> in = name_field(notificationType);
  if (!take_matching(matching, in)) return kIOReturnUnsupported;
  io_user_reference_t words[kIOMatchingCalloutCount] = {};
  words[kIOMatchingCalloutFuncIndex] = reinterpret_cast<std::uintptr_t>(callback);
  words[kIOMatchingCalloutRefconIndex] = reinterpret_cast<std::uintptr_t>(refCon);
  machemu::iokit::put_field(in, std::as_bytes(std::span(words)));
  port_result r;
  const kern_return_t kr =
      run(call::iokit_add_notification, notifyPort->main_port, r, {notifyPort->wake_port}, std::move(in));
  if (notification) *notification = kr == KERN_SUCCESS ? static_cast<io_iterator_t>(r.out[0]) : IO_OBJECT_NULL;
  return kr;
}

kern_return_t IOServiceAddInterestNotification(IONotificationPortRef notifyPort, io_service_t service,
                                               const io_name_t interestType, IOServiceInterestCallback callback,
                                               void* refCon, io_object_t* notification) {
  if (notifyPort == nullptr || interestType == nullptr) return kIOReturnBadArgument;
  std::vector<std::byte> in = name_field(interestType);
  io_user_reference_t words[kIOInterestCalloutCount] = {};
  words[kIOInterestCalloutFuncIndex] = reinterpret_cast<std::uintptr_t>(callback);
  words[kIOInterestCalloutRefconIndex] = reinterpret_cast<std::uintptr_t>(refCon);
  words[kIOInterestCalloutServiceIndex] = service;
  machemu::iokit::put_field(in, std::as_bytes(std::span(words)));
  port_result r;
  const kern_return_t kr =
      run(call::iokit_add_interest_notification, service, r, {notifyPort->wake_port}, std::move(in));
  if (notification) *notification = kr == KERN_SUCCESS ? static_cast<io_object_t>(r.out[0]) : IO_OBJECT_NULL;
  return kr;
}

CFMutableDictionaryRef IOServiceMatching(const char* name) { return string_matching(CFSTR(kIOProviderClassKey), name); }

CFMutableDictionaryRef IOServiceNameMatching(const char* name) { return string_matching(CFSTR(kIONameMatchKey), name); }

CFMutableDictionaryRef IORegistryEntryIDMatching(uint64_t entryID) {
  return dictionary_with(CFSTR(kIORegistryEntryIDKey), CFNumberCreate(nullptr, kCFNumberSInt64Type, &entryID));
}

kern_return_t IORegistryEntryGetName(io_registry_entry_t entry, io_name_t name) {
  if (name == nullptr) return kIOReturnBadArgument;
  port_result r;
  return copy_name(r, run(call::iokit_entry_get_name, entry, r), name);
}

kern_return_t IORegistryEntryGetRegistryEntryID(io_registry_entry_t entry, uint64_t* entryID) {
  port_result r;
  const kern_return_t kr = run(call::iokit_entry_get_id, entry, r);
  if (entryID) *entryID = kr == KERN_SUCCESS ? r.out[0] : 0;
  return kr;
}

CFTypeRef IORegistryEntryCreateCFProperty(io_registry_entry_t entry, CFStringRef key, CFAllocatorRef, IOOptionBits) {
  char k[sizeof(io_name_t)];
  if (key == nullptr || !CFStringGetCString(key, k, sizeof k, kCFStringEncodingUTF8)) return nullptr;
  std::vector<std::byte> in = name_field(k);
  port_result r;
  if (run(call::iokit_entry_get_property, entry, r, {}, std::move(in)) != KERN_SUCCESS) return nullptr;
  return decode_value(r.blob);
}

kern_return_t IORegistryEntryCreateCFProperties(io_registry_entry_t entry, CFMutableDictionaryRef* properties,
                                                CFAllocatorRef, IOOptionBits) {
  if (properties == nullptr) return kIOReturnBadArgument;
  *properties = nullptr;
  port_result r;
  const kern_return_t kr = run(call::iokit_entry_get_properties, entry, r);
  if (kr != KERN_SUCCESS) return kr;
  CFTypeRef v = decode_value(r.blob);
  if (v == nullptr || CFGetTypeID(v) != CFDictionaryGetTypeID()) {
    if (v) CFRelease(v);
    return kIOReturnIPCError;
  }
  // Ours alone: a mutable copy the caller may change.
  *properties = CFDictionaryCreateMutableCopy(nullptr, 0, static_cast<CFDictionaryRef>(v));
  CFRelease(v);
  return *properties ? KERN_SUCCESS : kIOReturnNoMemory;
}

kern_return_t IORegistryEntryGetParentEntry(io_registry_entry_t entry, const io_name_t plane,
                                            io_registry_entry_t* parent) {
  if (parent == nullptr) return kIOReturnBadArgument;
  *parent = IO_OBJECT_NULL;
  // The registry models one plane, IOService's.
  if (plane == nullptr || std::strcmp(plane, kIOServicePlane) != 0) return kIOReturnBadArgument;
  port_result r;
  const kern_return_t kr = run(call::iokit_entry_get_parent, entry, r);
  if (kr == KERN_SUCCESS) *parent = static_cast<io_registry_entry_t>(r.out[0]);
  return kr;
}

}  // extern "C"
