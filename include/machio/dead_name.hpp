// machio/dead_name.hpp — an owned dead name.
#ifndef MACHIO_DEAD_NAME_HPP
#define MACHIO_DEAD_NAME_HPP

#include <machio/adopt.hpp>
#include <machio/error.hpp>

namespace machio {

//! Owns one user reference of a dead name: the name a send or send-once right keeps after
//! its port died, until every reference is dropped. Nothing can be sent to it; it exists so
//! the reference is released exactly once (mach_port_deallocate). Move-only.
class dead_name {
 public:
  //! An empty object: owns nothing.
  dead_name() noexcept = default;
  //! Adopts one uref of the dead name \p name. MACH_PORT_NULL/MACH_PORT_DEAD own nothing.
  dead_name(adopt_t, mach_port_name_t name) noexcept : name_(name) {}

  dead_name(dead_name&& other) noexcept : name_(other.release()) {}
  dead_name& operator=(dead_name&& other) noexcept {
    if (this != &other) {
      reset();
      name_ = other.release();
    }
    return *this;
  }
  dead_name(const dead_name&) = delete;
  dead_name& operator=(const dead_name&) = delete;

  //! Drops the owned uref.
  ~dead_name() { reset(); }

  //! Borrows the name; the object keeps ownership.
  mach_port_name_t get() const noexcept { return name_; }
  //! True when the object holds a name other than MACH_PORT_NULL.
  explicit operator bool() const noexcept { return name_ != MACH_PORT_NULL; }
  //! Gives the uref to the caller.
  [[nodiscard]] mach_port_name_t release() noexcept {
    mach_port_name_t n = name_;
    name_ = MACH_PORT_NULL;
    return n;
  }
  //! Drops the owned uref now; the object becomes empty.
  void reset() noexcept;

 private:
  mach_port_name_t name_ = MACH_PORT_NULL;
};

}  // namespace machio

#endif  // MACHIO_DEAD_NAME_HPP
