// SPDX-License-Identifier: BSL-1.0
// `machd status`: the core's state (kern::inspection) as a table to read, or as JSON for
// scripts and tests. Rendered where the core is (machd, or the in-process runtime) and
// carried to the asking client as text, so the wire needs no second format.
#pragma once

#include <string>

#include "kernel/inspection.hpp"

namespace machemu::lib {

enum class status_format : std::uint32_t { text = 0, json = 1 };

// Renders `state`; process names are read from /proc/PID/comm (empty when unreadable).
std::string render_status(const kern::inspection& state, status_format format);

}  // namespace machemu::lib

// The client side, exported by libmachemu for `machd status`: asks the daemon (or the
// in-process core) of this process for its state. Returns a malloc'd NUL-terminated
// string the caller frees, or null with *kr set when the call failed.
extern "C" char* machemu_status(int json, kern_return_t* kr);
