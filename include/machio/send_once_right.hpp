// SPDX-License-Identifier: BSL-1.0
// machio/send_once_right.hpp — an owned send-once right.
#ifndef MACHIO_SEND_ONCE_RIGHT_HPP
#define MACHIO_SEND_ONCE_RIGHT_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/adopt.hpp>
#include <machio/detail/basic_right.hpp>
#include <machio/error.hpp>

namespace machio {

namespace detail {
//! What releasing a send_once_right means: mach_port_deallocate, which destroys the right
//! and makes the kernel send MACH_NOTIFY_SEND_ONCE to its port. Consumes \p name; aborts on
//! a kernel refusal (ownership_violation).
struct send_once_right_traits {
  static void release(mach_port_name_t name) noexcept;
};
}  // namespace detail

//! Owns one send-once right. Using it consumes it: the message APIs take it by rvalue
//! only, so it cannot be used twice. Destroying it unused (mach_port_deallocate) makes the
//! kernel send a MACH_NOTIFY_SEND_ONCE message to its port, which is how a server that
//! never replies is detected. Move-only; cannot be copied or duplicated at all.
class send_once_right : private detail::basic_right<detail::send_once_right_traits> {
  using base = detail::basic_right<detail::send_once_right_traits>;

 public:
  //! An empty object: owns nothing.
  send_once_right() noexcept = default;

  //! Adopts the send-once right \p name; the caller gives it up. MACH_PORT_NULL and
  //! MACH_PORT_DEAD own nothing.
  send_once_right(adopt_t, mach_port_name_t name) noexcept : base(name) {}

  //! Takes \p other's right; \p other becomes empty.
  send_once_right(send_once_right&& other) noexcept = default;
  //! Destroys the right this object owns, then takes \p other's; \p other becomes empty.
  send_once_right& operator=(send_once_right&& other) noexcept = default;
  //! Not copyable: the right would be released twice (copy rights explicitly).
  send_once_right(const send_once_right&) = delete;
  send_once_right& operator=(const send_once_right&) = delete;

  //! Destroys the right if still owned (the port gets a send-once notification).
  ~send_once_right() = default;

  //! Borrows the name; the object keeps ownership.
  using base::get;
  //! True when the object holds a name other than MACH_PORT_NULL.
  using base::operator bool;

  //! Gives the right to the caller, who must consume or destroy it.
  using base::release;

  //! Destroys the right now (send-once notification); the object becomes empty.
  using base::reset;

  //! True when the name is MACH_PORT_DEAD or the port has died.
  bool is_dead() const noexcept;
};

}  // namespace machio

#endif  // MACHIO_SEND_ONCE_RIGHT_HPP
