// SPDX-License-Identifier: BSL-1.0
// machio/receive_right.hpp — an owned receive right, guarded by default.
#ifndef MACHIO_RECEIVE_RIGHT_HPP
#define MACHIO_RECEIVE_RIGHT_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/adopt.hpp>
#include <machio/detail/throwing.hpp>
#include <machio/error.hpp>
#include <machio/send_once_right.hpp>
#include <machio/send_right.hpp>

#include <optional>

namespace machio {
namespace detail {

//! mach_port_get_attributes(MACH_PORT_RECEIVE_STATUS) of the receive right \p name into
//! \p out; the kernel's code. Borrows \p name.
kern_return_t get_receive_status(mach_port_name_t name, mach_port_status_t& out) noexcept;

}  // namespace detail

//! How receive_right::allocate creates a port.
struct port_options {
  //! Guard the receive right with a secret context only this object knows
  //! (MPO_CONTEXT_AS_GUARD | MPO_STRICT), so code that gets hold of the name cannot
  //! destroy or move it by accident. Turn off for rights whose name is handed to C code
  //! that destroys it with mach_port_mod_refs.
  bool guarded = true;
  //! Queue limit (0..MACH_PORT_QLIMIT_MAX); the kernel default (5) when empty.
  std::optional<mach_port_msgcount_t> qlimit;
  //! The port's context, for unguarded ports only: on a guarded port the context is the
  //! guard. A non-zero context with `guarded` fails with machio::error::invalid_options.
  mach_port_context_t context = 0;
};

//! Declared below: the result of receive_right::allocate_pair().
struct port_pair;

//! Owns the receive right of one port in the current task. Move-only; destroys the right
//! on destruction (mach_port_destruct with its guard, or mach_port_mod_refs(RECEIVE, -1)
//! when unguarded), which turns every send right to the port into a dead name.
//!
//! A guarded right's name can be shared freely (get()): without the guard the kernel
//! refuses to destroy it. Send rights made from it live on the same name but are owned by
//! separate send_right objects; each owner releases only its own part.
class receive_right {
 public:
  //! An empty object: owns nothing.
  receive_right() noexcept = default;

  //! Adopts the unguarded receive right \p name.
  receive_right(adopt_t, mach_port_name_t name) noexcept : name_(name) {}

  //! Adopts the receive right \p name, already guarded with \p guard (as released by
  //! release() after reading guard()).
  receive_right(adopt_t, mach_port_name_t name, mach_port_context_t guard) noexcept
      : name_(name), guard_(guard), guarded_(true) {}

  //! Takes \p other's right and guard; \p other becomes empty.
  receive_right(receive_right&& other) noexcept
      : name_(other.name_), guard_(other.guard_), guarded_(other.guarded_) {
    other.name_ = MACH_PORT_NULL;
    other.guard_ = 0;
    other.guarded_ = false;
  }
  //! Destroys the right this object owns, then takes \p other's; \p other becomes empty.
  receive_right& operator=(receive_right&& other) noexcept {
    if (this != &other) {
      reset();
      name_ = other.name_;
      guard_ = other.guard_;
      guarded_ = other.guarded_;
      other.name_ = MACH_PORT_NULL;
      other.guard_ = 0;
      other.guarded_ = false;
    }
    return *this;
  }
  //! Not copyable: a port has exactly one receive right.
  receive_right(const receive_right&) = delete;
  receive_right& operator=(const receive_right&) = delete;

  //! Destroys the receive right if owned.
  ~receive_right() { reset(); }

  //! Creates a new port and returns its receive right (no send right).
  static receive_right allocate(const port_options& options, boost::system::error_code& ec);
  //! Throwing form of allocate(options, ec).
  static receive_right allocate(const port_options& options = {},
                                const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::receive_right::allocate", loc,
                            [&](auto& ec) { return allocate(options, ec); });
  }

  //! Creates a new port with a receive right and one send right on the same name
  //! (MPO_INSERT_SEND_RIGHT; the make-send count becomes 1).
  static port_pair allocate_pair(const port_options& options, boost::system::error_code& ec);
  //! Throwing form of allocate_pair(options, ec).
  static port_pair allocate_pair(const port_options& options = {},
                                 const boost::source_location& loc = BOOST_CURRENT_LOCATION);

  //! Adopts the unguarded receive right \p name and guards it with a fresh secret. On
  //! failure the right is destroyed (it is owned from the call on) and an empty object
  //! returned.
  static receive_right adopt_and_guard(mach_port_name_t name, boost::system::error_code& ec);
  //! Throwing form of adopt_and_guard(name, ec); the right is destroyed before it throws.
  static receive_right adopt_and_guard(mach_port_name_t name,
                                       const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::receive_right::adopt_and_guard", loc,
                            [&](auto& ec) { return adopt_and_guard(name, ec); });
  }

  //! Borrows the name; the object keeps ownership.
  mach_port_name_t get() const noexcept { return name_; }
  //! True when the object owns a receive right.
  explicit operator bool() const noexcept { return name_ != MACH_PORT_NULL; }
  //! True when the right is guarded; guard() is then the guard value.
  bool is_guarded() const noexcept { return guarded_; }
  //! The guard value (0 when unguarded). Whoever knows it can destroy the right.
  mach_port_context_t guard() const noexcept { return guard_; }

  //! Gives the right to the caller and empties the object. A guarded right stays guarded:
  //! read guard() first, or use unguard_and_release() for C code.
  [[nodiscard]] mach_port_name_t release() noexcept {
    mach_port_name_t n = name_;
    name_ = MACH_PORT_NULL;
    guard_ = 0;
    guarded_ = false;
    return n;
  }

  //! Removes the guard and gives the now unguarded right to the caller. On failure the
  //! object keeps the right.
  mach_port_name_t unguard_and_release(boost::system::error_code& ec);
  //! Throwing form of unguard_and_release(ec).
  mach_port_name_t unguard_and_release(const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::receive_right::unguard_and_release", loc,
                            [&](auto& ec) { return unguard_and_release(ec); });
  }

  //! Destroys the right now; the object becomes empty.
  void reset() noexcept;

  //! Makes a new send right (MAKE_SEND: the make-send count goes up by one).
  send_right make_send(boost::system::error_code& ec) const;
  //! Throwing form of make_send(ec).
  send_right make_send(const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    return detail::throwing("machio::receive_right::make_send", loc,
                            [&](auto& ec) { return make_send(ec); });
  }

  //! Makes a new send-once right (own name; the make-send count is unchanged).
  send_once_right make_send_once(boost::system::error_code& ec) const;
  //! Throwing form of make_send_once(ec).
  send_once_right make_send_once(const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    return detail::throwing("machio::receive_right::make_send_once", loc,
                            [&](auto& ec) { return make_send_once(ec); });
  }

  //! The port's status (MACH_PORT_RECEIVE_STATUS): seqno, make-send count, qlimit,
  //! queued messages, send-once rights, whether send rights exist, flags.
  mach_port_status_t status(boost::system::error_code& ec) const;
  //! Throwing form of status(ec).
  mach_port_status_t status(const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    return detail::throwing("machio::receive_right::status", loc,
                            [&](auto& ec) { return status(ec); });
  }

  //! Make-send count: how many MAKE_SEND operations the port has seen.
  mach_port_mscount_t make_send_count(boost::system::error_code& ec) const {
    return status(ec).mps_mscount;
  }
  //! Throwing form of make_send_count(ec).
  mach_port_mscount_t make_send_count(const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    return status(loc).mps_mscount;
  }
  //! Sets the make-send count (used with no-senders notifications).
  void set_make_send_count(mach_port_mscount_t count, boost::system::error_code& ec) const;
  //! Throwing form of set_make_send_count(count, ec).
  void set_make_send_count(mach_port_mscount_t count,
                           const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    detail::throwing("machio::receive_right::set_make_send_count", loc,
                     [&](auto& ec) { set_make_send_count(count, ec); });
  }

  //! The sequence number the next received message will carry.
  mach_port_seqno_t seqno(boost::system::error_code& ec) const { return status(ec).mps_seqno; }
  //! Throwing form of seqno(ec).
  mach_port_seqno_t seqno(const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    return status(loc).mps_seqno;
  }
  //! Sets the next sequence number.
  void set_seqno(mach_port_seqno_t seqno, boost::system::error_code& ec) const;
  //! Throwing form of set_seqno(seqno, ec).
  void set_seqno(mach_port_seqno_t seqno,
                 const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    detail::throwing("machio::receive_right::set_seqno", loc,
                     [&](auto& ec) { set_seqno(seqno, ec); });
  }

  //! The queue limit: sends block (or time out) while this many messages are queued.
  mach_port_msgcount_t qlimit(boost::system::error_code& ec) const;
  //! Throwing form of qlimit(ec).
  mach_port_msgcount_t qlimit(const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    return detail::throwing("machio::receive_right::qlimit", loc,
                            [&](auto& ec) { return qlimit(ec); });
  }
  //! Sets the queue limit (at most MACH_PORT_QLIMIT_MAX).
  void set_qlimit(mach_port_msgcount_t limit, boost::system::error_code& ec) const;
  //! Throwing form of set_qlimit(limit, ec).
  void set_qlimit(mach_port_msgcount_t limit,
                  const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    detail::throwing("machio::receive_right::set_qlimit", loc,
                     [&](auto& ec) { set_qlimit(limit, ec); });
  }

  //! The port's context: the guard for a guarded right (known here without a call),
  //! otherwise the value stored with set_context().
  mach_port_context_t context(boost::system::error_code& ec) const;
  //! Throwing form of context(ec).
  mach_port_context_t context(const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    return detail::throwing("machio::receive_right::context", loc,
                            [&](auto& ec) { return context(ec); });
  }
  //! Stores \p context with an unguarded port; fails with machio::error::right_is_guarded
  //! on a guarded one (the kernel would kill the process for trying).
  void set_context(mach_port_context_t context, boost::system::error_code& ec) const;
  //! Throwing form of set_context(context, ec).
  void set_context(mach_port_context_t context,
                   const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    detail::throwing("machio::receive_right::set_context", loc,
                     [&](auto& ec) { set_context(context, ec); });
  }

 private:
  mach_port_name_t name_ = MACH_PORT_NULL;
  mach_port_context_t guard_ = 0;
  bool guarded_ = false;
};

//! A receive right and a send right to the same port, as made by allocate_pair().
struct port_pair {
  //! The port's receive right (owned).
  receive_right receive;
  //! One uref of a send right to the same port (owned).
  send_right send;
};

inline port_pair receive_right::allocate_pair(const port_options& options,
                                              const boost::source_location& loc) {
  return detail::throwing("machio::receive_right::allocate_pair", loc,
                          [&](auto& ec) { return allocate_pair(options, ec); });
}

}  // namespace machio

#endif  // MACHIO_RECEIVE_RIGHT_HPP
