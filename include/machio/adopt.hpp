// SPDX-License-Identifier: BSL-1.0
// machio/adopt.hpp — the tag that says "take ownership of this raw name".
#ifndef MACHIO_ADOPT_HPP
#define MACHIO_ADOPT_HPP

#include <machio/config.hpp>  // first: it checks the language version

namespace machio {

//! Tag type for the constructors that adopt a raw name: the new object owns the right
//! (exactly one uref of it) and releases it on destruction. Explicit so a bare name never
//! becomes an owner by accident.
struct adopt_t {
  explicit adopt_t() = default;
};

//! The adopt tag value: `machio::send_right r(machio::adopt, name);`.
inline constexpr adopt_t adopt{};

}  // namespace machio

#endif  // MACHIO_ADOPT_HPP
