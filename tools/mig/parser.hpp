// SPDX-License-Identifier: BSL-1.0
// machio-mig: migcom's grammar (bootstrap_cmds migcom.tproj/parser.y), for the statements
// real .defs files use. Statements that only tune migcom's C output (UserTypeLimit,
// OnStackLimit, ServerDemux, Error, RCSId, UseSpecialReplyPort, ConsumeOnSendError) are
// read and ignored; anything else unknown is an error with its line.
#ifndef MACHIO_MIG_TOOL_PARSER_HPP
#define MACHIO_MIG_TOOL_PARSER_HPP

#include "defs.hpp"
#include "preprocessor.hpp"

namespace machio_mig {

//! Parses preprocessed .defs text. Throws defs_error.
subsystem parse(const std::vector<source_line>& lines);

}  // namespace machio_mig

#endif  // MACHIO_MIG_TOOL_PARSER_HPP
