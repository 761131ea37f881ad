// SPDX-License-Identifier: BSL-1.0
// machio/message_view.hpp — a bounds-checked, non-owning view of a received message.
#ifndef MACHIO_MESSAGE_VIEW_HPP
#define MACHIO_MESSAGE_VIEW_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/detail/throwing.hpp>
#include <machio/error.hpp>
#include <machio/trailer.hpp>

#include <cstddef>
#include <span>
#include <vector>

namespace machio {

//! One descriptor of a received message, read from the message's bytes. Borrows them.
//! Accessors for fields of another descriptor kind return 0.
class descriptor_view {
 public:
  //! Views the descriptor at \p data (already bounds-checked by message_view) of \p type.
  descriptor_view(const std::byte* data, mach_msg_descriptor_type_t type) noexcept
      : data_(data), type_(type) {}

  //! MACH_MSG_PORT_DESCRIPTOR, MACH_MSG_OOL_DESCRIPTOR, MACH_MSG_OOL_PORTS_DESCRIPTOR,
  //! MACH_MSG_OOL_VOLATILE_DESCRIPTOR or MACH_MSG_GUARDED_PORT_DESCRIPTOR.
  mach_msg_descriptor_type_t type() const noexcept { return type_; }
  //! True for port and guarded-port descriptors.
  bool is_port() const noexcept {
    return type_ == MACH_MSG_PORT_DESCRIPTOR || type_ == MACH_MSG_GUARDED_PORT_DESCRIPTOR;
  }
  //! True for OOL memory descriptors (including volatile).
  bool is_ool() const noexcept {
    return type_ == MACH_MSG_OOL_DESCRIPTOR || type_ == MACH_MSG_OOL_VOLATILE_DESCRIPTOR;
  }
  //! True for OOL ports descriptors.
  bool is_ool_ports() const noexcept { return type_ == MACH_MSG_OOL_PORTS_DESCRIPTOR; }

  //! Port (or guarded port) name; MACH_PORT_NULL once taken.
  mach_port_name_t name() const noexcept;
  //! The right's type as received (MACH_MSG_TYPE_PORT_RECEIVE/SEND/SEND_ONCE), also for
  //! OOL ports.
  mach_msg_type_name_t disposition() const noexcept;
  //! Guarded port: the context (the guard when it arrived guarded).
  mach_port_context_t guard_context() const noexcept;
  //! Guarded port: MACH_MSG_GUARD_FLAGS_*.
  mach_msg_guard_flags_t guard_flags() const noexcept;
  //! OOL memory / OOL ports: address of the received mapping (0 once taken).
  std::uint64_t address() const noexcept;
  //! OOL memory: size in bytes.
  mach_msg_size_t size() const noexcept;
  //! OOL ports: number of names.
  mach_msg_size_t count() const noexcept;
  //! OOL memory / ports: copy option as received.
  mach_msg_copy_options_t copy() const noexcept;

  //! The descriptor's first byte (for advanced uses; borrows the message).
  const std::byte* data() const noexcept { return data_; }

 private:
  const std::byte* data_;
  mach_msg_descriptor_type_t type_;
};

//! Checks that the bytes of a message add up, then gives bounds-checked access to its
//! header, descriptors, inline body and trailer. Never reads outside the span, whatever
//! the bytes say; never touches a right or mapping. Borrows the bytes.
class message_view {
 public:
  //! An empty view (no message).
  message_view() noexcept = default;

  //! Parses \p bytes: a header (msgh_size within the span, at least 24, a multiple of 4),
  //! for complex messages a descriptor count whose descriptors all fit in msgh_size and
  //! have known types, and, when the span goes past msgh_size, a trailer whose size fits.
  //! Fails with machio::error::malformed_message otherwise.
  static message_view parse(std::span<const std::byte> bytes, boost::system::error_code& ec);
  //! Throwing form of parse(bytes, ec): throws system_error(malformed_message).
  static message_view parse(std::span<const std::byte> bytes,
                            const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::message_view::parse", loc,
                            [&](auto& ec) { return parse(bytes, ec); });
  }

  //! The header (a copy: the bytes may be unaligned).
  mach_msg_header_t header() const noexcept;
  //! msgh_id.
  mach_msg_id_t id() const noexcept { return header().msgh_id; }
  //! msgh_size: header + descriptors + body, no trailer.
  mach_msg_size_t size() const noexcept { return header().msgh_size; }
  //! True when MACH_MSGH_BITS_COMPLEX is set.
  bool is_complex() const noexcept { return (header().msgh_bits & MACH_MSGH_BITS_COMPLEX) != 0; }
  //! Number of descriptors (0 for a simple message).
  std::size_t descriptor_count() const noexcept { return offsets_.size(); }
  //! Descriptor \p index; fails with machio::error::no_such_descriptor past the end.
  descriptor_view descriptor(std::size_t index, boost::system::error_code& ec) const noexcept;
  //! Throwing form of descriptor(index, ec): throws system_error(no_such_descriptor).
  descriptor_view descriptor(std::size_t index,
                             const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    return detail::throwing("machio::message_view::descriptor", loc,
                            [&](auto& ec) { return descriptor(index, ec); });
  }
  //! Offset of descriptor \p index from the message start (index must be valid).
  std::size_t descriptor_offset(std::size_t index) const noexcept { return offsets_[index]; }
  //! The inline bytes after the descriptors, up to msgh_size.
  std::span<const std::byte> body() const noexcept;
  //! The trailer (size 0 when none came with the bytes).
  trailer_view trailer() const noexcept;
  //! All bytes the view covers.
  std::span<const std::byte> bytes() const noexcept { return bytes_; }

 private:
  std::span<const std::byte> bytes_;
  std::vector<std::uint32_t> offsets_;
  std::uint32_t body_offset_ = 0;
  std::uint32_t trailer_size_ = 0;
};

}  // namespace machio

#endif  // MACHIO_MESSAGE_VIEW_HPP
