// SPDX-License-Identifier: BSL-1.0
// machio/send_right.hpp — an owned send right.
#ifndef MACHIO_SEND_RIGHT_HPP
#define MACHIO_SEND_RIGHT_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/adopt.hpp>
#include <machio/dead_name.hpp>
#include <machio/detail/basic_right.hpp>
#include <machio/detail/throwing.hpp>
#include <machio/error.hpp>

#include <utility>

namespace machio {

namespace detail {
//! What releasing a send_right means: mach_port_deallocate of one uref (of the send right,
//! or of the dead name it became). Owns and consumes \p name's uref; aborts on a kernel
//! refusal, which means the uref was not ours (ownership_violation).
struct send_right_traits {
  static void release(mach_port_name_t name) noexcept;
};
}  // namespace detail

//! Owns exactly one user reference of a send right in the current task and drops it
//! (mach_port_deallocate) on destruction. Move-only.
//!
//! A send right turns into a dead name when its port's receive right is destroyed; the
//! object then owns that dead-name reference instead and still releases it exactly once.
//! is_dead() tells, and copy() fails with machio::error::dead_name rather than silently
//! copying a dead name. The names MACH_PORT_NULL and MACH_PORT_DEAD own nothing.
class send_right : private detail::basic_right<detail::send_right_traits> {
  using base = detail::basic_right<detail::send_right_traits>;

 public:
  //! An empty object: owns nothing, get() == MACH_PORT_NULL.
  send_right() noexcept = default;

  //! Adopts one uref of the send right (or dead name) \p name; the caller gives that
  //! uref up. MACH_PORT_NULL and MACH_PORT_DEAD are accepted and own nothing.
  send_right(adopt_t, mach_port_name_t name) noexcept : base(name) {}

  //! Takes \p other's uref; \p other becomes empty.
  send_right(send_right&& other) noexcept = default;
  //! Drops the uref this object owns, then takes \p other's; \p other becomes empty.
  send_right& operator=(send_right&& other) noexcept = default;
  //! Not copyable: the uref would be released twice (copy rights explicitly).
  send_right(const send_right&) = delete;
  send_right& operator=(const send_right&) = delete;

  //! Drops the owned uref, if any.
  ~send_right() = default;

  //! Borrows the name: the object keeps ownership. Do not hand it to a call that
  //! consumes a uref (MOVE_SEND, mach_port_deallocate).
  using base::get;

  //! True when the object holds a name other than MACH_PORT_NULL.
  using base::operator bool;

  //! Gives the owned uref to the caller, who must release it; the object becomes empty.
  using base::release;

  //! Drops the owned uref now; the object becomes empty.
  using base::reset;

  //! Returns a second owner of the same right: one more uref on the same name. Fails with
  //! machio::error::dead_name if the port has died, and with the kernel's code otherwise.
  //! Copying an empty object gives an empty object.
  send_right copy(boost::system::error_code& ec) const;
  //! Throwing form of copy(ec).
  send_right copy(const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    return detail::throwing("machio::send_right::copy", loc,
                            [&](auto& ec) { return copy(ec); });
  }

  //! True when the name is MACH_PORT_DEAD or the port's receive right has been destroyed.
  //! An empty object is not dead.
  bool is_dead() const noexcept;

  //! Turns a right that is_dead() into a dead_name owner of the same uref, leaving *this
  //! empty. Fails with errc::invalid_argument when the right is alive or empty; *this is
  //! then unchanged.
  dead_name into_dead_name(boost::system::error_code& ec) &&;
  //! Throwing form of into_dead_name(ec).
  dead_name into_dead_name(const boost::source_location& loc = BOOST_CURRENT_LOCATION) && {
    return detail::throwing("machio::send_right::into_dead_name", loc,
                            [&](auto& ec) { return std::move(*this).into_dead_name(ec); });
  }
};

}  // namespace machio

#endif  // MACHIO_SEND_RIGHT_HPP
