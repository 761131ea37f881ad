// SPDX-License-Identifier: BSL-1.0
// machd's command line. Normally started by the first mach-emu call of a user's process
// (see emu/lib/machd_client.cpp); run it by hand with --foreground --verbose to watch it.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "machd/cli.hpp"
#include "machd/daemon.hpp"
#include "machd/iokit_command.hpp"
#include "machd/paths.hpp"
#include "machd/status_command.hpp"
#include "machd/wire.hpp"

namespace {

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: machd [--socket PATH] [--idle-timeout MS] [--foreground] [--verbose] [limits]\n"
               "       machd --help | --version\n"
               "       machd iokit publish|terminate|message|list ...  (machd iokit for help)\n"
               "       machd status [--json]  (the running daemon's tasks, ports and names)\n"
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
  if (argc >= 2 && std::strcmp(argv[1], "status") == 0) return machemu::machd::status_command(argc - 2, argv + 2);
  machemu::machd::options opt;
  bool foreground = false;
  // Each option's value, refused with a message naming the option when it is not one.
  int i = 1;
  const auto value = [&](const char* option) -> const char* {
    if (i + 1 >= argc) {
      std::fprintf(stderr, "machd: %s needs a value (machd --help)\n", option);
      return nullptr;
    }
    return argv[++i];
  };
  const auto number = [&](const char* option, std::uint64_t max, std::uint64_t& out) {
    const char* v = value(option);
    if (v == nullptr) return false;
    if (machemu::machd::parse_unsigned(v, max, out)) return true;
    std::fprintf(stderr, "machd: %s: '%s' is not a number from 0 to %llu\n", option, v,
                 static_cast<unsigned long long>(max));
    return false;
  };
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    std::uint64_t n = 0;
    if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else if (a == "--version") {
      std::printf("machd (mach-emu) %s, wire protocol %u\n", MACHEMU_VERSION,
                  static_cast<unsigned>(machemu::wire::version));
      return 0;
    } else if (a == "--socket") {
      const char* v = value("--socket");
      if (v == nullptr) return 2;
      opt.socket = v;
    } else if (a == "--idle-timeout") {
      if (!number("--idle-timeout", std::uint64_t{1} << 40, n)) return 2;
      opt.idle_timeout = std::chrono::milliseconds(n);
    } else if (a == "--ready-fd") {
      if (!number("--ready-fd", 1u << 30, n)) return 2;
      opt.ready_fd = static_cast<int>(n);
    } else if (a == "--max-clients") {
      if (!number("--max-clients", 1u << 30, n)) return 2;
      opt.max_clients = n;
    } else if (a == "--max-queued-bytes") {
      if (!number("--max-queued-bytes", std::uint64_t{1} << 48, n)) return 2;
      opt.max_queued_bytes = n;
    } else if (a == "--usb-root") {
      const char* v = value("--usb-root");
      if (v == nullptr) return 2;
      opt.usb_root = v;
    } else if (a == "--foreground") {
      foreground = true;
    } else if (a == "--verbose") {
      opt.verbose = true;
    } else {
      std::fprintf(stderr, "machd: unknown option '%s'\n", a.c_str());
      usage(stderr);
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
