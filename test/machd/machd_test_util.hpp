// Helpers of the machd tests: child processes (test/machd/machd_helper.cpp) with a pipe
// on their stdout, and machd's counts.
#pragma once

#include <mach/mach.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "machd/debug.h"

extern char** environ;

namespace machd_test {

// A helper process; its stdout is read line by line (each line is an event we wait for).
struct child {
  pid_t pid = -1;
  int out = -1;

  explicit child(std::vector<std::string> args) {
    args.insert(args.begin(), MACHD_HELPER);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int p[2];
    BOOST_REQUIRE(::pipe(p) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    BOOST_REQUIRE(posix_spawn(&pid, MACHD_HELPER, &fa, nullptr, argv.data(), environ) == 0);
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

// A service name no other test (or run) uses.
inline std::string unique_name(const char* what) {
  return std::string("machd-test.") + what + "." + std::to_string(::getpid());
}

}  // namespace machd_test
