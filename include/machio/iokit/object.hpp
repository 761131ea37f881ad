// SPDX-License-Identifier: BSL-1.0
// machio/iokit/object.hpp — an owned reference to an IOKit object.
#ifndef MACHIO_IOKIT_OBJECT_HPP
#define MACHIO_IOKIT_OBJECT_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/adopt.hpp>
#include <machio/detail/basic_right.hpp>
#include <machio/detail/iokit_sdk_gaps.h>
#include <machio/detail/throwing.hpp>
#include <machio/error.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace machio::iokit {

namespace detail {
//! What releasing an iokit::object means: IOObjectRelease of the one reference it owns.
struct object_traits {
  static void release(io_object_t object) noexcept;
};
}  // namespace detail

//! Owns one reference to an IOKit object (an io_object_t: a service, a registry entry,
//! an iterator, a notification) and drops it with IOObjectRelease on destruction.
//! Move-only. The io_object_t values IOKit hands out (IOIteratorNext, the notification
//! out-parameters) carry a reference the receiver owns: adopt them.
class object : private machio::detail::basic_right<detail::object_traits> {
  using base = machio::detail::basic_right<detail::object_traits>;

 public:
  //! An empty object.
  object() noexcept = default;
  //! Adopts the reference \p handle carries; the caller gives it up.
  object(adopt_t, io_object_t handle) noexcept : base(handle) {}
  //! A new reference to \p handle (IOObjectRetain); the caller keeps its own.
  static object retain(io_object_t handle) noexcept;

  //! Takes the other object's reference; the other object becomes empty.
  object(object&&) noexcept = default;
  //! Releases the reference this object holds (IOObjectRelease), then takes the other
  //! object's; the other object becomes empty.
  object& operator=(object&&) noexcept = default;
  //! Releases the reference, if any.
  ~object() = default;

  //! Borrows the handle: the object keeps its reference.
  io_object_t get() const noexcept { return base::get(); }
  //! True when the object holds a handle.
  using base::operator bool;
  //! Gives the reference to the caller, who must IOObjectRelease it.
  using base::release;
  //! Releases the reference now.
  using base::reset;

  //! The registry entry's name (IORegistryEntryGetName), e.g. a USB device's product name.
  std::string name(boost::system::error_code& ec) const;
  //! Throwing form of name(ec).
  std::string name(const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    return machio::detail::throwing("machio::iokit::object::name", loc, [&](auto& ec) { return name(ec); });
  }
  //! The registry entry's system-wide ID (IORegistryEntryGetRegistryEntryID): stable for the
  //! entry's life, so it pairs an arrival with its departure.
  std::uint64_t registry_id(boost::system::error_code& ec) const noexcept;
  //! Throwing form of registry_id(ec).
  std::uint64_t registry_id(const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    return machio::detail::throwing("machio::iokit::object::registry_id", loc,
                                    [&](auto& ec) { return registry_id(ec); });
  }
  //! The registry property \p key as an integer, when the entry has it and it is a number
  //! (e.g. a USB device's "idVendor", "idProduct", "locationID").
  std::optional<std::int64_t> integer_property(const char* key) const noexcept;
};

}  // namespace machio::iokit

#endif  // MACHIO_IOKIT_OBJECT_HPP
