// SPDX-License-Identifier: BSL-1.0
// machio-mig: the C preprocessor subset .defs files are written for.
//
// Apple's `mig` runs the C compiler's preprocessor before migcom; machio-mig does the same
// work itself so that it needs no compiler driver and behaves alike on every host:
// comments, line continuations, #include "..." and <...> (searched in the including
// file's folder, then the -I folders), #define (object-like, and function-like with # and
// ##, each call on one line) and #undef, and #if/#ifdef/#ifndef/#elif/#else/#endif with
// defined(), integers, ! && || == != < > <= >= + - and parentheses. #pragma and #line are
// ignored; #error stops the run. __LP64__ is predefined, as for every 64-bit Darwin target.
#ifndef MACHIO_MIG_TOOL_PREPROCESSOR_HPP
#define MACHIO_MIG_TOOL_PREPROCESSOR_HPP

#include "diagnostic.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace machio_mig {

//! One line of preprocessed text and where it was written.
struct source_line {
  location where;
  std::string text;
};

struct preprocessor_options {
  std::vector<std::filesystem::path> include_dirs;  //!< searched in order after the includer's folder
  std::map<std::string, std::string> defines;        //!< -D NAME[=VALUE]; VALUE defaults to 1
};

struct preprocessed {
  std::vector<source_line> lines;
  std::vector<std::filesystem::path> files;  //!< every file read, the input first (for a depfile)
};

//! Preprocesses \p file. Throws defs_error for a missing include, an unbalanced
//! conditional, #error or a directive it does not implement.
preprocessed preprocess(const std::filesystem::path& file, const preprocessor_options& options);

}  // namespace machio_mig

#endif  // MACHIO_MIG_TOOL_PREPROCESSOR_HPP
