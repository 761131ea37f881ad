// SPDX-License-Identifier: BSL-1.0
// machio/detail/guard.hpp — guard values for receive rights.
#ifndef MACHIO_DETAIL_GUARD_HPP
#define MACHIO_DETAIL_GUARD_HPP

#include <machio/detail/darwin.hpp>

namespace machio::detail {

//! Returns a fresh non-zero guard value, unique within the process and not derivable
//! from earlier ones without the process's random secret.
mach_port_context_t new_guard() noexcept;

}  // namespace machio::detail

#endif  // MACHIO_DETAIL_GUARD_HPP
