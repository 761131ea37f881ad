// SPDX-License-Identifier: BSL-1.0
// machio/message.hpp — an outgoing message that owns the rights and memory it carries.
#ifndef MACHIO_MESSAGE_HPP
#define MACHIO_MESSAGE_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/detail/message_buffer.hpp>
#include <machio/error.hpp>

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

namespace machio {

class message;

namespace detail {

//! One port name in an outgoing message and how it travels. Owned by the message exactly
//! when the disposition is a MOVE_* one; COPY_SEND and MAKE_* borrow the caller's right.
struct port_part {
  mach_port_name_t name = MACH_PORT_NULL;
  mach_msg_type_name_t disposition = 0;
};

//! One descriptor of an outgoing message, kept in structured form so ownership can be
//! followed and restored after a failed send.
struct descriptor_part {
  mach_msg_descriptor_type_t type = MACH_MSG_PORT_DESCRIPTOR;
  port_part port;                                    // port, guarded port
  mach_port_context_t guard_context = 0;             // guarded port
  mach_msg_guard_flags_t guard_flags = 0;            // guarded port
  const void* ool_address = nullptr;                 // OOL memory
  mach_msg_size_t ool_size = 0;                      // OOL memory
  mach_msg_copy_options_t ool_copy = MACH_MSG_VIRTUAL_COPY;
  bool ool_owned = false;                            // the message must vm_deallocate it
  std::vector<mach_port_name_t> ool_port_names;      // OOL ports (storage sent from here)
};

//! Friend access for the sync and async send paths.
struct message_access;

}  // namespace detail

//! A message ready to send. Owns every right given to it with a MOVE_* disposition (and
//! every right the kernel handed back after a timed-out send), and every ool_region given
//! to it; borrows rights given by const reference (COPY_SEND, MAKE_*) and memory given as
//! spans, which must stay valid until the message is sent or destroyed.
//!
//! After a successful send the message is empty: the kernel took what it owned. After a
//! failed send it still owns everything it can prove it owns, so the send can be retried:
//! - errors detected before the kernel touched any right (MACH_SEND_INVALID_DEST, ...)
//!   leave it unchanged;
//! - MACH_SEND_TIMED_OUT, MACH_SEND_INTERRUPTED and MACH_SEND_NO_BUFFER happen after the
//!   rights were copied in; the kernel "pseudo-receives" them back under possibly new
//!   names, which the message adopts (borrowed rights become owned copies);
//! - errors while the kernel copied the body in (MACH_SEND_INVALID_RIGHT,
//!   MACH_SEND_INVALID_MEMORY, MACH_MSG_VM_KERNEL, ...) destroy an unknown part of the
//!   rights; the message forgets its rights (never destroys one twice) and becomes empty.
//! Destroying an unsent message releases what it owns. Move-only.
class message {
 public:
  //! An empty message (nothing to send).
  message() noexcept = default;
  //! Takes over everything \p other owns; \p other becomes empty.
  message(message&& other) noexcept
      : id_(other.id_),
        remote_(other.remote_),
        local_(other.local_),
        descriptors_(std::move(other.descriptors_)),
        body_(std::move(other.body_)),
        valid_(other.valid_) {
    other.forget();
  }
  //! Releases what *this owns, then takes over everything \p other owns.
  message& operator=(message&& other) noexcept {
    if (this != &other) {
      destroy();
      id_ = other.id_;
      remote_ = other.remote_;
      local_ = other.local_;
      descriptors_ = std::move(other.descriptors_);
      body_ = std::move(other.body_);
      valid_ = other.valid_;
      other.forget();
    }
    return *this;
  }
  //! Not copyable: the rights and regions would be released twice (copy rights explicitly).
  message(const message&) = delete;
  message& operator=(const message&) = delete;
  //! Releases every right and region the message owns.
  ~message() { destroy(); }

  //! False for a default-constructed, sent, or consumed message.
  bool valid() const noexcept { return valid_; }
  //! The msgh_id.
  mach_msg_id_t id() const noexcept { return id_; }
  //! Destination name (borrowed: the message or the caller owns it).
  mach_port_name_t destination() const noexcept { return remote_.name; }
  //! How the destination travels; MOVE_* means the message owns the right.
  mach_msg_type_name_t destination_disposition() const noexcept { return remote_.disposition; }
  //! Reply port name (borrowed; MACH_PORT_NULL when none).
  mach_port_name_t reply_port() const noexcept { return local_.name; }
  //! How the reply right travels; MOVE_* means the message owns the right.
  mach_msg_type_name_t reply_disposition() const noexcept { return local_.disposition; }
  //! Number of descriptors.
  std::size_t descriptor_count() const noexcept { return descriptors_.size(); }
  //! The inline bytes after the descriptors.
  std::span<const std::byte> body() const noexcept { return body_; }
  //! msgh_size the message will be sent with.
  mach_msg_size_t size() const noexcept;

 private:
  friend class message_builder;
  friend struct detail::message_access;

  void destroy() noexcept;
  void forget() noexcept;

  mach_msg_id_t id_ = 0;
  detail::port_part remote_;
  detail::port_part local_;
  std::vector<detail::descriptor_part> descriptors_;
  std::vector<std::byte> body_;
  bool valid_ = false;
};

}  // namespace machio

#endif  // MACHIO_MESSAGE_HPP
