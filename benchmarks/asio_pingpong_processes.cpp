// SPDX-License-Identifier: BSL-1.0
// The two-process ping-pong: a forked child registers a port under a fresh bootstrap name
// and echoes every message back to the parent, which times the round trips. The raw
// variant blocks in mach_msg on both sides; the machio variant runs callbacks on an
// io_context in each process. On Linux the processes talk through machd (the default
// mode); on Darwin through the kernel.
#include "asio_pingpong.hpp"

#include <machio/bootstrap.hpp>

#include <boost/asio/io_context.hpp>

#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace asio = boost::asio;
using boost::system::error_code;

namespace pingpong {
namespace {

constexpr int round_trips = 2000;  // each mach_msg is a round trip to machd on Linux
constexpr int runs = 5;

// The child: answers `n` messages, the first of which carries the parent's send right
// as its reply right. Exits with 0 when all went well.
int echo(const std::string& name, bool use_machio, int ready_fd, int n) {
  error_code ec;
  machio::port_pair pair = machio::receive_right::allocate_pair(machio::port_options{}, ec);
  if (ec) return 10;
  machio::bootstrap::register_name(name, pair.send, ec);
  if (ec) return 11;
  const char ready = 1;
  if (write(ready_fd, &ready, 1) != 1) return 12;
  close(ready_fd);
  if (!use_machio) {
    raw_buffer buf{};
    raw_receive(buf, pair.receive.get());
    const mach_port_t peer = buf.h.msgh_remote_port;  // MAKE_SEND'd by the parent: ours now
    for (int i = 0; i < n; ++i) {
      if (i > 0) raw_receive(buf, pair.receive.get());
      raw_send(buf, peer);
    }
    mach_port_deallocate(mach_task_self(), peer);
    return 0;
  }
  asio::io_context io(1);
  machio::receive_port port(io, std::move(pair.receive));
  machio::send_right peer;
  // The first message: take the parent's right, answer, then bounce the rest.
  port.async_receive([&](error_code e, machio::received_message m) {
    check(!e, "first async_receive");
    auto reply = m.take_reply();
    check(std::holds_alternative<machio::send_right>(reply), "the parent's send right");
    peer = std::move(std::get<machio::send_right>(reply));
    machio::async_send(io, ping_to(peer), [](error_code se, machio::message) { check(!se, "async_send"); });
  });
  io.run();
  io.restart();
  callback_end end{port, peer, n - 1, true};
  end.receive();
  io.run();
  return 0;
}

// Starts the echo child and returns its pid and a send right to its port.
pid_t start_echo(bool use_machio, machio::send_right& service) {
  static int serial = 0;
  const std::string name =
      "org.machio.bench.pingpong." + std::to_string(getpid()) + "." + std::to_string(serial++);
  int fds[2];
  check(pipe(fds) == 0, "pipe");
  const pid_t child = fork();
  check(child >= 0, "fork");
  if (child == 0) {
    close(fds[0]);
    _exit(echo(name, use_machio, fds[1], round_trips));
  }
  close(fds[1]);
  char ready = 0;
  check(read(fds[0], &ready, 1) == 1, "the echo child's start");
  close(fds[0]);
  service = machio::bootstrap::look_up(name);
  return child;
}

void finish(pid_t child) {
  int status = 0;
  check(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0, "the echo child");
}

// The parent's first message: the ping, with a send right to `home` for the answers.
void hello(const machio::send_right& service, const machio::send_right& home) {
  machio::send(machio::message_builder(1).destination(service).reply_to(home).append_value(payload{}).build());
}

double raw_run() {
  machio::send_right service;
  const pid_t child = start_echo(false, service);
  machio::port_pair home = machio::receive_right::allocate_pair();
  raw_buffer buf{};
  const auto t0 = clock_type::now();
  hello(service, home.send);
  for (int i = 0; i < round_trips; ++i) {
    raw_receive(buf, home.receive.get());
    if (i + 1 < round_trips) raw_send(buf, service.get());
  }
  const double ns = ns_per(t0, round_trips);
  finish(child);
  return ns;
}

double machio_run() {
  machio::send_right service;
  const pid_t child = start_echo(true, service);
  machio::port_pair home = machio::receive_right::allocate_pair();
  asio::io_context io(1);
  machio::receive_port port(io, std::move(home.receive));
  callback_end end{port, service, round_trips, false};
  end.receive();
  const auto t0 = clock_type::now();
  hello(service, home.send);
  io.run();
  const double ns = ns_per(t0, round_trips);
  finish(child);
  return ns;
}

}  // namespace

void two_processes() {
  std::vector<double> raw, cb;
  for (int r = 0; r < runs; ++r) {
    raw.push_back(raw_run());
    cb.push_back(machio_run());
  }
  const double base = median(raw);
  std::printf("64-byte ping-pong, two processes, median of %d runs x %d round trips\n", runs, round_trips);
  std::printf("  %-22s %10.0f ns/round trip  1.00x raw\n", "raw blocking mach_msg", base);
  std::printf("  %-22s %10.0f ns/round trip  %.2fx raw\n", "machio callbacks", median(cb), median(cb) / base);
}

}  // namespace pingpong
