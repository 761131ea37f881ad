// SPDX-License-Identifier: BSL-1.0
// machio/mig.hpp — talking to MIG servers and clients with plain structs.
#ifndef MACHIO_MIG_HPP
#define MACHIO_MIG_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/detail/throwing.hpp>
#include <machio/error.hpp>
#include <machio/message.hpp>
#include <machio/received_message.hpp>

namespace machio::mig {

//! The NDR record Darwin's MIG puts after the header (and descriptors) of every request
//! and reply with data: little-endian integers, ASCII, IEEE floats.
inline constexpr NDR_record_t ndr_record = {0, 0, 0, 0, 1, 0, 0, 0};

//! The reply id MIG pairs with \p request_id.
constexpr mach_msg_id_t reply_id(mach_msg_id_t request_id) noexcept { return request_id + 100; }

//! MIG's error reply layout: header, NDR record, return code (36 bytes).
using reply_error_t = mig_reply_error_t;

//! Builds MIG's error reply to \p request (id + 100, NDR, \p code), addressed to the
//! request's reply right, which it takes from \p request. Fails with already_taken when
//! the request has no reply right left.
message make_error_reply(received_message& request, kern_return_t code,
                         boost::system::error_code& ec);
//! Throwing form of make_error_reply(request, code, ec).
inline message make_error_reply(received_message& request, kern_return_t code,
                                const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
  return machio::detail::throwing("machio::mig::make_error_reply", loc,
                          [&](auto& ec) { return make_error_reply(request, code, ec); });
}

//! Checks \p reply the way MIG client stubs do: MACH_NOTIFY_SEND_ONCE → MIG_SERVER_DIED;
//! id other than reply_id(request_id) → MIG_REPLY_MISMATCH; a simple 36-byte reply with a
//! non-zero return code → that code (in the category its value calls for). Success
//! otherwise.
boost::system::error_code check_reply(const received_message& reply, mach_msg_id_t request_id) noexcept;

}  // namespace machio::mig

#endif  // MACHIO_MIG_HPP
