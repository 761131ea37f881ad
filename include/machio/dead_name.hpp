// SPDX-License-Identifier: BSL-1.0
// machio/dead_name.hpp — an owned dead name.
#ifndef MACHIO_DEAD_NAME_HPP
#define MACHIO_DEAD_NAME_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/adopt.hpp>
#include <machio/detail/basic_right.hpp>
#include <machio/error.hpp>

namespace machio {

namespace detail {
//! What releasing a dead_name means: mach_port_deallocate of one uref. Consumes \p name's
//! uref; aborts on a kernel refusal (ownership_violation).
struct dead_name_traits {
  static void release(mach_port_name_t name) noexcept;
};
}  // namespace detail

//! Owns one user reference of a dead name: the name a send or send-once right keeps after
//! its port died, until every reference is dropped. Nothing can be sent to it; it exists so
//! the reference is released exactly once (mach_port_deallocate). Move-only.
class dead_name : private detail::basic_right<detail::dead_name_traits> {
  using base = detail::basic_right<detail::dead_name_traits>;

 public:
  //! An empty object: owns nothing.
  dead_name() noexcept = default;
  //! Adopts one uref of the dead name \p name. MACH_PORT_NULL/MACH_PORT_DEAD own nothing.
  dead_name(adopt_t, mach_port_name_t name) noexcept : base(name) {}

  //! Takes \p other's uref; \p other becomes empty.
  dead_name(dead_name&& other) noexcept = default;
  //! Drops the uref this object owns, then takes \p other's; \p other becomes empty.
  dead_name& operator=(dead_name&& other) noexcept = default;
  //! Not copyable: the uref would be released twice (copy rights explicitly).
  dead_name(const dead_name&) = delete;
  dead_name& operator=(const dead_name&) = delete;

  //! Drops the owned uref.
  ~dead_name() = default;

  //! Borrows the name; the object keeps ownership.
  using base::get;
  //! True when the object holds a name other than MACH_PORT_NULL.
  using base::operator bool;
  //! Gives the uref to the caller.
  using base::release;
  //! Drops the owned uref now; the object becomes empty.
  using base::reset;
};

}  // namespace machio

#endif  // MACHIO_DEAD_NAME_HPP
