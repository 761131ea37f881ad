// SPDX-License-Identifier: BSL-1.0
// machio/mig/routine.hpp — a MIG routine or simpleroutine, declared once as a type.
//
//   // routine echo(server : mach_port_t; text : c_string[*:256]; out reply : c_string[*:256]);
//   using echo = mig::routine<4000, mig::in<mig::bounded_c_string<256>>,
//                                   mig::out<mig::bounded_c_string<256>>>;
//
// The first argument of a .defs routine (the port the request is sent to) and the reply
// port are the message header's, so they are not listed. Arguments keep the .defs order:
// MIG lays each side of the exchange out in that order.
#ifndef MACHIO_MIG_ROUTINE_HPP
#define MACHIO_MIG_ROUTINE_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/mig/argument_kinds.hpp>

#include <cstddef>

namespace machio::mig {

//! Which messages an argument travels in: the request (in), the reply (out), or both.
enum class direction { in, out, inout };

//! One argument: a kind travelling in \p Direction.
template <direction Direction, class Kind>
struct argument {
  //! \p Direction, the messages it travels in.
  static constexpr mig::direction direction_v = Direction;
  //! \p Kind, its shape (scalar, array, port ...).
  using kind = Kind;
};
//! An argument of the request only (MIG's default).
template <class Kind>
using in = argument<direction::in, Kind>;
//! An argument of the reply only (MIG's `out`).
template <class Kind>
using out = argument<direction::out, Kind>;
//! An argument of both (MIG's `inout`).
template <class Kind>
using inout = argument<direction::inout, Kind>;

//! A routine: a request with id \p Id answered by a reply with id Id + 100.
template <mach_msg_id_t Id, class... Arguments>
struct routine {
  //! \p Id, the request's msgh_id.
  static constexpr mach_msg_id_t id = Id;
  //! True: a routine is answered.
  static constexpr bool has_reply = true;
};

//! A simpleroutine: a request with id \p Id and no reply; out arguments are refused.
template <mach_msg_id_t Id, class... Arguments>
struct simpleroutine {
  static_assert(((Arguments::direction_v == direction::in) && ...),
                "a simpleroutine has no reply to carry out arguments");
  //! \p Id, the request's msgh_id.
  static constexpr mach_msg_id_t id = Id;
  //! False: a simpleroutine is not answered.
  static constexpr bool has_reply = false;
};

namespace detail {
template <class T>
inline constexpr bool is_routine = false;
template <mach_msg_id_t Id, class... Arguments>
inline constexpr bool is_routine<routine<Id, Arguments...>> = true;
template <mach_msg_id_t Id, class... Arguments>
inline constexpr bool is_routine<simpleroutine<Id, Arguments...>> = true;
}  // namespace detail

//! A mig::routine or mig::simpleroutine.
template <class T>
concept routine_description = detail::is_routine<T>;

}  // namespace machio::mig

#endif  // MACHIO_MIG_ROUTINE_HPP
