// SPDX-License-Identifier: BSL-1.0
// machio/server/deferred_reply.hpp — a request's reply right, taken out to answer later.
#ifndef MACHIO_SERVER_DEFERRED_REPLY_HPP
#define MACHIO_SERVER_DEFERRED_REPLY_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/async_send.hpp>
#include <machio/message_builder.hpp>
#include <machio/mig.hpp>
#include <machio/mig/server_call.hpp>
#include <machio/server/mig_layout.hpp>

#include <cstddef>
#include <span>
#include <utility>
#include <variant>

namespace machio {

//! Owns the reply right of one request (send-once, the MIG shape, or send) and the
//! request's id, so the reply can be sent after the handler has returned: MIG's
//! MIG_NO_REPLY. Using it consumes it (every member that sends or builds is &&-qualified).
//! Destroying it unused destroys the right: a send-once right's port then gets
//! MACH_NOTIFY_SEND_ONCE, which a machio or MIG client reports as MIG_SERVER_DIED.
//! Move-only.
template <mig_reply Reply>
class deferred_reply {
 public:
  //! Owns nothing; valid() is false.
  deferred_reply() noexcept = default;
  //! Takes \p right (consumed) as the reply right of the request with id \p request_id.
  deferred_reply(reply_right right, mach_msg_id_t request_id) noexcept
      : right_(std::move(right)), request_id_(request_id) {}

  //! True while it holds a reply right.
  bool valid() const noexcept { return right_.index() != 0; }
  //! The id of the request this answers; the reply's id is mig::reply_id(request_id()).
  mach_msg_id_t request_id() const noexcept { return request_id_; }

  //! Builds the reply: \p reply with its NDR record set and ret_code = KERN_SUCCESS,
  //! addressed to the reply right, which the message now owns. Empty (invalid) message
  //! when no right is held.
  [[nodiscard]] message make(Reply reply) && {
    reply.ndr = mig::ndr_record;
    reply.ret_code = KERN_SUCCESS;
    return std::move(*this).make_bytes(
        std::as_bytes(std::span<const Reply, 1>(&reply, 1)).subspan(sizeof(mach_msg_header_t)));
  }
  //! Builds MIG's error reply (header, NDR, \p code) to the reply right, which the
  //! message now owns. Empty message when no right is held.
  [[nodiscard]] message make_error(kern_return_t code) && {
    message_builder b(mig::reply_id(request_id_));
    if (!mig::detail::address_reply(b, take_right())) return {};
    mig::detail::append_error_body(b, code);
    return std::move(b).build();
  }

  //! Sends make(reply) with machio::async_send. Completion signature and cancellation as
  //! async_send's: void(boost::system::error_code, machio::message). A client that died
  //! meanwhile fails it with MACH_SEND_INVALID_DEST; the message that comes back owns the
  //! dead name, released when it is destroyed.
  template <class Executor, boost::asio::completion_token_for<void(boost::system::error_code, message)> Token =
                                boost::asio::default_completion_token_t<Executor>>
  auto async_send(const Executor& ex, const Reply& reply,
                  Token&& token = boost::asio::default_completion_token_t<Executor>()) && {
    return machio::async_send(ex, std::move(*this).make(reply), std::forward<Token>(token));
  }
  //! Sends make_error(code); as async_send(ex, reply, token).
  template <class Executor, boost::asio::completion_token_for<void(boost::system::error_code, message)> Token =
                                boost::asio::default_completion_token_t<Executor>>
  auto async_send_error(const Executor& ex, kern_return_t code,
                        Token&& token = boost::asio::default_completion_token_t<Executor>()) && {
    return machio::async_send(ex, std::move(*this).make_error(code), std::forward<Token>(token));
  }

  //! Gives the reply right to the caller (for a reply of another shape); *this becomes empty.
  [[nodiscard]] reply_right take_right() noexcept { return std::exchange(right_, {}); }

 private:
  message make_bytes(std::span<const std::byte> after_header) && {
    message_builder b(mig::reply_id(request_id_));
    if (!mig::detail::address_reply(b, take_right())) return {};
    b.append(after_header);
    return std::move(b).build();
  }

  reply_right right_;
  mach_msg_id_t request_id_ = 0;
};

}  // namespace machio

#endif  // MACHIO_SERVER_DEFERRED_REPLY_HPP
