// SPDX-License-Identifier: BSL-1.0
// Uses one compiled piece of machio and one call into the Darwin C API (mach-emu on
// Linux), so both libraries and both header trees of the installed package are exercised,
// and a routine the installed machio-mig generated from consumer.defs.
#include "consumer.hpp"  // machio_mig_generate

#include <machio/error.hpp>
#include <machio/mig/layout.hpp>

#include <mach/mach.h>

#include <cstdio>
#include <string_view>

// routine add(server; a; b; out sum): header, NDR, two int32_t.
static_assert(machio::mig::request_layout<consumer::add>.max_size == 24 + 8 + 4 + 4);

int main() {
  if (std::string_view(machio::error_category().name()) != "machio") {
    std::puts("consumer: unexpected error category name");
    return 1;
  }
  mach_port_t port = MACH_PORT_NULL;
  if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS) {
    std::puts("consumer: mach_port_allocate failed");
    return 1;
  }
  if (mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1) != KERN_SUCCESS) {
    std::puts("consumer: releasing the receive right failed");
    return 1;
  }
  std::puts("consumer: ok");
  return 0;
}
