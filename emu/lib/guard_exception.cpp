// SPDX-License-Identifier: BSL-1.0
// EXC_GUARD for Mach port guards, on request.
//
// XNU raises EXC_GUARD (GUARD_TYPE_MACH_PORT) when a task breaks a port guard: a wrong
// guard on mach_port_destruct or mach_port_unguard, mod_refs(RECEIVE, -1) or
// mach_port_destroy on a guarded port, set_context on a strict guard... The flavors up to
// kGUARD_EXC_MSG_FILTERED are always fatal; the others only for tasks with the
// TASK_EXC_GUARD_MP_FATAL policy (osfmk/ipc/mach_port.c, mach_port_guard_exception). The
// process is killed, with the exception's code in its crash report.
//
// mach-emu records the same exception for every such call and by default lets the program
// go on with the call's error, so that tests can see the code. MACHEMU_GUARD_EXCEPTIONS
// makes it as fatal as on a Mac, so that a program that breaks a guard cannot pass here and
// die there:
//   fatal  the flavors XNU always kills for (kGUARD_EXC_DESTROY ... kGUARD_EXC_MSG_FILTERED);
//   all    every flavor, as for a task with TASK_EXC_GUARD_MP_FATAL.
// The process then writes the exception to stderr and dies of SIGKILL, as EXC_GUARD kills
// on macOS.
#include <mach/port.h>

#include <signal.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "lib/transport.hpp"

namespace machemu::lib {

namespace {

enum class policy { off, fatal, all };

policy current_policy() {
  const char* v = std::getenv("MACHEMU_GUARD_EXCEPTIONS");
  if (!v) return policy::off;
  if (std::strcmp(v, "fatal") == 0) return policy::fatal;
  if (std::strcmp(v, "all") == 0) return policy::all;
  return policy::off;
}

const char* flavor_name(std::uint32_t flavor) {
  switch (flavor) {
    case kGUARD_EXC_DESTROY: return "kGUARD_EXC_DESTROY";
    case kGUARD_EXC_MOD_REFS: return "kGUARD_EXC_MOD_REFS";
    case kGUARD_EXC_SET_CONTEXT: return "kGUARD_EXC_SET_CONTEXT";
    case kGUARD_EXC_UNGUARDED: return "kGUARD_EXC_UNGUARDED";
    case kGUARD_EXC_INCORRECT_GUARD: return "kGUARD_EXC_INCORRECT_GUARD";
    case kGUARD_EXC_IMMOVABLE: return "kGUARD_EXC_IMMOVABLE";
    case kGUARD_EXC_KERN_FAILURE: return "kGUARD_EXC_KERN_FAILURE";
    case kGUARD_EXC_SEND_INVALID_RIGHT: return "kGUARD_EXC_SEND_INVALID_RIGHT";
    default: return "kGUARD_EXC";
  }
}

}  // namespace

void deliver_guard_exception(std::uint64_t code, std::uint64_t subcode) {
  const policy p = current_policy();
  if (p == policy::off) return;
  const auto flavor = static_cast<std::uint32_t>((code >> 32) & 0x1FFFFFFFu);
  const bool always_fatal = flavor <= kGUARD_EXC_MSG_FILTERED;
  if (p == policy::fatal && !always_fatal) return;
  const auto port = static_cast<std::uint32_t>(code);
  char line[256];
  const int n = std::snprintf(line, sizeof line,
                              "mach-emu: EXC_GUARD (GUARD_TYPE_MACH_PORT) %s (0x%" PRIx32
                              ") on port 0x%" PRIx32 ": code 0x%016" PRIx64
                              ", subcode 0x%016" PRIx64 "\n",
                              flavor_name(flavor), flavor, port, code, subcode);
  if (n > 0) {
    [[maybe_unused]] const ssize_t w = ::write(STDERR_FILENO, line, static_cast<std::size_t>(n));
  }
  ::kill(::getpid(), SIGKILL);
  std::_Exit(128 + SIGKILL);  // not reached
}

}  // namespace machemu::lib
