// SPDX-License-Identifier: BSL-1.0
// Helpers of the machd tests: child processes (test/machd/machd_helper.cpp) with a pipe
// on their stdout, machd's counts and descriptors, a daemon of a test's own.
#pragma once

#include <mach/mach.h>
#include <servers/bootstrap.h>

#include <dirent.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "machd/debug.h"
#include "right_accounting.hpp"

extern char** environ;

namespace machd_test {

// A helper process; its stdout is read line by line (each line is an event we wait for).
struct child {
  pid_t pid = -1;
  int out = -1;

  // Runs the helper with \p args; its stdout (and with \p with_stderr its stderr too)
  // is read through line().
  explicit child(std::vector<std::string> args, bool with_stderr = false)
      : child(MACHD_HELPER, std::move(args), with_stderr) {}
  // The same with another program.
  child(const char* program, std::vector<std::string> args, bool with_stderr) {
    args.insert(args.begin(), program);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int p[2];
    BOOST_REQUIRE(::pipe(p) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    if (with_stderr) posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    BOOST_REQUIRE(posix_spawn(&pid, program, &fa, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    ::close(p[1]);
    out = p[0];
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;
  ~child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (out >= 0) ::close(out);
  }
  // The next line of output ("" at end of file).
  std::string line() {
    std::string s;
    char c;
    while (::read(out, &c, 1) == 1 && c != '\n') s += c;
    return s;
  }
  // The next line within \p ms milliseconds, or nullopt (then the test fails, not hangs).
  std::optional<std::string> line_within(int ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    std::string s;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{out, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) return std::nullopt;
      char c;
      if (::read(out, &c, 1) != 1) return std::nullopt;
      if (c == '\n') return s;
      s += c;
    }
  }
  // Waits for the exit; returns the status (-1 when killed by a signal).
  int wait() {
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  void kill9() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }
};

inline struct machemu_machd_counts counts() {
  struct machemu_machd_counts c {};
  BOOST_REQUIRE(machemu_machd_get_counts(&c) == 0);
  return c;
}

// Right accounting plus machd's counts: the same tasks and ports at the end.
struct counted : machio_test::right_accounting {
  struct machemu_machd_counts before = counts();
  ~counted() {
    const struct machemu_machd_counts after = counts();
    BOOST_CHECK_EQUAL(after.tasks, before.tasks);
    BOOST_CHECK_EQUAL(after.ports, before.ports);
  }
};

// How many descriptors machd has open (its /proc/<pid>/fd entries). Call counts() first
// so that the tasks of processes that exited are gone.
inline int machd_fds() {
  const std::string dir = "/proc/" + std::to_string(counts().pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  BOOST_REQUIRE(d);
  int n = 0;
  while (const dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n;
}

// A machd in the foreground on a fresh socket, with the given limits. The test process
// sets MACHEMU_SOCKET to it while it lives: children spawned meanwhile, and the test
// process itself when it had not called into mach-emu yet, talk to it.
struct private_daemon {
  std::string dir;
  std::string socket;
  pid_t pid = -1;
  std::string old_socket;
  bool had_socket = false;

  explicit private_daemon(std::vector<std::string> limits) {
    char tmpl[] = "/tmp/machd-private-XXXXXX";
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
  private_daemon(const private_daemon&) = delete;
  private_daemon& operator=(const private_daemon&) = delete;
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

// A pipe whose read end children inherit: they wait at it until open_now().
struct gate {
  int fd[2] = {-1, -1};
  gate() {
    BOOST_REQUIRE(::pipe2(fd, O_CLOEXEC) == 0);
    BOOST_REQUIRE(::fcntl(fd[0], F_SETFD, 0) == 0);
  }
  gate(const gate&) = delete;
  gate& operator=(const gate&) = delete;
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

// A fresh receive right, and its release.
inline mach_port_t new_receive() {
  mach_port_t p = MACH_PORT_NULL;
  BOOST_REQUIRE(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p) == KERN_SUCCESS);
  return p;
}
inline void drop_receive(mach_port_t p) {
  BOOST_CHECK(mach_port_mod_refs(mach_task_self(), p, MACH_PORT_RIGHT_RECEIVE, -1) == KERN_SUCCESS);
}

// Releases every uref of the dead name `p` (a peer's port that died).
inline void drop_dead_name(mach_port_t p) {
  mach_port_urefs_t refs = 0;
  BOOST_REQUIRE(mach_port_get_refs(mach_task_self(), p, MACH_PORT_RIGHT_DEAD_NAME, &refs) ==
                KERN_SUCCESS);
  BOOST_CHECK(mach_port_mod_refs(mach_task_self(), p, MACH_PORT_RIGHT_DEAD_NAME,
                                 -static_cast<mach_port_delta_t>(refs)) == KERN_SUCCESS);
}

// Sends a bare header with id `id` to `dest`, moving a right made by `disp`.
inline void send_header(mach_port_t dest, mach_msg_type_name_t disp, mach_msg_id_t id = 0) {
  mach_msg_header_t m{};
  m.msgh_bits = MACH_MSGH_BITS(disp, 0);
  m.msgh_size = sizeof m;
  m.msgh_remote_port = dest;
  m.msgh_id = id;
  BOOST_REQUIRE_EQUAL(mach_msg(&m, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL),
                      MACH_MSG_SUCCESS);
}

// Brings a `hold NAME` child to where it received one message and blocks for good:
// returns our send right to its port, where further messages stay queued.
inline mach_port_t holding(child& holder, const std::string& name) {
  BOOST_REQUIRE_EQUAL(holder.line(), "ready");
  mach_port_t service = MACH_PORT_NULL;
  BOOST_REQUIRE_EQUAL(bootstrap_look_up(bootstrap_port, name.c_str(), &service), KERN_SUCCESS);
  send_header(service, MACH_MSG_TYPE_COPY_SEND);
  BOOST_REQUIRE_EQUAL(holder.line(), "ready");
  return service;
}

// A service name no other test (or run) uses.
inline std::string unique_name(const char* what) {
  return std::string("machd-test.") + what + "." + std::to_string(::getpid());
}

}  // namespace machd_test
