// SPDX-License-Identifier: BSL-1.0
// machio/received_message.hpp — a received message that owns everything it carries.
#ifndef MACHIO_RECEIVED_MESSAGE_HPP
#define MACHIO_RECEIVED_MESSAGE_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/dead_name.hpp>
#include <machio/detail/message_buffer.hpp>
#include <machio/detail/throwing.hpp>
#include <machio/message_view.hpp>
#include <machio/ool_region.hpp>
#include <machio/receive_right.hpp>
#include <machio/send_once_right.hpp>
#include <machio/send_right.hpp>

#include <cstring>
#include <optional>
#include <span>
#include <type_traits>
#include <variant>
#include <vector>

namespace machio {

//! The right a received message's reply field carried, if any.
using reply_right = std::variant<std::monostate, send_right, send_once_right>;

//! A message as the kernel delivered it. Owns its buffer and every right and mapping in
//! it: the reply right, each port right, each OOL region and OOL port array. take_*()
//! moves one of them out into an owning object; whatever is still inside when the message
//! is destroyed is released then (mach_msg_destroy semantics plus vm_deallocate of OOL
//! memory and OOL port arrays). The destination right (msgh_local_port) is never owned:
//! it names the receiver's own port. Move-only.
class received_message {
 public:
  //! An empty message.
  received_message() noexcept = default;

  //! Adopts \p buffer holding a message the kernel wrote (or a pseudo-received one) in its
  //! first \p total_size bytes: msgh_size plus the trailer. If the bytes do not add up, fails
  //! with machio::error::malformed_message and owns nothing (no right in unparseable bytes
  //! can be released safely); otherwise owns everything the bytes name.
  static received_message from_buffer(detail::message_buffer buffer, mach_msg_size_t total_size,
                                boost::system::error_code& ec);
  //! Throwing form of from_buffer(buffer, total_size, ec).
  static received_message from_buffer(detail::message_buffer buffer, mach_msg_size_t total_size,
                                      const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::received_message::from_buffer", loc, [&](auto& ec) {
      return from_buffer(std::move(buffer), total_size, ec);
    });
  }

  //! Copies \p bytes and adopts the rights and mappings they name (same rules as from_buffer).
  static received_message from_bytes(std::span<const std::byte> bytes,
                                     boost::system::error_code& ec);
  //! Throwing form of from_bytes(bytes, ec).
  static received_message from_bytes(std::span<const std::byte> bytes,
                                     const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::received_message::from_bytes", loc,
                            [&](auto& ec) { return from_bytes(bytes, ec); });
  }

  //! Takes everything \p other owns; \p other becomes empty.
  received_message(received_message&& other) noexcept
      : buffer_(std::move(other.buffer_)), view_(std::move(other.view_)) {
    other.view_ = message_view();
  }
  //! Releases everything not taken from *this, then takes everything \p other owns.
  received_message& operator=(received_message&& other) noexcept {
    if (this != &other) {
      destroy();
      buffer_ = std::move(other.buffer_);
      view_ = std::move(other.view_);
      other.view_ = message_view();
    }
    return *this;
  }
  //! Not copyable: the buffer, rights and mappings would be released twice (copy rights explicitly).
  received_message(const received_message&) = delete;
  received_message& operator=(const received_message&) = delete;
  //! Releases everything not taken.
  ~received_message() { destroy(); }

  //! True when the object holds a message.
  bool valid() const noexcept { return !view_.bytes().empty(); }
  //! The bounds-checked view of the bytes (borrowed; valid while *this lives).
  const message_view& view() const noexcept { return view_; }
  //! The header (copy).
  mach_msg_header_t header() const noexcept { return view_.header(); }
  //! msgh_id.
  mach_msg_id_t id() const noexcept { return view_.id(); }
  //! Name of the port (or set member) the message arrived on; borrowed.
  mach_port_name_t local_port() const noexcept { return view_.header().msgh_local_port; }
  //! Number of descriptors.
  std::size_t descriptor_count() const noexcept { return view_.descriptor_count(); }
  //! Descriptor \p index (borrowed view).
  descriptor_view descriptor(std::size_t index, boost::system::error_code& ec) const noexcept {
    return view_.descriptor(index, ec);
  }
  //! Throwing form of descriptor(index, ec): throws system_error(no_such_descriptor).
  descriptor_view descriptor(std::size_t index,
                             const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    return detail::throwing("machio::received_message::descriptor", loc,
                            [&](auto& ec) { return view_.descriptor(index, ec); });
  }
  //! The inline body after the descriptors.
  std::span<const std::byte> body() const noexcept { return view_.body(); }
  //! Copies the first sizeof(T) body bytes into a T; empty if the body is shorter.
  template <class T>
    requires std::is_trivially_copyable_v<T>
  std::optional<T> body_as() const noexcept {
    auto b = body();
    if (b.size() < sizeof(T)) return std::nullopt;
    T t;
    std::memcpy(&t, b.data(), sizeof t);
    return t;
  }
  //! The trailer (seqno, audit token, context, as requested when receiving).
  trailer_view trailer() const noexcept { return view_.trailer(); }

  //! Type of the reply right still held: MACH_MSG_TYPE_PORT_SEND, _SEND_ONCE, or 0.
  mach_msg_type_name_t reply_type() const noexcept;
  //! Takes the reply right (send or send-once) out; monostate when there is none.
  reply_right take_reply() noexcept;
  //! Takes the reply right, which must be a send-once right (the MIG shape); fails with
  //! wrong_descriptor_type or already_taken otherwise.
  send_once_right take_reply_send_once(boost::system::error_code& ec) noexcept;
  //! Throwing form of take_reply_send_once(ec).
  send_once_right take_reply_send_once(const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::received_message::take_reply_send_once", loc,
                            [&](auto& ec) { return take_reply_send_once(ec); });
  }

  //! Takes the receive right of port descriptor \p index, guarding it with a fresh secret
  //! (or keeping the guard it arrived with for IMMOVABLE_RECEIVE guarded descriptors).
  receive_right take_receive_right(std::size_t index, boost::system::error_code& ec);
  //! Throwing form of take_receive_right(index, ec).
  receive_right take_receive_right(std::size_t index,
                                   const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::received_message::take_receive_right", loc,
                            [&](auto& ec) { return take_receive_right(index, ec); });
  }
  //! Takes the send right of port descriptor \p index. A right that arrived dead fails
  //! with machio::error::dead_name.
  send_right take_send_right(std::size_t index, boost::system::error_code& ec) noexcept;
  //! Throwing form of take_send_right(index, ec).
  send_right take_send_right(std::size_t index,
                             const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::received_message::take_send_right", loc,
                            [&](auto& ec) { return take_send_right(index, ec); });
  }
  //! Takes the send-once right of port descriptor \p index.
  send_once_right take_send_once_right(std::size_t index, boost::system::error_code& ec) noexcept;
  //! Throwing form of take_send_once_right(index, ec).
  send_once_right take_send_once_right(std::size_t index,
                                       const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::received_message::take_send_once_right", loc,
                            [&](auto& ec) { return take_send_once_right(index, ec); });
  }
  //! Takes the region of OOL descriptor \p index (size 0 regions come back empty).
  ool_region take_ool(std::size_t index, boost::system::error_code& ec) noexcept;
  //! Throwing form of take_ool(index, ec).
  ool_region take_ool(std::size_t index, const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::received_message::take_ool", loc,
                            [&](auto& ec) { return take_ool(index, ec); });
  }
  //! Takes the send rights of OOL ports descriptor \p index (dead entries come back as
  //! empty send_right objects holding MACH_PORT_DEAD); the name array is unmapped.
  std::vector<send_right> take_ool_send_rights(std::size_t index, boost::system::error_code& ec);
  //! Throwing form of take_ool_send_rights(index, ec).
  std::vector<send_right> take_ool_send_rights(std::size_t index,
                                               const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::received_message::take_ool_send_rights", loc,
                            [&](auto& ec) { return take_ool_send_rights(index, ec); });
  }
  //! Takes the send-once rights of OOL ports descriptor \p index.
  std::vector<send_once_right> take_ool_send_once_rights(std::size_t index,
                                                         boost::system::error_code& ec);
  //! Throwing form of take_ool_send_once_rights(index, ec).
  std::vector<send_once_right> take_ool_send_once_rights(
      std::size_t index, const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::received_message::take_ool_send_once_rights", loc,
                            [&](auto& ec) { return take_ool_send_once_rights(index, ec); });
  }
  //! Takes the receive rights of OOL ports descriptor \p index, each guarded afresh.
  std::vector<receive_right> take_ool_receive_rights(std::size_t index,
                                                     boost::system::error_code& ec);
  //! Throwing form of take_ool_receive_rights(index, ec).
  std::vector<receive_right> take_ool_receive_rights(
      std::size_t index, const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::received_message::take_ool_receive_rights", loc,
                            [&](auto& ec) { return take_ool_receive_rights(index, ec); });
  }

  //! Releases everything not taken now; the object becomes empty.
  void reset() noexcept { destroy(); }

  //! Gives the buffer to the caller without releasing anything (for code that hands the
  //! message to mach_msg_destroy or a C API itself).
  [[nodiscard]] detail::message_buffer release() noexcept {
    view_ = message_view();
    return std::move(buffer_);
  }

 private:
  void destroy() noexcept;
  std::byte* mutable_descriptor(std::size_t index, mach_msg_descriptor_type_t want,
                                boost::system::error_code& ec) noexcept;
  template <class Right>
  std::vector<Right> take_ool_ports(std::size_t index, mach_msg_type_name_t want,
                                    boost::system::error_code& ec);

  detail::message_buffer buffer_;
  message_view view_;
};

}  // namespace machio

#endif  // MACHIO_RECEIVED_MESSAGE_HPP
