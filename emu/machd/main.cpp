// machd's command line. Normally started by the first mach-emu call of a user's process
// (see emu/lib/machd_client.cpp); run it by hand with --foreground --verbose to watch it.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "machd/daemon.hpp"
#include "machd/iokit_command.hpp"
#include "machd/paths.hpp"

namespace {

void usage() {
  std::fprintf(stderr,
               "usage: machd [--socket PATH] [--idle-timeout MS] [--foreground] [--verbose] [limits]\n"
               "       machd iokit publish|terminate|message|list ...  (machd iokit for help)\n"
               "  --socket PATH      listen here (default: $MACHEMU_SOCKET, else\n"
               "                     $XDG_RUNTIME_DIR/machemu/machd.sock, else\n"
               "                     /tmp/machemu-<uid>/machd.sock)\n"
               "  --idle-timeout MS  exit after MS milliseconds without tasks (default 30000;\n"
               "                     0 = never)\n"
               "  --foreground       stay attached to the terminal (started by a client,\n"
               "                     machd detaches itself)\n"
               "  --verbose          log connections and task deaths to stderr\n"
               "  --max-clients N    refuse connections beyond N (one per client thread;\n"
               "                     default 4096)\n"
               "  --max-queued-bytes N\n"
               "                     bytes of one task's sent messages held at most; a send\n"
               "                     beyond fails with MACH_SEND_NO_BUFFER (default 8 MiB)\n"
               "  --usb-root PATH    publish the USB devices of sysfs tree PATH (default /sys,\n"
               "                     hot-plug through udev; another tree: through inotify,\n"
               "                     for fixtures; \"\": none) as IOUSBHostDevice services\n");
}

}  // namespace

int main(int argc, char** argv) {
  // A client of the running daemon, not a daemon.
  if (argc >= 2 && std::strcmp(argv[1], "iokit") == 0) return machemu::machd::iokit_command(argc - 2, argv + 2);
  machemu::machd::options opt;
  bool foreground = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--socket" && has_value) {
      opt.socket = argv[++i];
    } else if (a == "--idle-timeout" && has_value) {
      opt.idle_timeout = std::chrono::milliseconds(std::strtoll(argv[++i], nullptr, 10));
    } else if (a == "--ready-fd" && has_value) {
      opt.ready_fd = static_cast<int>(std::strtol(argv[++i], nullptr, 10));
    } else if (a == "--max-clients" && has_value) {
      opt.max_clients = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--max-queued-bytes" && has_value) {
      opt.max_queued_bytes = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--usb-root" && has_value) {
      opt.usb_root = argv[++i];
    } else if (a == "--foreground") {
      foreground = true;
    } else if (a == "--verbose") {
      opt.verbose = true;
    } else {
      usage();
      return 2;
    }
  }
  if (opt.socket.empty()) {
    std::string error;
    opt.socket = machemu::paths::socket_path(error);
    if (opt.socket.empty()) {
      std::fprintf(stderr, "machd: %s\n", error.c_str());
      return 1;
    }
  }
  // Every client connection and task costs a descriptor: take all the hard limit allows.
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &nofile);
  }
  // A client that dies mid-write must not kill us.
  ::signal(SIGPIPE, SIG_IGN);
  if (!foreground) ::setsid();
  machemu::machd::daemon d(opt);
  if (!d.listen()) return 1;
  return d.run();
}
