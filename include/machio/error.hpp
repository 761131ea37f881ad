// SPDX-License-Identifier: BSL-1.0
// machio/error.hpp — how machio reports failure.
//
// Every fallible machio call comes in two forms: one that throws
// boost::system::system_error (with the source location of the call that failed) and one
// that takes a boost::system::error_code& and reports through it. Codes from the kernel
// keep their numeric value and land in one of four categories, picked by value:
//
//   kern_category()      kern_return_t from mach_port_* / vm_* calls
//   mach_msg_category()  mach_msg_return_t (0x1000xxxx: MACH_SEND_* / MACH_RCV_*)
//   bootstrap_category() BOOTSTRAP_* codes 1100..1106
//   mig_category()       MIG_* codes -300..-309
//
// plus machio's own category for `machio::error`. Codes compare equal to the portable
// boost::system::errc conditions where one fits (MACH_SEND_TIMED_OUT and
// MACH_RCV_TIMED_OUT == errc::timed_out, KERN_NO_SPACE == errc::not_enough_memory, ...).
//
// Errors versus bugs. Everything the kernel can return because of state the caller does
// not control is an error and is reported: a full name space (KERN_NO_SPACE — like
// bad_alloc, recoverable in C++ by freeing names, so unlike Swift's proposal machio does
// not abort), a dead peer, a timeout, a message too large, a malformed message, an unknown
// bootstrap service, a uref overflow on an old kernel. A failure that can only mean
// machio's ownership bookkeeping no longer matches the task's name space — the kernel
// refusing to release a right a machio object owns, e.g. because foreign code deallocated
// the name behind machio's back — is a bug: machio prints what happened to stderr and calls
// std::abort(), because continuing could release a different right that now reuses the
// name. Releasing a right twice cannot be written: the owners are move-only and release
// exactly once.
#ifndef MACHIO_ERROR_HPP
#define MACHIO_ERROR_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/detail/darwin.hpp>

#include <boost/assert/source_location.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include <type_traits>

namespace machio {

//! machio's own failures, in machio::error_category().
enum class error {
  //! The right is a dead name: the port's receive right was destroyed.
  dead_name = 1,
  //! A message's sizes, descriptor count or descriptor layout do not add up.
  malformed_message,
  //! The descriptor at that index is not of the kind the caller asked for.
  wrong_descriptor_type,
  //! The right or region in that descriptor was already taken, or never arrived
  //! (MACH_PORT_NULL / address 0).
  already_taken,
  //! The index is past the message's last descriptor.
  no_such_descriptor,
  //! The message was not received with a trailer large enough for that field.
  trailer_not_requested,
  //! The reply's id is not the one the request's id calls for.
  reply_mismatch,
  //! A guarded receive right's context is its guard; it cannot be set.
  right_is_guarded,
  //! The message has already been sent or given away.
  message_consumed,
  //! A bootstrap service name is longer than BOOTSTRAP_MAX_NAME_LEN - 1 bytes.
  name_too_long,
  //! The option combination makes no sense (e.g. a context for a guarded right).
  invalid_options,
};

//! Category of machio::error values, named "machio". Never destroyed.
const boost::system::error_category& error_category() noexcept;
//! Category of kern_return_t values, named "mach.kern". Messages from mach_error_string.
const boost::system::error_category& kern_category() noexcept;
//! Category of mach_msg_return_t values, named "mach.msg". Messages from mach_error_string.
const boost::system::error_category& mach_msg_category() noexcept;
//! Category of BOOTSTRAP_* codes, named "mach.bootstrap". Messages from bootstrap_strerror.
const boost::system::error_category& bootstrap_category() noexcept;
//! Category of MIG_* codes, named "mach.mig". Messages from mach_error_string.
const boost::system::error_category& mig_category() noexcept;

//! Returns an error_code holding \p e in machio::error_category().
inline boost::system::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

//! Turns any Mach return value into an error_code, choosing the category by value:
//! 0 → success; 1100..1106 → bootstrap; -309..-300 → MIG; mach_msg return values
//! (system 4, subsystems 0 and 1, special bits included) → mach_msg; anything else → kern.
boost::system::error_code make_mach_error_code(kern_return_t kr) noexcept;

//! Returns true when \p ec means "try again later, nothing was lost": a send or receive
//! that timed out or was interrupted.
bool is_timeout(const boost::system::error_code& ec) noexcept;

namespace detail {

//! Throws system_error(ec, what) with \p loc attached when \p ec is an error.
inline void throw_if(const boost::system::error_code& ec, const char* what,
                     const boost::source_location& loc) {
  if (ec) boost::throw_exception(boost::system::system_error(ec, what), loc);
}

//! Sets \p ec from \p kr and returns true on failure; clears \p ec on success.
inline bool fail(kern_return_t kr, boost::system::error_code& ec) noexcept {
  if (kr == KERN_SUCCESS) {
    ec.clear();
    return false;
  }
  ec = make_mach_error_code(kr);
  return true;
}

//! Reports a broken ownership invariant (see the file comment) and aborts. \p what names
//! the Mach call, \p name the port name, \p kr what the kernel said.
[[noreturn]] void ownership_violation(const char* what, mach_port_name_t name,
                                      kern_return_t kr) noexcept;

}  // namespace detail
}  // namespace machio

namespace boost::system {
template <>
struct is_error_code_enum<machio::error> : std::true_type {};
}  // namespace boost::system

#endif  // MACHIO_ERROR_HPP
