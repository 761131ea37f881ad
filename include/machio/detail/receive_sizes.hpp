// SPDX-License-Identifier: BSL-1.0
// Sizes and option bits shared by every receive path (blocking, call, reactor), so that
// they cannot disagree on how much room a message and its trailer need.
#pragma once

#include <machio/detail/message_buffer.hpp>
#include <machio/sync.hpp>
#include <machio/trailer.hpp>

#include <mach/message.h>

#include <algorithm>

namespace machio::detail {

//! Largest message mach_msg accepts (48 MiB minus the largest trailer) plus that trailer;
//! a "needed size" reported beyond it can only be garbage.
inline constexpr mach_msg_size_t max_message_size = 50331580u + 68u;

//! Bytes of trailer the kernel appends for \p e.
constexpr mach_msg_size_t trailer_size(trailer_elements e) noexcept {
  switch (e) {
    case trailer_elements::none: return sizeof(mach_msg_trailer_t);
    case trailer_elements::seqno: return sizeof(mach_msg_seqno_trailer_t);
    case trailer_elements::sender: return sizeof(mach_msg_security_trailer_t);
    case trailer_elements::audit: return sizeof(mach_msg_audit_trailer_t);
    case trailer_elements::context: return sizeof(mach_msg_context_trailer_t);
  }
  return sizeof(mach_msg_max_trailer_t);
}

//! The mach_msg receive option bits that \p o asks for (no timeout bit).
constexpr mach_msg_option_t receive_option_bits(const receive_options& o) noexcept {
  mach_msg_option_t bits = MACH_RCV_MSG | MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
                           MACH_RCV_TRAILER_ELEMENTS(static_cast<int>(o.trailer));
  if (o.grow) bits |= MACH_RCV_LARGE;
  if (o.guarded_descriptors) bits |= MACH_RCV_GUARDED_DESC;
  return bits;
}

//! Size of the received message plus the trailer the kernel wrote after it, clamped to
//! the buffer (the header and trailer sizes are the kernel's, but never trusted past it).
inline mach_msg_size_t received_size(const message_buffer& buf) noexcept {
  const auto h = load<mach_msg_header_t>(buf.data());
  if (h.msgh_size > buf.capacity() || buf.capacity() - h.msgh_size < sizeof(mach_msg_trailer_t))
    return h.msgh_size;
  const auto t = load<mach_msg_trailer_t>(buf.data() + h.msgh_size);
  return h.msgh_size +
         std::min<mach_msg_size_t>(t.msgh_trailer_size,
                                   static_cast<mach_msg_size_t>(buf.capacity() - h.msgh_size));
}

}  // namespace machio::detail
