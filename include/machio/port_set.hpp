// machio/port_set.hpp — an owned port set.
#ifndef MACHIO_PORT_SET_HPP
#define MACHIO_PORT_SET_HPP

#include <machio/adopt.hpp>
#include <machio/detail/throwing.hpp>
#include <machio/error.hpp>
#include <machio/receive_right.hpp>

#include <vector>

namespace machio {

//! Owns a port set: one name to receive from a group of ports. Destroying the set
//! (mach_port_mod_refs(PORT_SET, -1)) removes its members but does not destroy them.
//! Membership never transfers ownership: the receive_right objects keep their rights.
class port_set {
 public:
  //! An empty object: owns nothing.
  port_set() noexcept = default;
  //! Adopts the port set \p name.
  port_set(adopt_t, mach_port_name_t name) noexcept : name_(name) {}

  port_set(port_set&& other) noexcept : name_(other.release()) {}
  port_set& operator=(port_set&& other) noexcept {
    if (this != &other) {
      reset();
      name_ = other.release();
    }
    return *this;
  }
  port_set(const port_set&) = delete;
  port_set& operator=(const port_set&) = delete;
  //! Destroys the set if owned.
  ~port_set() { reset(); }

  //! Creates an empty port set.
  static port_set allocate(boost::system::error_code& ec);
  //! Throwing form of allocate(ec).
  static port_set allocate(const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::port_set::allocate", loc,
                            [&](auto& ec) { return allocate(ec); });
  }

  //! Borrows the name; the object keeps ownership.
  mach_port_name_t get() const noexcept { return name_; }
  //! True when the object owns a set.
  explicit operator bool() const noexcept { return name_ != MACH_PORT_NULL; }
  //! Gives the set to the caller.
  [[nodiscard]] mach_port_name_t release() noexcept {
    mach_port_name_t n = name_;
    name_ = MACH_PORT_NULL;
    return n;
  }
  //! Destroys the set now.
  void reset() noexcept;

  //! Adds \p port to this set (it may stay in other sets). KERN_ALREADY_IN_SET if it is.
  void insert(const receive_right& port, boost::system::error_code& ec) const;
  //! Throwing form of insert(port, ec).
  void insert(const receive_right& port,
              const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    detail::throwing("machio::port_set::insert", loc, [&](auto& ec) { insert(port, ec); });
  }

  //! Removes \p port from this set. KERN_NOT_IN_SET if it is not a member.
  void extract(const receive_right& port, boost::system::error_code& ec) const;
  //! Throwing form of extract(port, ec).
  void extract(const receive_right& port,
               const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    detail::throwing("machio::port_set::extract", loc, [&](auto& ec) { extract(port, ec); });
  }

  //! Makes \p port a member of this set and of no other (mach_port_move_member).
  void move_in(const receive_right& port, boost::system::error_code& ec) const;
  //! Throwing form of move_in(port, ec).
  void move_in(const receive_right& port,
               const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    detail::throwing("machio::port_set::move_in", loc, [&](auto& ec) { move_in(port, ec); });
  }

  //! Removes \p port from every set it belongs to. KERN_NOT_IN_SET if it was in none.
  static void remove_from_all(const receive_right& port, boost::system::error_code& ec);

  //! The names of the member ports (borrowed: owned by their receive_right objects).
  std::vector<mach_port_name_t> members(boost::system::error_code& ec) const;
  //! Throwing form of members(ec).
  std::vector<mach_port_name_t> members(
      const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    return detail::throwing("machio::port_set::members", loc,
                            [&](auto& ec) { return members(ec); });
  }

 private:
  mach_port_name_t name_ = MACH_PORT_NULL;
};

}  // namespace machio

#endif  // MACHIO_PORT_SET_HPP
