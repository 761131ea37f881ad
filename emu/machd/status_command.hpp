// SPDX-License-Identifier: BSL-1.0
// `machd status` (status_command.cpp): what the running machd holds, as lsmp and
// `launchctl print` show it on Darwin.
#pragma once

namespace machemu::machd {

//! Runs `machd status [--json]` (argv holds the arguments after "status"); the process's
//! exit code.
int status_command(int argc, char** argv);

}  // namespace machemu::machd
