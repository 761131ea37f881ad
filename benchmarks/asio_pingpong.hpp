// SPDX-License-Identifier: BSL-1.0
// Shared by the asio_pingpong sections (and asio_call): the 64-byte message, the callback
// end of a ping-pong, running a section in a process of its own, and the statistics.
#pragma once

#include <machio/async_send.hpp>
#include <machio/machio.hpp>
#include <machio/receive_port.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace pingpong {

using clock_type = std::chrono::steady_clock;

struct payload {
  unsigned char bytes[40];
};
static_assert(sizeof(mach_msg_header_t) + sizeof(payload) == 64);

inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "asio_pingpong: %s failed\n", what);
    std::abort();
  }
}

inline machio::message ping_to(const machio::send_right& dest) {
  return machio::message_builder(1).destination(dest).append_value(payload{}).build();
}

// The raw message: header + payload, room for the largest trailer.
struct raw_buffer {
  mach_msg_header_t h;
  payload p;
  mach_msg_max_trailer_t t;
};

// Sends the 64-byte message to `to` (COPY_SEND) from `buf` with raw mach_msg.
inline void raw_send(raw_buffer& buf, mach_port_t to) {
  buf.h = {};
  buf.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  buf.h.msgh_size = 64;
  buf.h.msgh_remote_port = to;
  buf.h.msgh_id = 1;
  check(mach_msg(&buf.h, MACH_SEND_MSG, 64, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS,
        "raw send");
}

// Blocks in mach_msg until a message arrives on `from`.
inline void raw_receive(raw_buffer& buf, mach_port_t from) {
  check(mach_msg(&buf.h, MACH_RCV_MSG, 0, sizeof buf, from, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS,
        "raw receive");
}

// A call server: answers each request on `port` with a 64-byte reply of id
// call_request_id + 100 through the send-once right it carried, until a request of id
// call_stop_id.
inline constexpr mach_msg_id_t call_request_id = 1;
inline constexpr mach_msg_id_t call_stop_id = 2;  // a request without a reply port
inline void serve_calls(mach_port_t port) {
  raw_buffer buf{};
  for (;;) {
    raw_receive(buf, port);
    if (buf.h.msgh_id == call_stop_id) return;
    const mach_port_t reply = buf.h.msgh_remote_port;
    buf.h = {};
    buf.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
    buf.h.msgh_size = 64;
    buf.h.msgh_remote_port = reply;
    buf.h.msgh_id = call_request_id + 100;
    check(mach_msg(&buf.h, MACH_SEND_MSG, 64, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS, "reply");
  }
}

// One raw call to serve_calls' `server`: mach_msg(SEND|RCV), the request carrying
// MAKE_SEND_ONCE of the long-lived `reply` port, the best a C programmer does.
inline void raw_call(raw_buffer& buf, mach_port_t server, mach_port_t reply) {
  buf.h = {};
  buf.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  buf.h.msgh_size = 64;
  buf.h.msgh_remote_port = server;
  buf.h.msgh_local_port = reply;
  buf.h.msgh_id = call_request_id;
  check(mach_msg(&buf.h, MACH_SEND_MSG | MACH_RCV_MSG, 64, sizeof buf, reply, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS &&
            buf.h.msgh_id == call_request_id + 100,
        "raw call");
}

// One end with callbacks: receive, then send to the peer, `remaining` times; the end
// with last_sends answers the final message too.
struct callback_end {
  machio::receive_port& port;
  const machio::send_right& peer;
  int remaining;
  bool last_sends;
  void receive() {
    port.async_receive([this](boost::system::error_code ec, machio::received_message) {
      check(!ec, "async_receive");
      if (--remaining == 0 && !last_sends) return;
      machio::async_send(port.get_executor(), ping_to(peer),
                         [](boost::system::error_code e, machio::message) { check(!e, "async_send"); });
      if (remaining > 0) receive();
    });
  }
};

// Runs `self section` in a child process with MACHEMU_MODE=`mode` (unset when null) and
// waits for it (mach-emu's mode is chosen once per process). True when it succeeded.
inline bool run_section(const char* self, const char* section, const char* mode) {
  std::fflush(stdout);
  const pid_t child = fork();
  check(child >= 0, "fork");
  if (child == 0) {
    if (mode) setenv("MACHEMU_MODE", mode, 1);
    else unsetenv("MACHEMU_MODE");
    execl(self, self, section, static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  return waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

inline double ns_per(clock_type::time_point t0, int round_trips) {
  return std::chrono::duration<double, std::nano>(clock_type::now() - t0).count() / round_trips;
}

// Runs `client(send_right)` against `serve(receive_name)` on a thread of its own and
// returns the client's time per call over `calls`. The server must return when it
// receives a message of id `stop_id`, which this sends it after the client is done.
template <class Serve, class Client>
double with_server_thread(Serve serve, Client client, int calls, mach_msg_id_t stop_id) {
  auto server = machio::receive_right::allocate_pair();
  std::thread t([&] { serve(server.receive.get()); });
  const auto t0 = clock_type::now();
  client(server.send);
  const double ns = ns_per(t0, calls);
  mach_msg_header_t stop{};
  stop.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  stop.msgh_size = sizeof stop;
  stop.msgh_remote_port = server.send.get();
  stop.msgh_id = stop_id;
  check(mach_msg(&stop, MACH_SEND_MSG, sizeof stop, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS,
        "stop");
  t.join();
  return ns;
}

// The event loop's floor (asio_pingpong_floor.cpp): the two-thread ping-pong through
// pipes watched by Asio, no Mach. Returns ns per round trip.
double floor_run(int round_trips);

// The two-process section (asio_pingpong_processes.cpp): prints its own table.
void two_processes();

}  // namespace pingpong
