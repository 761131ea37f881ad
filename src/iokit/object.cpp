// SPDX-License-Identifier: BSL-1.0
// machio::iokit::object: the IOKit calls behind the owner.
#include <machio/iokit/object.hpp>

namespace machio::iokit {

void detail::object_traits::release(io_object_t object) noexcept {
  if (object != MACH_PORT_NULL && object != MACH_PORT_DEAD) (void)IOObjectRelease(object);
}

object object::retain(io_object_t handle) noexcept {
  if (handle == MACH_PORT_NULL || handle == MACH_PORT_DEAD) return {};
  if (IOObjectRetain(handle) != KERN_SUCCESS) return {};
  return object(adopt, handle);
}

std::string object::name(boost::system::error_code& ec) const {
  io_name_t buffer = {};
  if (machio::detail::fail(IORegistryEntryGetName(get(), buffer), ec)) return {};
  return std::string(buffer);
}

std::uint64_t object::registry_id(boost::system::error_code& ec) const noexcept {
  std::uint64_t id = 0;
  if (machio::detail::fail(IORegistryEntryGetRegistryEntryID(get(), &id), ec)) return 0;
  return id;
}

std::optional<std::int64_t> object::integer_property(const char* key) const noexcept {
  // The CF objects made here are released on every path: the key (Create rule) and the
  // property (Create rule); a NULL allocator means the default one.
  CFStringRef cf_key = CFStringCreateWithCString(nullptr, key, kCFStringEncodingUTF8);
  if (cf_key == nullptr) return std::nullopt;
  CFTypeRef value = IORegistryEntryCreateCFProperty(get(), cf_key, nullptr, 0);
  CFRelease(cf_key);
  if (value == nullptr) return std::nullopt;
  std::optional<std::int64_t> out;
  std::int64_t number = 0;
  if (CFGetTypeID(value) == CFNumberGetTypeID() &&
      CFNumberGetValue(static_cast<CFNumberRef>(value), kCFNumberSInt64Type, &number))
    out = number;
  CFRelease(value);
  return out;
}

}  // namespace machio::iokit
