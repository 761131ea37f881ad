// SPDX-License-Identifier: BSL-1.0
// demo: the README's first command. Starts the demo server, waits until it has checked in
// its name, starts a watcher and three clients, forwards every line they print, stops the
// server with SIGTERM once the clients are done, and exits 0 only when every process did.
//
// It talks no Mach itself: it is a small process supervisor on Asio. Each child's stdout
// is a pipe read by a coroutine, which is how the demo knows when the server is ready and
// the watcher is watching, without sleeping.
#include "transcript.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

extern char** environ;

namespace {

using boost::asio::awaitable;
using boost::asio::use_awaitable;
constexpr demo::transcript out("demo");

// One child process and the read end of the pipe that is its stdout.
struct child {
  const char* name;  // as the transcript says it
  pid_t pid;
  boost::asio::posix::stream_descriptor output;
  std::string unread;  // bytes read past the last full line
};

// The folder holding the demo's programs: this program's own (Linux names it in /proc),
// else the build folder CMake configured.
std::filesystem::path program_dir() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path(DEMO_PROGRAM_DIR) : self.parent_path();
}

void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Starts \p program from the demo's folder with its stdout on a new pipe.
child start(boost::asio::io_context& io, const char* name, const char* program) {
  int fds[2];
  if (pipe(fds) != 0) throw_errno("pipe");
  // Neither end leaks into later children; dup2 onto the child's stdout clears the flag there.
  for (int fd : fds)
    fcntl(fd, F_SETFD, FD_CLOEXEC);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  const std::string path = (program_dir() / program).string();
  char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
  pid_t pid = 0;
  const int err = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (err != 0) {
    close(fds[0]);
    throw std::system_error(err, std::generic_category(), "starting " + path);
  }
  return {name, pid, boost::asio::posix::stream_descriptor(io, fds[0]), {}};
}

// The next line \p c prints (without its newline), also forwarded to our stdout; empty once
// the child has closed its stdout.
awaitable<std::optional<std::string>> next_line(child& c) {
  auto [ec, n] = co_await boost::asio::async_read_until(
      c.output, boost::asio::dynamic_buffer(c.unread), '\n', boost::asio::as_tuple(use_awaitable));
  if (ec) {  // end of file: the child is exiting; a last line without newline still counts
    if (c.unread.empty()) co_return std::nullopt;
    n = c.unread.size() + 1;
    c.unread += '\n';
  }
  std::string line = c.unread.substr(0, n - 1);
  c.unread.erase(0, n);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
  co_return line;
}

// Forwards \p c's lines until one starts with \p prefix: true; false if \p c stops first.
awaitable<bool> forward_until(child& c, std::string_view prefix) {
  while (auto line = co_await next_line(c))
    if (line->starts_with(prefix)) co_return true;
  co_return false;
}

// Forwards the rest of \p c's lines, then reaps it. Returns true when it exited with 0.
awaitable<bool> finish(child& c) {
  while (co_await next_line(c)) {
  }
  int status = 0;
  while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) co_return true;
  if (WIFSIGNALED(status))
    out.say("FAILED: %s (pid %d) was killed by signal %d", c.name, static_cast<int>(c.pid),
            WTERMSIG(status));
  else
    out.say("FAILED: %s (pid %d) exited with status %d", c.name, static_cast<int>(c.pid),
            WEXITSTATUS(status));
  co_return false;
}

// Asks the server to shut down gracefully.
void stop(const child& server) {
  out.say("stopping the server: SIGTERM to pid %d", static_cast<int>(server.pid));
  kill(server.pid, SIGTERM);
}

// Waits for the clients, then stops the server. True when every client succeeded.
awaitable<bool> clients_then_stop(std::array<child, 3>& clients, const child& server) {
  using namespace boost::asio::experimental::awaitable_operators;
  const auto [a, b, c] = co_await (finish(clients[0]) && finish(clients[1]) && finish(clients[2]));
  const bool ok = a && b && c;
  out.say(ok ? "all three clients are done" : "the clients are done, not all of them well");
  stop(server);
  co_return ok;
}

// The programs the demo starts, all built next to it.
constexpr std::array programs{"demo_server", "demo_watcher", "demo_client_echo",
                              "demo_client_callback", "demo_client_checksum"};

awaitable<bool> run_demo(boost::asio::io_context& io) {
  using namespace boost::asio::experimental::awaitable_operators;
  // Checked first, so that a missing program never leaves a server running.
  for (const char* program : programs) {
    if (access((program_dir() / program).c_str(), X_OK) != 0) {
      out.say(
          "FAILED: %s is missing next to the demo (build the `demo` target: it builds them all)",
          program);
      co_return false;
    }
  }
  out.say(
      "starting a Mach server, then, once it has checked in its name, "
      "a watcher and clients A, B and C");
  out.say(
      "each is a process of its own; each line says who speaks "
      "(machd, mach-emu's kernel, starts by itself)");
  child server = start(io, "the server", "demo_server");
  if (!co_await forward_until(server, "server: ready")) {
    out.say("FAILED: the server stopped before it was ready");
    co_await finish(server);
    co_return false;
  }
  out.say("the server (pid %d) has checked in \"org.machio.demo\"; starting the watcher",
          static_cast<int>(server.pid));
  child watcher = start(io, "the watcher", "demo_watcher");
  if (!co_await forward_until(watcher, "watcher: watching")) {
    out.say("FAILED: the watcher stopped before it was watching");
    stop(server);
    co_await (finish(server) && finish(watcher));
    co_return false;
  }
  out.say("starting clients A, B and C at once");
  std::array<child, 3> clients{start(io, "client A", "demo_client_echo"),
                               start(io, "client B", "demo_client_callback"),
                               start(io, "client C", "demo_client_checksum")};
  // Everything at once: the server's and the watcher's lines keep flowing while the
  // clients run; the server ends after the SIGTERM, the watcher after the server.
  const auto [server_ok, watcher_ok, clients_ok] =
      co_await (finish(server) && finish(watcher) && clients_then_stop(clients, server));
  const bool ok = server_ok && watcher_ok && clients_ok;
  co_return ok;
}

}  // namespace

int main() {
  // A child that exits early must not kill us with SIGPIPE; errors are reported instead.
  std::signal(SIGPIPE, SIG_IGN);
  boost::asio::io_context io;
  bool ok = false;
  boost::asio::co_spawn(io, run_demo(io), [&ok](std::exception_ptr failure, bool result) {
    ok = result;
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      out.say("FAILED: %s", e.what());
    }
  });
  io.run();
  if (ok) out.say("every process exited with status 0");
  out.say(ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
