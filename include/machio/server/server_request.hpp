// SPDX-License-Identifier: BSL-1.0
// machio/server/server_request.hpp — what a typed handler gets: the checked request, its
// rights, the caller's audit token, and the reply it fills in.
#ifndef MACHIO_SERVER_SERVER_REQUEST_HPP
#define MACHIO_SERVER_SERVER_REQUEST_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/received_message.hpp>
#include <machio/server/deferred_reply.hpp>
#include <machio/server/mig_layout.hpp>
#include <machio/trailer.hpp>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace machio {

//! One request as its typed handler sees it. Created by basic_server after the request
//! matched its request_shape; lives until the handler has completed (then the server sends
//! reply() or the error reply and destroys message() with whatever is still in it).
//!
//! Ownership: message() owns the request's rights and OOL regions; the handler takes the
//! ones it keeps with message().take_*() and then owns those objects, whatever it returns.
//! The reply right stays inside until the server replies, unless the handler takes it
//! with defer().
template <mig_request Req, mig_reply Reply>
class server_request {
 public:
  //! Adopts \p msg (consumed), which should already match the handler's request_shape
  //! (basic_server checks it); \p token is the sender's audit token from its trailer.
  server_request(received_message msg, const audit_token& token) noexcept
      : message_(std::move(msg)), token_(token) {
    // The shape check bounds msgh_size by sizeof(Req); the min() keeps a caller that
    // skipped it from writing past args_.
    std::memcpy(&args_, message_.view().bytes().data(), std::min<std::size_t>(message_.view().size(), sizeof(Req)));
  }
  //! Not copyable or movable: the handler holds it by reference.
  server_request(const server_request&) = delete;
  server_request& operator=(const server_request&) = delete;

  //! The request's bytes as the struct (a copy; fields past a shorter msgh_size are 0).
  //! Port names and OOL addresses in it are borrowed views: take them from message().
  const Req& args() const noexcept { return args_; }
  //! msgh_size as received (for variable-length structs).
  mach_msg_size_t size() const noexcept { return message_.view().size(); }
  //! The received message, owning everything not yet taken.
  received_message& message() noexcept { return message_; }
  //! The sender's audit token (pid, euid, ...), requested with every receive.
  const audit_token& caller() const noexcept { return token_; }

  //! The reply the server sends when the handler returns KERN_SUCCESS: starts zeroed;
  //! the server sets its header, NDR record and ret_code.
  Reply& reply() noexcept { return reply_; }

  //! Takes the reply right out: the handler answers later through the returned object
  //! (MIG_NO_REPLY). After this the server sends nothing, whatever the handler returns.
  [[nodiscard]] deferred_reply<Reply> defer() noexcept { return {message_.take_reply(), message_.id()}; }

 private:
  received_message message_;
  audit_token token_;
  Req args_{};
  Reply reply_{};
};

}  // namespace machio

#endif  // MACHIO_SERVER_SERVER_REQUEST_HPP
