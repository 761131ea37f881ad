// SPDX-License-Identifier: BSL-1.0
// The event loop's own floor: the same two-thread ping-pong with no Mach at all. Each
// thread runs an io_context that waits on the read end of a pipe with a stream_descriptor;
// its handler takes the byte and writes one to the other thread's pipe. That is the least
// any library can pay to wake an Asio thread through a file descriptor: one wait, one
// write to wake the peer, one read to lower the readiness, and whatever Asio's reactor
// does per wait (on Linux, an epoll_ctl). machio pays the same mechanics for its kqueue —
// on Linux mach-emu's kqueue is such a pipe — so machio's ratio to this line is its own
// cost, and this line's ratio to raw is the cost of waiting in an event loop at all.
#include "asio_pingpong.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <fcntl.h>
#include <thread>
#include <unistd.h>

namespace asio = boost::asio;

namespace pingpong {
namespace {

struct pipe_end {
  asio::posix::stream_descriptor in;  // owns the read end of this thread's pipe
  int peer_write;                     // the write end of the other thread's pipe
  int remaining;
  bool last_sends;

  void wait() {
    in.async_wait(asio::posix::stream_descriptor::wait_read, [this](boost::system::error_code ec) {
      check(!ec, "floor async_wait");
      char byte = 0;
      check(::read(in.native_handle(), &byte, 1) == 1, "floor read");
      if (--remaining == 0 && !last_sends) return;
      check(::write(peer_write, &byte, 1) == 1, "floor write");
      if (remaining > 0) wait();
    });
  }
};

struct pipe_fds {
  int read = -1, write = -1;
  pipe_fds() {
    int fds[2];
    check(::pipe(fds) == 0, "pipe");
    read = fds[0];
    write = fds[1];
    for (int fd : fds) check(::fcntl(fd, F_SETFL, O_NONBLOCK) == 0, "fcntl");
  }
  ~pipe_fds() { ::close(write); }  // the read end belongs to the stream_descriptor
};

}  // namespace

double floor_run(int round_trips) {
  pipe_fds to_a, to_b;
  asio::io_context io_a(1), io_b(1);
  pipe_end end_a{asio::posix::stream_descriptor(io_a, to_a.read), to_b.write, round_trips, false};
  pipe_end end_b{asio::posix::stream_descriptor(io_b, to_b.read), to_a.write, round_trips, true};
  end_a.wait();
  end_b.wait();
  const auto t0 = clock_type::now();
  std::thread other([&] { io_b.run(); });
  const char first = 1;
  check(::write(to_b.write, &first, 1) == 1, "floor write");
  io_a.run();
  other.join();
  return ns_per(t0, round_trips);
}

}  // namespace pingpong
