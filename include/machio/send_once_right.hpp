// machio/send_once_right.hpp — an owned send-once right.
#ifndef MACHIO_SEND_ONCE_RIGHT_HPP
#define MACHIO_SEND_ONCE_RIGHT_HPP

#include <machio/adopt.hpp>
#include <machio/error.hpp>

namespace machio {

//! Owns one send-once right. Using it consumes it: the message APIs take it by rvalue
//! only, so it cannot be used twice. Destroying it unused (mach_port_deallocate) makes the
//! kernel send a MACH_NOTIFY_SEND_ONCE message to its port, which is how a server that
//! never replies is detected. Move-only; cannot be copied or duplicated at all.
class send_once_right {
 public:
  //! An empty object: owns nothing.
  send_once_right() noexcept = default;

  //! Adopts the send-once right \p name; the caller gives it up. MACH_PORT_NULL and
  //! MACH_PORT_DEAD own nothing.
  send_once_right(adopt_t, mach_port_name_t name) noexcept : name_(name) {}

  send_once_right(send_once_right&& other) noexcept : name_(other.release()) {}
  send_once_right& operator=(send_once_right&& other) noexcept {
    if (this != &other) {
      reset();
      name_ = other.release();
    }
    return *this;
  }
  send_once_right(const send_once_right&) = delete;
  send_once_right& operator=(const send_once_right&) = delete;

  //! Destroys the right if still owned (the port gets a send-once notification).
  ~send_once_right() { reset(); }

  //! Borrows the name; the object keeps ownership.
  mach_port_name_t get() const noexcept { return name_; }
  //! True when the object holds a name other than MACH_PORT_NULL.
  explicit operator bool() const noexcept { return name_ != MACH_PORT_NULL; }

  //! Gives the right to the caller, who must consume or destroy it.
  [[nodiscard]] mach_port_name_t release() noexcept {
    mach_port_name_t n = name_;
    name_ = MACH_PORT_NULL;
    return n;
  }

  //! Destroys the right now (send-once notification); the object becomes empty.
  void reset() noexcept;

  //! True when the name is MACH_PORT_DEAD or the port has died.
  bool is_dead() const noexcept;

 private:
  mach_port_name_t name_ = MACH_PORT_NULL;
};

}  // namespace machio

#endif  // MACHIO_SEND_ONCE_RIGHT_HPP
