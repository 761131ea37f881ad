// SPDX-License-Identifier: BSL-1.0
// machio-mig: a subsystem as C++ — one machio::mig::routine / simpleroutine per routine.
#ifndef MACHIO_MIG_TOOL_EMIT_CPP_HPP
#define MACHIO_MIG_TOOL_EMIT_CPP_HPP

#include "defs.hpp"

#include <string>

namespace machio_mig {

struct emit_options {
  std::string namespace_name;  //!< empty: the subsystem's name
  std::string source_name;     //!< the .defs file, named in the header's first line
};

//! The header declaring every routine of \p s. Throws defs_error for an argument machio
//! cannot carry the way MIG does (each named with its line).
std::string emit_cpp(const subsystem& s, const emit_options& options);

}  // namespace machio_mig

#endif  // MACHIO_MIG_TOOL_EMIT_CPP_HPP
