// SPDX-License-Identifier: BSL-1.0
// machio/ool_region.hpp — an owned region of virtual memory (out-of-line message data).
#ifndef MACHIO_OOL_REGION_HPP
#define MACHIO_OOL_REGION_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/adopt.hpp>
#include <machio/detail/throwing.hpp>
#include <machio/error.hpp>

#include <cstddef>
#include <span>

namespace machio {

//! Owns [address, address + size) of the task's virtual memory, as received out of line
//! or made with allocate(), and unmaps it (vm_deallocate) on destruction. Giving it to a
//! message_builder sends it with "deallocate" semantics: it leaves this task when the
//! message is sent. Move-only.
class ool_region {
 public:
  //! An empty region: owns nothing.
  ool_region() noexcept = default;
  //! Adopts the mapping [address, address + size); the caller gives it up.
  ool_region(adopt_t, vm_address_t address, vm_size_t size) noexcept
      : address_(address), size_(size) {}

  //! Takes \p other's mapping; \p other becomes empty.
  ool_region(ool_region&& other) noexcept : address_(other.address_), size_(other.size_) {
    other.address_ = 0;
    other.size_ = 0;
  }
  //! Unmaps the region this object owns, then takes \p other's; \p other becomes empty.
  ool_region& operator=(ool_region&& other) noexcept {
    if (this != &other) {
      reset();
      address_ = other.address_;
      size_ = other.size_;
      other.address_ = 0;
      other.size_ = 0;
    }
    return *this;
  }
  //! Not copyable: the mapping would be unmapped twice.
  ool_region(const ool_region&) = delete;
  ool_region& operator=(const ool_region&) = delete;
  //! Unmaps the region if owned.
  ~ool_region() { reset(); }

  //! Maps \p size fresh zero-filled bytes (vm_allocate, page-granular).
  static ool_region allocate(vm_size_t size, boost::system::error_code& ec);
  //! Throwing form of allocate(size, ec).
  static ool_region allocate(vm_size_t size,
                             const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::ool_region::allocate", loc,
                            [&](auto& ec) { return allocate(size, ec); });
  }

  //! The region's bytes; valid while the object owns them.
  std::span<std::byte> bytes() const noexcept {
    return {reinterpret_cast<std::byte*>(address_), static_cast<std::size_t>(size_)};
  }
  //! Start address (0 when empty).
  vm_address_t address() const noexcept { return address_; }
  //! Size in bytes as sent (the mapping itself is rounded up to pages).
  vm_size_t size() const noexcept { return size_; }
  //! True when the object owns a mapping.
  explicit operator bool() const noexcept { return address_ != 0; }

  //! Gives the mapping to the caller, who must vm_deallocate it; the object becomes empty.
  [[nodiscard]] std::span<std::byte> release() noexcept {
    auto b = bytes();
    address_ = 0;
    size_ = 0;
    return b;
  }
  //! Unmaps the region now.
  void reset() noexcept;

 private:
  vm_address_t address_ = 0;
  vm_size_t size_ = 0;
};

}  // namespace machio

#endif  // MACHIO_OOL_REGION_HPP
