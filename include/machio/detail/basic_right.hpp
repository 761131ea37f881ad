// SPDX-License-Identifier: BSL-1.0
// machio/detail/basic_right.hpp — the single-owner, move-only part every right owner shares.
#ifndef MACHIO_DETAIL_BASIC_RIGHT_HPP
#define MACHIO_DETAIL_BASIC_RIGHT_HPP

#include <machio/detail/darwin.hpp>

namespace machio::detail {

//! Owns one name's worth of one right (one uref, or the whole right) and gives it back
//! exactly once: by release() to a caller, or to `Traits::release(name)` on reset() and
//! destruction. `Traits::release` must accept MACH_PORT_NULL and MACH_PORT_DEAD (which own
//! nothing) and must not throw. Move-only: a move transfers the name and empties the source.
//!
//! Right owners inherit privately and re-export what they offer with using-declarations,
//! so a base of one owner never stands in for another, and each keeps its own doc comments.
//! One traits type per owner keeps the bases of different owners distinct types.
template <class Traits>
class basic_right {
 public:
  basic_right(const basic_right&) = delete;
  basic_right& operator=(const basic_right&) = delete;

 protected:
  //! Owns nothing.
  basic_right() noexcept = default;
  //! Takes ownership of \p name (see the owner's adopting constructor).
  explicit basic_right(mach_port_name_t name) noexcept : name_(name) {}

  //! Takes \p other's name; \p other becomes empty.
  basic_right(basic_right&& other) noexcept : name_(other.release()) {}
  //! Releases what this object owns, then takes \p other's name; \p other becomes empty.
  basic_right& operator=(basic_right&& other) noexcept {
    if (this != &other) {
      reset();
      name_ = other.release();
    }
    return *this;
  }

  //! Releases what the object still owns.
  ~basic_right() { reset(); }

  //! Borrows the name; the object keeps ownership.
  mach_port_name_t get() const noexcept { return name_; }

  //! True when the object holds a name other than MACH_PORT_NULL.
  explicit operator bool() const noexcept { return name_ != MACH_PORT_NULL; }

  //! Hands the owned name to the caller, who must release it; the object becomes empty.
  [[nodiscard]] mach_port_name_t release() noexcept {
    const mach_port_name_t name = name_;
    name_ = MACH_PORT_NULL;
    return name;
  }

  //! Releases the owned name now (Traits::release); the object becomes empty.
  void reset() noexcept { Traits::release(release()); }

 private:
  mach_port_name_t name_ = MACH_PORT_NULL;
};

}  // namespace machio::detail

#endif  // MACHIO_DETAIL_BASIC_RIGHT_HPP
