// SPDX-License-Identifier: BSL-1.0
// A forked child process for the two-process asio tests (through machd on Linux). The
// child reports only through its exit status, so no Boost.Test macro runs in it.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace machio_test {

// Fails the test unless processes talk through machd (two processes cannot share the
// in-process core).
inline void require_machd() {
  const char* mode = std::getenv("MACHEMU_MODE");
  BOOST_TEST_REQUIRE((mode == nullptr || std::strcmp(mode, "inprocess") != 0),
                     "two processes talk through machd, not the in-process core");
}

// Forks a child that runs `body(ready_fd)` and exits with what it returns (98 when it
// throws). Returns once the child has called signal_ready(ready_fd), or fails the test
// when it exited before. A watchdog alarm kills a child that hangs.
template <class Body>
pid_t start_child(Body body, unsigned watchdog_seconds = 90) {
  int fds[2];
  BOOST_REQUIRE(pipe(fds) == 0);
  const pid_t child = fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    // Boost.Test's signal handlers and exception catching would carry on running tests in
    // the child: a crash must end it instead.
    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGALRM}) std::signal(sig, SIG_DFL);
    close(fds[0]);
    alarm(watchdog_seconds);  // a watchdog, not a synchronisation
    int rc = 99;
    try {
      rc = body(fds[1]);
    } catch (...) {
      rc = 98;
    }
    _exit(rc);
  }
  close(fds[1]);
  char ready = 0;
  ssize_t n;
  do {
    n = read(fds[0], &ready, 1);  // blocks until the child is ready (or died)
  } while (n < 0 && errno == EINTR);
  close(fds[0]);
  BOOST_REQUIRE_MESSAGE(n == 1, "the child failed before it was ready");
  return child;
}

// In the child: tells start_child that it is ready. 0, or 11 when the pipe failed.
inline int signal_ready(int ready_fd) {
  const char ready = 1;
  const bool ok = write(ready_fd, &ready, 1) == 1;
  close(ready_fd);
  return ok ? 0 : 11;
}

// Waits for the child: its exit status, 1000 + the signal that killed it, or a negative
// value when it could not be waited for.
inline int reap(pid_t child) {
  int status = 0;
  if (waitpid(child, &status, 0) != child) return -1;
  if (WIFSIGNALED(status)) return 1000 + WTERMSIG(status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}

}  // namespace machio_test
