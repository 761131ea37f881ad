// SPDX-License-Identifier: BSL-1.0
// machio/port_set.hpp — an owned port set.
#ifndef MACHIO_PORT_SET_HPP
#define MACHIO_PORT_SET_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/adopt.hpp>
#include <machio/detail/basic_right.hpp>
#include <machio/detail/throwing.hpp>
#include <machio/error.hpp>
#include <machio/receive_right.hpp>

#include <vector>

namespace machio {

namespace detail {
//! What releasing a port_set means: mach_port_mod_refs(PORT_SET, -1), which destroys the
//! set but not its members. Consumes \p name; aborts on a kernel refusal
//! (ownership_violation).
struct port_set_traits {
  static void release(mach_port_name_t name) noexcept;
};
}  // namespace detail

//! Owns a port set: one name to receive from a group of ports. Destroying the set
//! (mach_port_mod_refs(PORT_SET, -1)) removes its members but does not destroy them.
//! Membership never transfers ownership: the receive_right objects keep their rights.
class port_set : private detail::basic_right<detail::port_set_traits> {
  using base = detail::basic_right<detail::port_set_traits>;

 public:
  //! An empty object: owns nothing.
  port_set() noexcept = default;
  //! Adopts the port set \p name.
  port_set(adopt_t, mach_port_name_t name) noexcept : base(name) {}

  //! Takes \p other's set; \p other becomes empty.
  port_set(port_set&& other) noexcept = default;
  //! Destroys the set this object owns, then takes \p other's; \p other becomes empty.
  port_set& operator=(port_set&& other) noexcept = default;
  //! Not copyable: the set would be released twice (copy rights explicitly).
  port_set(const port_set&) = delete;
  port_set& operator=(const port_set&) = delete;
  //! Destroys the set if owned.
  ~port_set() = default;

  //! Creates an empty port set.
  static port_set allocate(boost::system::error_code& ec);
  //! Throwing form of allocate(ec).
  static port_set allocate(const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    return detail::throwing("machio::port_set::allocate", loc,
                            [&](auto& ec) { return allocate(ec); });
  }

  //! Borrows the name; the object keeps ownership.
  using base::get;
  //! True when the object owns a set.
  using base::operator bool;
  //! Gives the set to the caller.
  using base::release;
  //! Destroys the set now.
  using base::reset;

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
  //! Throwing form of remove_from_all(port, ec).
  static void remove_from_all(const receive_right& port,
                              const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
    detail::throwing("machio::port_set::remove_from_all", loc,
                     [&](auto& ec) { remove_from_all(port, ec); });
  }

  //! The names of the member ports (borrowed: owned by their receive_right objects).
  std::vector<mach_port_name_t> members(boost::system::error_code& ec) const;
  //! Throwing form of members(ec).
  std::vector<mach_port_name_t> members(
      const boost::source_location& loc = BOOST_CURRENT_LOCATION) const {
    return detail::throwing("machio::port_set::members", loc,
                            [&](auto& ec) { return members(ec); });
  }
};

}  // namespace machio

#endif  // MACHIO_PORT_SET_HPP
