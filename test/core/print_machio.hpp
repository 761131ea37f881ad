// SPDX-License-Identifier: BSL-1.0
// Lets Boost.Test print machio's enums in failed assertions.
#pragma once

#include <machio/error.hpp>

#include <ostream>

namespace machio {

inline std::ostream& operator<<(std::ostream& os, error e) {
  return os << make_error_code(e).message() << " (machio:" << static_cast<int>(e) << ")";
}

}  // namespace machio
