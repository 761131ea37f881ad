// SPDX-License-Identifier: BSL-1.0
// `machd iokit ...` (iokit_command.cpp): the IOKit registry from a shell.
#pragma once

namespace machemu::machd {

//! Runs `machd iokit <argv...>` (argv[0] is the subcommand); the process's exit code.
int iokit_command(int argc, char** argv);

}  // namespace machemu::machd
