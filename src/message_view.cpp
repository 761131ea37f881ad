// SPDX-License-Identifier: BSL-1.0
// Parsing received bytes without trusting them.
#include <machio/detail/message_buffer.hpp>
#include <machio/message_view.hpp>

#include <cstddef>

namespace machio {

using detail::load;

namespace {

// Byte 11 of every descriptor holds its type in the top 8 bits of the 32-bit word at
// offset 8, so the type can be read before the descriptor's size is known.
constexpr std::size_t type_byte = 11;

// A type no descriptor has, for the view returned with an error.
constexpr mach_msg_descriptor_type_t no_descriptor_type = 0xFF;

std::size_t descriptor_size(unsigned type) noexcept {
  switch (type) {
    case MACH_MSG_PORT_DESCRIPTOR: return sizeof(mach_msg_port_descriptor_t);
    case MACH_MSG_OOL_DESCRIPTOR:
    case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: return sizeof(mach_msg_ool_descriptor_t);
    case MACH_MSG_OOL_PORTS_DESCRIPTOR: return sizeof(mach_msg_ool_ports_descriptor_t);
    case MACH_MSG_GUARDED_PORT_DESCRIPTOR: return sizeof(mach_msg_guarded_port_descriptor_t);
    default: return 0;
  }
}

}  // namespace

message_view message_view::parse(std::span<const std::byte> bytes, boost::system::error_code& ec) {
  message_view v;
  const auto malformed = [&ec] {
    ec = error::malformed_message;
    return message_view();
  };
  if (bytes.size() < sizeof(mach_msg_header_t)) return malformed();
  const auto h = load<mach_msg_header_t>(bytes.data());
  const std::size_t size = h.msgh_size;
  if (size < sizeof(mach_msg_header_t) || size > bytes.size() || size % 4 != 0) return malformed();
  std::size_t off = sizeof(mach_msg_header_t);
  if (h.msgh_bits & MACH_MSGH_BITS_COMPLEX) {
    if (size < off + sizeof(mach_msg_body_t)) return malformed();
    const auto count = load<mach_msg_body_t>(bytes.data() + off).msgh_descriptor_count;
    off += sizeof(mach_msg_body_t);
    // Every descriptor takes at least 12 bytes: a count that cannot fit is rejected before
    // anything is allocated for it.
    if (count > (size - off) / sizeof(mach_msg_port_descriptor_t)) return malformed();
    v.offsets_.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      if (off + type_byte >= size) return malformed();
      const auto type = static_cast<unsigned>(bytes[off + type_byte]);
      const std::size_t dsize = descriptor_size(type);
      if (dsize == 0 || off + dsize > size) return malformed();
      v.offsets_.push_back(static_cast<std::uint32_t>(off));
      off += dsize;
    }
  }
  v.body_offset_ = static_cast<std::uint32_t>(off);
  // A trailer is present when the bytes go past msgh_size: it must be a whole one.
  const std::size_t rest = bytes.size() - size;
  if (rest != 0) {
    if (rest < sizeof(mach_msg_trailer_t)) return malformed();
    const auto t = load<mach_msg_trailer_t>(bytes.data() + size);
    if (t.msgh_trailer_size < sizeof(mach_msg_trailer_t) || t.msgh_trailer_size > rest)
      return malformed();
    v.trailer_size_ = t.msgh_trailer_size;
  }
  v.bytes_ = bytes;
  ec.clear();
  return v;
}

mach_msg_header_t message_view::header() const noexcept {
  if (bytes_.size() < sizeof(mach_msg_header_t)) return {};
  return load<mach_msg_header_t>(bytes_.data());
}

descriptor_view message_view::descriptor(std::size_t index, boost::system::error_code& ec) const noexcept {
  if (index >= offsets_.size()) {
    ec = error::no_such_descriptor;
    return {nullptr, no_descriptor_type};
  }
  ec.clear();
  const std::byte* p = bytes_.data() + offsets_[index];
  return {p, static_cast<mach_msg_descriptor_type_t>(p[type_byte])};
}

std::span<const std::byte> message_view::body() const noexcept {
  if (bytes_.empty()) return {};
  return bytes_.subspan(body_offset_, header().msgh_size - body_offset_);
}

trailer_view message_view::trailer() const noexcept {
  if (trailer_size_ == 0) return {};
  return {bytes_.data() + header().msgh_size, trailer_size_};
}

// descriptor_view ------------------------------------------------------------------------

mach_port_name_t descriptor_view::name() const noexcept {
  if (type_ == MACH_MSG_PORT_DESCRIPTOR) return load<mach_msg_port_descriptor_t>(data_).name;
  if (type_ == MACH_MSG_GUARDED_PORT_DESCRIPTOR)
    return load<mach_msg_guarded_port_descriptor_t>(data_).name;
  return MACH_PORT_NULL;
}

mach_msg_type_name_t descriptor_view::disposition() const noexcept {
  if (is_port() || is_ool_ports()) return static_cast<mach_msg_type_name_t>(data_[10]);
  return 0;
}

mach_port_context_t descriptor_view::guard_context() const noexcept {
  if (type_ != MACH_MSG_GUARDED_PORT_DESCRIPTOR) return 0;
  return load<mach_msg_guarded_port_descriptor_t>(data_).context;
}

mach_msg_guard_flags_t descriptor_view::guard_flags() const noexcept {
  if (type_ != MACH_MSG_GUARDED_PORT_DESCRIPTOR) return 0;
  return load<mach_msg_guarded_port_descriptor_t>(data_).flags;
}

std::uint64_t descriptor_view::address() const noexcept {
  if (is_ool()) return reinterpret_cast<std::uintptr_t>(load<mach_msg_ool_descriptor_t>(data_).address);
  if (is_ool_ports())
    return reinterpret_cast<std::uintptr_t>(load<mach_msg_ool_ports_descriptor_t>(data_).address);
  return 0;
}

mach_msg_size_t descriptor_view::size() const noexcept {
  return is_ool() ? load<mach_msg_ool_descriptor_t>(data_).size : 0;
}

mach_msg_size_t descriptor_view::count() const noexcept {
  return is_ool_ports() ? load<mach_msg_ool_ports_descriptor_t>(data_).count : 0;
}

mach_msg_copy_options_t descriptor_view::copy() const noexcept {
  if (is_ool() || is_ool_ports()) return static_cast<mach_msg_copy_options_t>(data_[9]);
  return 0;
}

// trailer_view ---------------------------------------------------------------------------

mach_msg_trailer_type_t trailer_view::format() const noexcept {
  if (size_ < sizeof(mach_msg_trailer_t)) return 0;
  return load<mach_msg_trailer_t>(data_).msgh_trailer_type;
}

std::optional<mach_port_seqno_t> trailer_view::seqno() const noexcept {
  if (size_ < sizeof(mach_msg_seqno_trailer_t)) return std::nullopt;
  const mach_port_seqno_t seqno = load<mach_msg_seqno_trailer_t>(data_).msgh_seqno;
  return seqno;
}

std::optional<security_token_t> trailer_view::sender() const noexcept {
  if (size_ < sizeof(mach_msg_security_trailer_t)) return std::nullopt;
  const security_token_t sender = load<mach_msg_security_trailer_t>(data_).msgh_sender;
  return sender;
}

std::optional<audit_token> trailer_view::audit() const noexcept {
  if (size_ < sizeof(mach_msg_audit_trailer_t)) return std::nullopt;
  const audit_token_t token = load<mach_msg_audit_trailer_t>(data_).msgh_audit;
  return audit_token(token);
}

std::optional<mach_port_context_t> trailer_view::context() const noexcept {
  if (size_ < sizeof(mach_msg_context_trailer_t)) return std::nullopt;
  // Copied out first: the packed field may be misaligned, and optional binds a reference.
  const mach_port_context_t context = load<mach_msg_context_trailer_t>(data_).msgh_context;
  return context;
}

}  // namespace machio
