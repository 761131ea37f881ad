// SPDX-License-Identifier: BSL-1.0
// machio-mig: where a token came from, and the one error type every stage throws.
#ifndef MACHIO_MIG_TOOL_DIAGNOSTIC_HPP
#define MACHIO_MIG_TOOL_DIAGNOSTIC_HPP

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace machio_mig {

//! A line of a .defs file or of a file it includes. The file name is shared by every
//! line and token of that file.
struct location {
  std::shared_ptr<const std::string> file;
  int line = 0;

  std::string to_string() const { return (file ? *file : std::string("<input>")) + ":" + std::to_string(line); }
};

//! A problem in the input, reported as "file:line: message" and ending the run.
class defs_error : public std::runtime_error {
 public:
  defs_error(const location& where, const std::string& message)
      : std::runtime_error(where.to_string() + ": " + message) {}
};

}  // namespace machio_mig

#endif  // MACHIO_MIG_TOOL_DIAGNOSTIC_HPP
