// SPDX-License-Identifier: BSL-1.0
// machio/detail/message_access.hpp — how the send paths (sync here, async later) turn a
// machio::message into bytes for mach_msg and settle its ownership afterwards.
#ifndef MACHIO_DETAIL_MESSAGE_ACCESS_HPP
#define MACHIO_DETAIL_MESSAGE_ACCESS_HPP

#include <machio/detail/message_buffer.hpp>
#include <machio/message.hpp>

namespace machio::detail {

struct message_access {
  //! Lays \p msg out in a buffer of at least \p min_capacity bytes (more if the message
  //! needs it) and returns it; \p size receives the send size. Ownership stays with \p msg.
  static message_buffer serialize(const message& msg, std::size_t min_capacity,
                                  mach_msg_size_t& size);

  //! Settles ownership after mach_msg returned \p mr for a send of \p msg from \p buffer:
  //! success (or a receive-phase error of a combined call) empties \p msg; errors raised
  //! before any right was copied in leave it unchanged; pseudo-received sends make it adopt
  //! what the kernel wrote back into \p buffer; body copy-in errors make it forget its
  //! rights. Owned OOL regions are unmapped whenever \p msg ends up empty.
  //! Returns true when the send phase succeeded.
  static bool settle(message& msg, mach_msg_return_t mr, const message_buffer& buffer) noexcept;

  //! The reply-port part of \p msg, for call().
  static port_part& reply(message& msg) noexcept { return msg.local_; }

  //! Releases the reply right \p msg owns (if it owns one) and clears the reply port.
  static void clear_reply(message& msg) noexcept;

  //! Empties \p msg without releasing anything it owns: for a forked child, where every
  //! name the message holds is the parent's, the child's to neither use nor release.
  static void forget(message& msg) noexcept { msg.forget(); }
};

}  // namespace machio::detail

#endif  // MACHIO_DETAIL_MESSAGE_ACCESS_HPP
