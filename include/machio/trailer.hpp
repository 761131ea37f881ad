// SPDX-License-Identifier: BSL-1.0
// machio/trailer.hpp — the trailer the kernel appends to a received message.
#ifndef MACHIO_TRAILER_HPP
#define MACHIO_TRAILER_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/detail/darwin.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace machio {

//! The sender's audit token with named accessors. Reads the token's fields directly
//! (libbsm's audit_token_to_* are not part of libSystem's stable surface everywhere).
class audit_token {
 public:
  //! Copies \p token.
  explicit audit_token(const audit_token_t& token) noexcept : token_(token) {}
  //! Sender's process id (0 for messages the kernel generated, e.g. notifications).
  std::int32_t pid() const noexcept { return static_cast<std::int32_t>(token_.val[5]); }
  //! Effective user id.
  std::uint32_t euid() const noexcept { return token_.val[1]; }
  //! Effective group id.
  std::uint32_t egid() const noexcept { return token_.val[2]; }
  //! Real user id.
  std::uint32_t ruid() const noexcept { return token_.val[3]; }
  //! Real group id.
  std::uint32_t rgid() const noexcept { return token_.val[4]; }
  //! Audit user id.
  std::uint32_t auid() const noexcept { return token_.val[0]; }
  //! Audit session id.
  std::uint32_t asid() const noexcept { return token_.val[6]; }
  //! Pid version: tells a reused pid from the original process.
  std::uint32_t pidversion() const noexcept { return token_.val[7]; }
  //! The raw token.
  const audit_token_t& raw() const noexcept { return token_; }

 private:
  audit_token_t token_;
};

//! Which trailer to ask the kernel for; each includes the fields of the smaller ones.
enum class trailer_elements : int {
  none = MACH_RCV_TRAILER_NULL,      //!< type and size only (8 bytes)
  seqno = MACH_RCV_TRAILER_SEQNO,    //!< + sequence number
  sender = MACH_RCV_TRAILER_SENDER,  //!< + security token (euid, egid)
  audit = MACH_RCV_TRAILER_AUDIT,    //!< + audit token (pid, uids, gids, session)
  context = MACH_RCV_TRAILER_CTX,    //!< + the port's context
};

//! A bounds-checked view of a received trailer. Borrows the message's bytes. Each
//! accessor is empty when the trailer was not received large enough to hold the field.
class trailer_view {
 public:
  //! No trailer: every accessor is empty.
  trailer_view() noexcept = default;
  //! Views \p size bytes of trailer at \p data (size as the kernel wrote it, already
  //! checked by the caller against the buffer).
  trailer_view(const std::byte* data, mach_msg_size_t size) noexcept : data_(data), size_(size) {}

  //! The trailer's size in bytes (0 when there is none).
  mach_msg_size_t size() const noexcept { return size_; }
  //! Its msgh_trailer_type (MACH_MSG_TRAILER_FORMAT_0, the only one the kernel writes);
  //! 0 too when there is none (check size()).
  mach_msg_trailer_type_t format() const noexcept;
  //! The message's sequence number on its port.
  std::optional<mach_port_seqno_t> seqno() const noexcept;
  //! The sender's security token (euid, egid).
  std::optional<security_token_t> sender() const noexcept;
  //! The sender's audit token.
  std::optional<audit_token> audit() const noexcept;
  //! The receiving port's context when the message was received.
  std::optional<mach_port_context_t> context() const noexcept;

 private:
  const std::byte* data_ = nullptr;
  mach_msg_size_t size_ = 0;
};

}  // namespace machio

#endif  // MACHIO_TRAILER_HPP
