// machd's limits, with small values so that they are reached quickly: connections beyond
// --max-clients are refused with a clear error while the accepted clients go on, and a
// task's sends beyond --max-queued-bytes fail with MACH_SEND_NO_BUFFER until its queued
// messages are received. Each case runs its own daemon on a socket of its own.
#include <mach/mach.h>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "machd_test_util.hpp"
#include "right_accounting.hpp"

using machd_test::child;

namespace {

// A machd in the foreground on a fresh socket, with the given limits; children spawned
// while it lives talk to it.
struct private_daemon {
  std::string dir;
  std::string socket;
  pid_t pid = -1;
  std::string old_socket;
  bool had_socket = false;

  explicit private_daemon(std::vector<std::string> limits) {
    char tmpl[] = "/tmp/machd-limits-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(tmpl));
    dir = tmpl;
    socket = dir + "/machd.sock";
    int ready[2];
    BOOST_REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
    BOOST_REQUIRE(::fcntl(ready[1], F_SETFD, 0) == 0);
    std::vector<std::string> args{MACHD_BINARY, "--socket", socket, "--foreground",
                                  "--idle-timeout", "0", "--ready-fd", std::to_string(ready[1])};
    args.insert(args.end(), limits.begin(), limits.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    BOOST_REQUIRE(posix_spawn(&pid, MACHD_BINARY, nullptr, nullptr, argv.data(), environ) == 0);
    ::close(ready[1]);
    char c = 0;
    BOOST_REQUIRE_EQUAL(::read(ready[0], &c, 1), 1);  // listening
    ::close(ready[0]);
    if (const char* s = std::getenv("MACHEMU_SOCKET")) {
      had_socket = true;
      old_socket = s;
    }
    ::setenv("MACHEMU_SOCKET", socket.c_str(), 1);
  }
  ~private_daemon() {
    if (had_socket)
      ::setenv("MACHEMU_SOCKET", old_socket.c_str(), 1);
    else
      ::unsetenv("MACHEMU_SOCKET");
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    for (const char* f : {"/machd.sock", "/machd.sock.lock"}) ::unlink((dir + f).c_str());
    ::rmdir(dir.c_str());
  }
  // Still running (not crashed).
  bool alive() const { return ::waitpid(pid, nullptr, WNOHANG) == 0; }
};

// A pipe whose read end children inherit: they wait at it until close() here.
struct gate {
  int fd[2] = {-1, -1};
  gate() {
    BOOST_REQUIRE(::pipe2(fd, O_CLOEXEC) == 0);
    BOOST_REQUIRE(::fcntl(fd[0], F_SETFD, 0) == 0);
  }
  std::string arg() const { return std::to_string(fd[0]); }
  void open_now() {
    if (fd[1] >= 0) ::close(fd[1]);
    fd[1] = -1;
  }
  ~gate() {
    if (fd[0] >= 0) ::close(fd[0]);
    open_now();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(machd_limits, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(connections_beyond_max_clients_are_refused_cleanly) {
  private_daemon d({"--max-clients", "2"});
  gate now, later;
  now.open_now();
  // Two clients (one connection each: one thread) fill the daemon...
  child a({"daemon-pid", now.arg(), later.arg()});
  child b({"daemon-pid", now.arg(), later.arg()});
  const std::string pid_line = "pid " + std::to_string(d.pid);
  BOOST_REQUIRE_EQUAL(a.line(), pid_line);
  BOOST_REQUIRE_EQUAL(b.line(), pid_line);
  // ...so a third is refused: its call fails, and it says so.
  child c({"daemon-pid", now.arg()});
  BOOST_CHECK_EQUAL(c.line(), "refused");
  BOOST_CHECK_EQUAL(c.wait(), 3);
  // The daemon is unharmed and the accepted clients go on.
  BOOST_CHECK(d.alive());
  later.open_now();
  BOOST_CHECK_EQUAL(a.line(), pid_line);
  BOOST_CHECK_EQUAL(b.line(), pid_line);
}

BOOST_AUTO_TEST_CASE(sends_beyond_max_queued_bytes_fail_with_no_buffer) {
  // Each message weighs its 24-byte header plus 16 KiB: three fit in 64 KiB, a fourth not.
  private_daemon d({"--max-queued-bytes", "65536"});
  child f({"flood", "16384"});
  char expected[64];
  std::snprintf(expected, sizeof expected, "sent 3 %x", static_cast<unsigned>(MACH_SEND_NO_BUFFER));
  BOOST_CHECK_EQUAL(f.line(), expected);
  // One received gives room for one more.
  BOOST_CHECK_EQUAL(f.line(), "again 0");
  BOOST_CHECK_EQUAL(f.wait(), 0);
  BOOST_CHECK(d.alive());
}

BOOST_AUTO_TEST_SUITE_END()
