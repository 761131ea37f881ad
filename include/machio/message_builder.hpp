// SPDX-License-Identifier: BSL-1.0
// machio/message_builder.hpp — composes an outgoing message.
#ifndef MACHIO_MESSAGE_BUILDER_HPP
#define MACHIO_MESSAGE_BUILDER_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/message.hpp>
#include <machio/ool_region.hpp>
#include <machio/receive_right.hpp>
#include <machio/send_once_right.hpp>
#include <machio/send_right.hpp>

#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace machio {

//! Tag: make a send right from a receive right (MACH_MSG_TYPE_MAKE_SEND).
struct make_send_t {
  explicit make_send_t() = default;
};
//! The make_send tag value: `builder.destination(port, machio::make_send)`.
inline constexpr make_send_t make_send{};
//! Tag: make a send-once right from a receive right (MACH_MSG_TYPE_MAKE_SEND_ONCE).
struct make_send_once_t {
  explicit make_send_once_t() = default;
};
//! The make_send_once tag value.
inline constexpr make_send_once_t make_send_once{};

//! How out-of-line memory is copied (MACH_MSG_PHYSICAL_COPY or MACH_MSG_VIRTUAL_COPY).
enum class ool_copy : mach_msg_copy_options_t {
  physical = MACH_MSG_PHYSICAL_COPY,      //!< the kernel copies the bytes now
  virtual_copy = MACH_MSG_VIRTUAL_COPY,  //!< copy-on-write mapping (the usual choice)
};

//! Builds a message step by step. Rights passed by rvalue are moved into the message and
//! owned by it from that moment (MOVE_* dispositions); rights passed by const reference
//! are borrowed (COPY_SEND, MAKE_SEND, MAKE_SEND_ONCE) and must outlive the send. A
//! send_once_right can only be passed by rvalue, so it is used exactly once. Memory passed
//! as a span is borrowed; an ool_region is owned and leaves the task with the message.
//! The voucher is always null. Destroying an unbuilt builder releases what it owns.
class message_builder {
 public:
  //! Starts a message with msgh_id \p id and no destination.
  explicit message_builder(mach_msg_id_t id = 0) { msg_.id_ = id; msg_.valid_ = true; }

  //! Sets msgh_id.
  message_builder& id(mach_msg_id_t id) noexcept {
    msg_.id_ = id;
    return *this;
  }

  //! Destination: consumes \p right (MOVE_SEND).
  message_builder& destination(send_right&& right) { return set(msg_.remote_, right.release(), MACH_MSG_TYPE_MOVE_SEND); }
  //! Destination: consumes \p right (MOVE_SEND_ONCE).
  message_builder& destination(send_once_right&& right) { return set(msg_.remote_, right.release(), MACH_MSG_TYPE_MOVE_SEND_ONCE); }
  //! Destination: borrows \p right (COPY_SEND); the caller keeps its right.
  message_builder& destination(const send_right& right) { return set(msg_.remote_, right.get(), MACH_MSG_TYPE_COPY_SEND); }
  //! Destination: a send right made from \p port at send time (MAKE_SEND).
  message_builder& destination(const receive_right& port, make_send_t) { return set(msg_.remote_, port.get(), MACH_MSG_TYPE_MAKE_SEND); }
  //! Destination: a send-once right made from \p port at send time (MAKE_SEND_ONCE).
  message_builder& destination(const receive_right& port, make_send_once_t) { return set(msg_.remote_, port.get(), MACH_MSG_TYPE_MAKE_SEND_ONCE); }

  //! Reply port: a send-once right made from \p port at send time (MAKE_SEND_ONCE), the
  //! usual request/reply shape.
  message_builder& reply_to(const receive_right& port) { return set(msg_.local_, port.get(), MACH_MSG_TYPE_MAKE_SEND_ONCE); }
  //! Reply port: a send right made from \p port at send time (MAKE_SEND).
  message_builder& reply_to(const receive_right& port, make_send_t) { return set(msg_.local_, port.get(), MACH_MSG_TYPE_MAKE_SEND); }
  //! Reply port: consumes \p right (MOVE_SEND_ONCE).
  message_builder& reply_to(send_once_right&& right) { return set(msg_.local_, right.release(), MACH_MSG_TYPE_MOVE_SEND_ONCE); }
  //! Reply port: consumes \p right (MOVE_SEND).
  message_builder& reply_to(send_right&& right) { return set(msg_.local_, right.release(), MACH_MSG_TYPE_MOVE_SEND); }
  //! Reply port: borrows \p right (COPY_SEND).
  message_builder& reply_to(const send_right& right) { return set(msg_.local_, right.get(), MACH_MSG_TYPE_COPY_SEND); }

  //! Appends \p bytes to the inline body (copied now).
  message_builder& append(std::span<const std::byte> bytes) {
    msg_.body_.insert(msg_.body_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  //! Appends the characters of \p text (no terminator) to the inline body.
  message_builder& append(std::string_view text) {
    return append(std::as_bytes(std::span<const char>(text.data(), text.size())));
  }
  //! Appends the object representation of a trivially copyable \p value (e.g. a MIG
  //! NDR record or a plain struct) to the inline body.
  template <class T>
    requires(std::is_trivially_copyable_v<T> && !std::is_pointer_v<T>)
  message_builder& append_value(const T& value) {
    return append(std::as_bytes(std::span<const T, 1>(&value, 1)));
  }

  //! Port descriptor: consumes \p right (MOVE_SEND).
  message_builder& add_port(send_right&& right) { return add_port_part(right.release(), MACH_MSG_TYPE_MOVE_SEND); }
  //! Port descriptor: consumes \p right (MOVE_SEND_ONCE).
  message_builder& add_port(send_once_right&& right) { return add_port_part(right.release(), MACH_MSG_TYPE_MOVE_SEND_ONCE); }
  //! Port descriptor: consumes \p right (MOVE_RECEIVE). A guarded right is unguarded
  //! first; the receiver gets a plain receive right (machio guards it again on take).
  message_builder& add_port(receive_right&& right);
  //! Port descriptor: borrows \p right (COPY_SEND).
  message_builder& add_port(const send_right& right) { return add_port_part(right.get(), MACH_MSG_TYPE_COPY_SEND); }
  //! Port descriptor: a send right made from \p port at send time (MAKE_SEND).
  message_builder& add_port(const receive_right& port, make_send_t) { return add_port_part(port.get(), MACH_MSG_TYPE_MAKE_SEND); }
  //! Port descriptor: a send-once right made from \p port at send time (MAKE_SEND_ONCE).
  message_builder& add_port(const receive_right& port, make_send_once_t) { return add_port_part(port.get(), MACH_MSG_TYPE_MAKE_SEND_ONCE); }

  //! Port descriptor naming no right (MACH_PORT_NULL), with \p disposition: what MIG puts
  //! in the unused places of an in-line port array.
  message_builder& add_null_port(mach_msg_type_name_t disposition) { return add_port_part(MACH_PORT_NULL, disposition); }

  //! Guarded port descriptor: consumes \p right (MOVE_RECEIVE). \p flags is
  //! MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE (the right travels guarded by its current
  //! guard; the receiver gets it guarded and immovable) or
  //! MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND (the right is unguarded first and must arrive
  //! unguarded). The receiver must receive with guarded descriptors enabled.
  message_builder& add_guarded_port(receive_right&& right, mach_msg_guard_flags_t flags);

  //! OOL descriptor: borrows \p bytes, which must stay valid until the send; the kernel
  //! copies them (\p copy says how) and the caller's memory stays mapped.
  message_builder& add_ool(std::span<const std::byte> bytes, ool_copy copy = ool_copy::virtual_copy);
  //! OOL descriptor: consumes \p region, which leaves the task when the message is sent
  //! (and is unmapped if the message is destroyed unsent).
  message_builder& add_ool(ool_region&& region, ool_copy copy = ool_copy::virtual_copy);

  //! OOL ports descriptor: consumes every right in \p rights (MOVE_SEND).
  message_builder& add_ool_ports(std::vector<send_right>&& rights);
  //! OOL ports descriptor: consumes every right in \p rights (MOVE_SEND_ONCE).
  message_builder& add_ool_ports(std::vector<send_once_right>&& rights);
  //! OOL ports descriptor: consumes every right in \p rights (MOVE_RECEIVE; guarded rights
  //! are unguarded first).
  message_builder& add_ool_ports(std::vector<receive_right>&& rights);
  //! OOL ports descriptor: borrows every right in \p rights (COPY_SEND).
  message_builder& add_ool_ports(std::span<const send_right> rights);

  //! Finishes the message; the builder is left empty.
  [[nodiscard]] message build() && { return std::move(msg_); }
  //! Finishes the message; the builder starts a new, empty message with the same id.
  [[nodiscard]] message build() & {
    const mach_msg_id_t id = msg_.id_;
    message out = std::move(msg_);
    msg_.id_ = id;
    msg_.valid_ = true;
    return out;
  }

 private:
  message_builder& set(detail::port_part& part, mach_port_name_t name, mach_msg_type_name_t disposition);
  message_builder& add_port_part(mach_port_name_t name, mach_msg_type_name_t disposition);

  message msg_;
};

}  // namespace machio

#endif  // MACHIO_MESSAGE_BUILDER_HPP
