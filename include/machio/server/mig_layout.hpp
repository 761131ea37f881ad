// SPDX-License-Identifier: BSL-1.0
// machio/server/mig_layout.hpp — what a request or reply struct must be to travel as MIG's.
#ifndef MACHIO_SERVER_MIG_LAYOUT_HPP
#define MACHIO_SERVER_MIG_LAYOUT_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/detail/darwin.hpp>

#include <concepts>
#include <type_traits>

namespace machio {

//! A request struct with MIG's layout: header, then (when complex) body and descriptors,
//! NDR record and data. The server reads it as a copy of the message's bytes, so it must
//! be trivially copyable.
template <class Req>
concept mig_request = std::is_trivially_copyable_v<Req> && std::is_standard_layout_v<Req> &&
                      requires(Req r) {
                        { r.header } -> std::same_as<mach_msg_header_t&>;
                      };

//! A reply struct with MIG's layout: header, NDR record, return code, then data. It is
//! sent whole (sizeof(Reply) bytes) as a simple message: replies that carry rights are
//! built with message_builder from deferred_reply::take_right().
template <class Reply>
concept mig_reply = mig_request<Reply> && requires(Reply r) {
  { r.ndr } -> std::same_as<NDR_record_t&>;
  { r.ret_code } -> std::same_as<kern_return_t&>;
};

}  // namespace machio

#endif  // MACHIO_SERVER_MIG_LAYOUT_HPP
