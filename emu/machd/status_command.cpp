// SPDX-License-Identifier: BSL-1.0
// `machd status [--json]`: every task connected to the user's machd with its port names
// (rights, user references, queue and limit, make-send count, requests, port sets), and
// the bootstrap names with the task serving each. It is one more client of the daemon the
// socket names (started if need be, like any client), so it lists itself too.
#include "machd/status_command.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "lib/status.hpp"

namespace machemu::machd {

int status_command(int argc, char** argv) {
  bool json = false;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) {
      json = true;
    } else if (std::strcmp(argv[i], "--help") == 0) {
      std::printf("usage: machd status [--json]\n"
                  "  the tasks of the running machd (the one $MACHEMU_SOCKET or the default\n"
                  "  socket names) with their port names and rights, and the bootstrap names;\n"
                  "  --json: the same as one JSON object (doc/mach-emu.md describes it)\n");
      return 0;
    } else {
      std::fprintf(stderr, "machd status: unknown argument '%s' (machd status --help)\n", argv[i]);
      return 2;
    }
  }
  kern_return_t kr = KERN_SUCCESS;
  char* text = machemu_status(json ? 1 : 0, &kr);
  if (text == nullptr) {
    std::fprintf(stderr, "machd status: the daemon did not answer: 0x%x\n", static_cast<unsigned>(kr));
    return 1;
  }
  std::fputs(text, stdout);
  std::free(text);
  return 0;
}

}  // namespace machemu::machd
