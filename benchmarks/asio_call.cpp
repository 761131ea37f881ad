// SPDX-License-Identifier: BSL-1.0
// machio's async_call against a raw mach_msg call, in the same run.
//
// A server thread answers each request with raw mach_msg (receive, then send the reply
// through the send-once right the request carried). The client makes sequential calls:
// - raw: one mach_msg(SEND|RCV) per call, the request carrying MAKE_SEND_ONCE of one
//   long-lived reply port, the best a C programmer does;
// - machio: async_call with callbacks on an io_context run by the client thread, each
//   handler starting the next call.
// Printed: the median call of 7 runs of each and its ratio to raw, in mach-emu's
// in-process mode. Without arguments the program runs the section in a fresh process with
// MACHEMU_MODE=inprocess (the mode is chosen once per process); with an argument (raw,
// callbacks) it runs one variant once, e.g. for strace -f -c.
#include "asio_pingpong.hpp"

#include <machio/async_call.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using boost::system::error_code;
using namespace pingpong;

namespace {

constexpr int calls = 20000;
constexpr int runs = 7;

// Runs `client` against a server thread; the time per call.
template <class Client>
double with_server(Client client) {
  return with_server_thread(serve_calls, client, calls, call_stop_id);
}

double raw_run() {
  return with_server([](const machio::send_right& server) {
    machio::receive_right reply = machio::receive_right::allocate();
    raw_buffer buf{};
    for (int i = 0; i < calls; ++i) raw_call(buf, server.get(), reply.get());
  });
}

// Sequential calls with callbacks: each handler starts the next call.
struct caller {
  asio::io_context& io;
  const machio::send_right& server;
  int remaining;
  void call() {
    machio::async_call(io.get_executor(), ping_to(server), [this](error_code ec, machio::received_message m) {
      check(!ec && m.id() == call_request_id + 100, "async_call");
      if (--remaining > 0) call();
    });
  }
};

double callbacks_run() {
  return with_server([](const machio::send_right& server) {
    asio::io_context io(1);
    caller c{io, server, calls};
    c.call();
    io.run();
  });
}

void section() {
  std::vector<double> raw, cb;
  for (int r = 0; r < runs; ++r) {
    raw.push_back(raw_run());
    cb.push_back(callbacks_run());
  }
  const double base = median(raw);
  std::printf("64-byte calls to a raw mach_msg server thread, median of %d runs x %d calls\n", runs, calls);
  std::printf("  %-24s %10.0f ns/call  1.00x raw\n", "raw mach_msg SEND|RCV", base);
  std::printf("  %-24s %10.0f ns/call  %.2fx raw\n", "machio async_call", median(cb), median(cb) / base);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 1) {
    // The section in its own process, in mach-emu's in-process mode (MACHEMU_MODE means
    // nothing on Darwin).
    return run_section(argv[0], "calls", "inprocess") ? 0 : 1;
  }
  const std::string v = argv[1];
  if (v == "calls") {
    section();
  } else if (v == "raw") {
    raw_run();
    std::printf("raw: %d calls\n", calls);
  } else if (v == "callbacks") {
    callbacks_run();
    std::printf("callbacks: %d calls\n", calls);
  } else {
    std::fprintf(stderr, "usage: asio_call_bench [calls|raw|callbacks]\n");
    return 2;
  }
  return 0;
}
