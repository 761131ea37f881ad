// SPDX-License-Identifier: BSL-1.0
// machio/bootstrap.hpp — the bootstrap name service with typed rights.
#ifndef MACHIO_BOOTSTRAP_HPP
#define MACHIO_BOOTSTRAP_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/detail/throwing.hpp>
#include <machio/receive_right.hpp>
#include <machio/send_right.hpp>

#include <string_view>

namespace machio::bootstrap {

//! Looks \p name up in the task's bootstrap server and returns an owned send right to the
//! service. Unknown names fail with BOOTSTRAP_UNKNOWN_SERVICE (bootstrap category, equal
//! to errc::no_such_file_or_directory); names of BOOTSTRAP_MAX_NAME_LEN bytes or more
//! with machio::error::name_too_long.
send_right look_up(std::string_view name, boost::system::error_code& ec);
//! Throwing form of look_up(name, ec).
inline send_right look_up(std::string_view name,
                          const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
  return detail::throwing("machio::bootstrap::look_up", loc,
                          [&](auto& ec) { return look_up(name, ec); });
}

//! Checks in as the server of \p name and returns its receive right, guarded with a
//! fresh secret. The bootstrap server decides which names a process may check in.
receive_right check_in(std::string_view name, boost::system::error_code& ec);
//! Throwing form of check_in(name, ec).
inline receive_right check_in(std::string_view name,
                              const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
  return detail::throwing("machio::bootstrap::check_in", loc,
                          [&](auto& ec) { return check_in(name, ec); });
}

//! Registers \p right under \p name (bootstrap_register: deprecated on macOS, still
//! present). The server gets its own copy of the send right; the caller keeps \p right.
//! BOOTSTRAP_SERVICE_ACTIVE when the name is taken.
void register_name(std::string_view name, const send_right& right, boost::system::error_code& ec);
//! Throwing form of register_name(name, right, ec).
inline void register_name(std::string_view name, const send_right& right,
                          const boost::source_location& loc = BOOST_CURRENT_LOCATION) {
  detail::throwing("machio::bootstrap::register_name", loc,
                   [&](auto& ec) { register_name(name, right, ec); });
}

}  // namespace machio::bootstrap

#endif  // MACHIO_BOOTSTRAP_HPP
