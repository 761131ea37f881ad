// SPDX-License-Identifier: BSL-1.0
// machd starting itself: many processes making their first call at the same moment, with
// no daemon running, end up served by exactly one daemon, which exits once they are gone.
// The children use a socket directory of their own (created here, empty), so the daemon
// they start is theirs alone; this process keeps talking to the test's daemon.
#include <mach/mach.h>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "machd/wire.hpp"
#include "machd_test_util.hpp"
#include "right_accounting.hpp"

using machd_test::child;

namespace {

// The processes whose command line has `--socket path`: the daemons serving `path`.
std::vector<pid_t> daemons_serving(const std::string& path) {
  std::vector<pid_t> found;
  DIR* d = ::opendir("/proc");
  BOOST_REQUIRE(d);
  while (const dirent* e = ::readdir(d)) {
    const pid_t pid = static_cast<pid_t>(std::atol(e->d_name));
    if (pid <= 0) continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/cmdline", std::ios::binary);
    const std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> args;
    for (std::size_t at = 0; at < cmd.size();) {
      const std::size_t end = cmd.find('\0', at);
      args.push_back(cmd.substr(at, end - at));
      at = end == std::string::npos ? cmd.size() : end + 1;
    }
    for (std::size_t i = 0; i + 1 < args.size(); ++i)
      if (args[i] == "--socket" && args[i + 1] == path) found.push_back(pid);
  }
  ::closedir(d);
  return found;
}

// Sets an environment variable for the children spawned in this scope.
struct scoped_env {
  std::string name;
  std::string old;
  bool had;
  scoped_env(const char* n, const std::string& v) : name(n) {
    const char* o = std::getenv(n);
    had = o != nullptr;
    if (had) old = o;
    ::setenv(n, v.c_str(), 1);
  }
  ~scoped_env() {
    if (had)
      ::setenv(name.c_str(), old.c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(machd_startup, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(sixteen_first_callers_at_once_start_exactly_one_daemon) {
  char dir_template[] = "/tmp/machd-startup-XXXXXX";
  const char* dir = ::mkdtemp(dir_template);
  BOOST_REQUIRE(dir);
  const std::string socket = std::string(dir) + "/machd.sock";
  BOOST_REQUIRE(daemons_serving(socket).empty());

  // The gate: every child blocks reading it until this process closes the write end
  // (close-on-exec, so no child holds it open).
  int gate[2];
  BOOST_REQUIRE(::pipe2(gate, O_CLOEXEC) == 0);
  BOOST_REQUIRE(::fcntl(gate[0], F_SETFD, 0) == 0);
  constexpr int n = 16;
  std::vector<std::unique_ptr<child>> children;
  {
    const scoped_env sock("MACHEMU_SOCKET", socket);
    // Short, so that the daemon's exit below comes soon after the children are gone.
    const scoped_env idle("MACHEMU_MACHD_IDLE_MS", "200");
    for (int i = 0; i < n; ++i)
      children.push_back(std::make_unique<child>(
          std::vector<std::string>{"daemon-pid", std::to_string(gate[0])}));
  }
  ::close(gate[0]);
  ::close(gate[1]);  // go

  std::vector<unsigned long long> seen;
  for (auto& c : children) {
    unsigned long long pid = 0;
    const std::string line = c->line();
    BOOST_REQUIRE_MESSAGE(std::sscanf(line.c_str(), "pid %llu", &pid) == 1, "child said: " << line);
    seen.push_back(pid);
  }
  // Every child was served by the same daemon, and no other daemon for that socket exists.
  for (unsigned long long pid : seen) BOOST_CHECK_EQUAL(pid, seen.front());
  const std::vector<pid_t> daemons = daemons_serving(socket);
  BOOST_REQUIRE_EQUAL(daemons.size(), 1u);
  BOOST_CHECK_EQUAL(static_cast<unsigned long long>(daemons.front()), seen.front());

  // With its clients gone the daemon exits after its idle period and takes its socket
  // file with it.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, daemons.front(), 0));
  BOOST_REQUIRE(pidfd >= 0);
  children.clear();  // SIGKILL and reap
  pollfd p{pidfd, POLLIN, 0};
  BOOST_CHECK_EQUAL(::poll(&p, 1, 20000), 1);
  ::close(pidfd);
  struct stat st {};
  BOOST_CHECK(::stat(socket.c_str(), &st) != 0);
  for (const char* leftover : {"/machd.sock.lock", "/machd.sock.start"})
    ::unlink((std::string(dir) + leftover).c_str());
  BOOST_CHECK(::rmdir(dir) == 0);
}

// After an upgrade, a daemon of the old build may still serve the socket. Its answer says
// which wire version it speaks, so the client names the problem once instead of retrying
// or starting a second daemon. This process plays the old daemon.
BOOST_AUTO_TEST_CASE(a_daemon_of_another_wire_version_is_named) {
  char dir_template[] = "/tmp/machd-version-XXXXXX";
  const char* dir = ::mkdtemp(dir_template);
  BOOST_REQUIRE(dir);
  const std::string socket = std::string(dir) + "/machd.sock";
  const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
  BOOST_REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  BOOST_REQUIRE(::listen(listener, 4) == 0);

  int gate[2];
  BOOST_REQUIRE(::pipe2(gate, O_CLOEXEC) == 0);
  BOOST_REQUIRE(::fcntl(gate[0], F_SETFD, 0) == 0);
  std::unique_ptr<child> c;
  {
    const scoped_env sock("MACHEMU_SOCKET", socket);
    c = std::make_unique<child>(std::vector<std::string>{"daemon-pid", std::to_string(gate[0])}, true);
  }
  ::close(gate[0]);
  ::close(gate[1]);

  const int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  BOOST_REQUIRE(conn >= 0);
  machemu::wire::header hello{};
  BOOST_REQUIRE_EQUAL(::recv(conn, &hello, sizeof hello, MSG_WAITALL), static_cast<ssize_t>(sizeof hello));
  BOOST_CHECK_EQUAL(hello.version, machemu::wire::version);
  const machemu::wire::header old{machemu::wire::magic, static_cast<std::uint16_t>(machemu::wire::version + 1),
                                  hello.op, 0, 0};
  BOOST_REQUIRE_EQUAL(::send(conn, &old, sizeof old, MSG_NOSIGNAL), static_cast<ssize_t>(sizeof old));
  ::close(conn);

  const std::string why = c->line();
  BOOST_TEST(why.find("speaks wire version " + std::to_string(machemu::wire::version + 1)) != std::string::npos,
             why);
  BOOST_CHECK_EQUAL(c->line(), "refused");
  BOOST_CHECK_EQUAL(c->wait(), 3);
  // No second connection (no retry) and no daemon started beside ours.
  pollfd p{listener, POLLIN, 0};
  BOOST_CHECK_EQUAL(::poll(&p, 1, 0), 0);
  BOOST_CHECK(daemons_serving(socket).empty());
  ::close(listener);
  ::unlink(socket.c_str());
  for (const char* leftover : {"/machd.sock.lock", "/machd.sock.start"})
    ::unlink((std::string(dir) + leftover).c_str());
  BOOST_CHECK(::rmdir(dir) == 0);
}

// machd's command line: --help and --version answer on stdout and succeed; a value that is
// not a number, a missing value and an unknown option are refused with exit status 2 and
// a message naming the option, before anything starts.
BOOST_AUTO_TEST_CASE(the_command_line_says_what_it_refuses) {
  {
    child c(MACHD_BINARY, {"--help"}, false);
    BOOST_TEST(c.line().starts_with("usage: machd"));
    BOOST_TEST(c.wait() == 0);
  }
  {
    child c(MACHD_BINARY, {"--version"}, false);
    BOOST_TEST(c.line().starts_with("machd (mach-emu) "));
    BOOST_TEST(c.wait() == 0);
  }
  const std::vector<std::pair<std::vector<std::string>, std::string>> refused{
      {{"--idle-timeout", "abc"}, "machd: --idle-timeout: 'abc' is not a number"},
      {{"--idle-timeout", "-1"}, "machd: --idle-timeout: '-1' is not a number"},
      {{"--max-clients", "12x"}, "machd: --max-clients: '12x' is not a number"},
      {{"--socket"}, "machd: --socket needs a value"},
      {{"--frobnicate"}, "machd: unknown option '--frobnicate'"},
  };
  for (const auto& [args, message] : refused) {
    child c(MACHD_BINARY, args, true);
    BOOST_TEST(c.line().starts_with(message), message);
    BOOST_TEST(c.wait() == 2);
  }
}

BOOST_AUTO_TEST_SUITE_END()
