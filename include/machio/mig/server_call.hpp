// SPDX-License-Identifier: BSL-1.0
// machio/mig/server_call.hpp — one request of a routine, as its server handler sees it.
#ifndef MACHIO_MIG_SERVER_CALL_HPP
#define MACHIO_MIG_SERVER_CALL_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/message_builder.hpp>
#include <machio/mig.hpp>
#include <machio/mig/decode.hpp>
#include <machio/mig/encode.hpp>
#include <machio/received_message.hpp>
#include <machio/trailer.hpp>

#include <cstddef>
#include <optional>
#include <tuple>
#include <utility>
#include <variant>

namespace machio::mig {
namespace detail {

// Addresses \p b to \p right (consumed): MOVE_SEND_ONCE, the MIG shape, or MOVE_SEND.
// False when there is no right.
inline bool address_reply(message_builder& b, reply_right&& right) {
  if (auto* once = std::get_if<send_once_right>(&right)) {
    b.destination(std::move(*once));
    return true;
  }
  if (auto* send = std::get_if<send_right>(&right)) {
    b.destination(std::move(*send));
    return true;
  }
  return false;
}

// Appends MIG's error reply body (NDR record, \p code) after \p b's header.
inline void append_error_body(message_builder& b, kern_return_t code) {
  b.append_value(mig::ndr_record).append_value(code);
}

}  // namespace detail

//! The reply right of one request of \p Routine, taken out to answer after the handler
//! has returned (MIG_NO_REPLY). Using it consumes it; destroying it unused destroys the
//! right, which a MIG or machio client then reports as MIG_SERVER_DIED. Move-only.
template <class Routine>
class deferred {
 public:
  //! Holds no reply right; valid() is false.
  deferred() noexcept = default;
  //! Takes \p right (consumed), the reply right of a request of \p Routine
  //! (server_call::defer() makes one).
  explicit deferred(reply_right right) noexcept : right_(std::move(right)) {}

  //! True while it holds the reply right.
  bool valid() const noexcept { return right_.index() != 0; }

  //! The successful reply with \p outputs (as encode_reply takes them), addressed to the
  //! reply right, which the message then owns. Fails with MIG_ARRAY_TOO_LARGE, keeping
  //! the right and consuming no output, when an output does not fit.
  template <class... Outputs>
  [[nodiscard]] kern_return_t make(message& reply, Outputs&&... outputs) & {
    message_builder b;
    if (const kern_return_t kr = encode_reply<Routine>(b, std::forward<Outputs>(outputs)...); kr != KERN_SUCCESS)
      return kr;
    if (!detail::address_reply(b, std::exchange(right_, {}))) return KERN_INVALID_RIGHT;
    reply = std::move(b).build();
    return KERN_SUCCESS;
  }
  //! MIG's error reply (header, NDR, \p code) addressed to the reply right; empty when
  //! none is held.
  [[nodiscard]] message make_error(kern_return_t code) && {
    message_builder b(mig::reply_id(Routine::id));
    if (!detail::address_reply(b, std::exchange(right_, {}))) return {};
    detail::append_error_body(b, code);
    return std::move(b).build();
  }

 private:
  reply_right right_;
};

//! One request of \p Routine, decoded: its arguments (owned), the caller's audit token,
//! and the reply the handler gives with reply(). Created by basic_server::handle<Routine>
//! after the request passed MIG's checks; lives until the handler has completed.
//!
//! Ownership: in() owns every argument; what the handler moves out of it is the
//! handler's, the rest is released when the call ends, whatever the handler returns
//! (MIG's rule: on success the routine owns what it was given, on failure the server
//! destroys it; here both are the handler's choice to keep or not). Rights passed to
//! reply() by const reference are borrowed until the reply is sent, after the handler
//! has returned: keep them alive.
template <class Routine>
class server_call {
 public:
  //! Adopts \p request (consumed); \p caller is the sender's audit token.
  server_call(received_message request, const audit_token& caller) noexcept
      : request_(std::move(request)), caller_(caller) {}
  server_call(const server_call&) = delete;
  server_call& operator=(const server_call&) = delete;

  //! Makes MIG's server checks and moves the arguments into in(): KERN_SUCCESS, or the
  //! code to answer with (MIG_BAD_ARGUMENTS, MIG_TYPE_ERROR), nothing taken.
  kern_return_t decode() { return decode_request<Routine>(request_, in_); }

  //! The in and inout arguments, in argument order (mig::request_values<Routine>).
  request_values<Routine>& in() noexcept { return in_; }
  //! Argument \p I of in().
  template <std::size_t I>
  auto& arg() noexcept {
    return std::get<I>(in_);
  }
  //! The sender's audit token (pid, euid, ...), from the request's trailer.
  const audit_token& caller() const noexcept { return caller_; }
  //! The request as received (its trailer, header), holding what in() did not take: the
  //! reply right, until the reply is sent.
  received_message& request() noexcept { return request_; }

  //! Packs the reply with \p outputs (one per out and inout argument, as encode_reply
  //! takes them); the server sends it when the handler returns KERN_SUCCESS. Fails with
  //! MIG_ARRAY_TOO_LARGE, consuming nothing, when an output does not fit. A later call
  //! replaces the earlier reply (releasing what it held).
  template <class... Outputs>
    requires(Routine::has_reply)
  kern_return_t reply(Outputs&&... outputs) {
    message_builder b;
    if (const kern_return_t kr = encode_reply<Routine>(b, std::forward<Outputs>(outputs)...); kr != KERN_SUCCESS)
      return kr;
    reply_.emplace(std::move(b));
    return KERN_SUCCESS;
  }
  //! True once reply() has packed a reply.
  bool has_reply() const noexcept { return reply_.has_value(); }

  //! Takes the reply right out to answer later: the server then sends nothing, whatever
  //! the handler returns.
  [[nodiscard]] deferred<Routine> defer() noexcept { return deferred<Routine>(request_.take_reply()); }

  //! For the server: the packed reply addressed to the request's reply right (consumed);
  //! empty when there is no reply or no right.
  message take_reply_message() {
    if (!reply_ || !detail::address_reply(*reply_, request_.take_reply())) return {};
    message m = std::move(*reply_).build();
    reply_.reset();
    return m;
  }
  //! For the server, on an error reply: releases the arguments and any packed reply.
  void release() noexcept {
    in_ = request_values<Routine>{};
    reply_.reset();
  }

 private:
  received_message request_;
  audit_token caller_;
  request_values<Routine> in_{};
  std::optional<message_builder> reply_;
};

}  // namespace machio::mig

#endif  // MACHIO_MIG_SERVER_CALL_HPP
