// SPDX-License-Identifier: BSL-1.0
// machio on Asio against raw mach_msg, in the same run.
//
// Threads: two threads bounce one 64-byte message (header + 40 bytes) between two ports,
// in mach-emu's in-process mode. The baseline is raw blocking mach_msg on both threads;
// each machio variant runs both ends as machio code on an io_context per thread:
// callbacks, use_awaitable, and deferred awaited in a coroutine. A fifth variant has no
// Mach at all: the event loop's floor, Asio threads waking each other through pipes
// (asio_pingpong_floor.cpp). Printed: the median round trip of 9 runs of each, the range
// of the runs, its ratio to the raw one (targets: machio <= 1.25x raw; coroutines within
// 10% of callbacks) and machio's ratio to the floor (its own cost over an event loop's).
//
// Processes: the same between two processes (through machd on Linux), raw against
// callbacks (asio_pingpong_processes.cpp).
//
// Registration: the time and memory to create 10,000 receive_port objects, each with a
// pending async_receive (so a knote per port), against creating 10,000 bare receive
// rights.
//
// Without arguments the program runs each section in a fresh process of its own, with
// the mach-emu mode the section needs (the mode is chosen once per process). With an
// argument it runs one section (threads, processes, register) or one thread variant once
// (raw, floor, callbacks, awaitable, deferred), so that strace -f -c can count the system calls
// per round trip (benchmarks/syscalls_per_message.sh).
#include "asio_pingpong.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace asio = boost::asio;
using boost::system::error_code;
using namespace pingpong;

namespace {

constexpr int round_trips = 20000;
constexpr int runs = 9;

// Raw: each thread blocks in mach_msg.
double raw_run(machio::port_pair& a, machio::port_pair& b) {
  auto bounce = [](mach_port_t from, mach_port_t to, int n, bool start) {
    raw_buffer buf{};
    if (start) raw_send(buf, to);
    for (int i = 0; i < n; ++i) {
      raw_receive(buf, from);
      if (!start || i + 1 < n) raw_send(buf, to);
    }
  };
  const auto t0 = clock_type::now();
  std::thread other([&] { bounce(b.receive.get(), a.send.get(), round_trips, false); });
  bounce(a.receive.get(), b.send.get(), round_trips, true);
  other.join();
  return ns_per(t0, round_trips);
}

enum class flavour { callbacks, awaitable, deferred };

asio::awaitable<void> coroutine_end(machio::receive_port& port, const machio::send_right& peer, int n, bool last_sends,
                                    bool use_deferred) {
  for (int i = 0; i < n; ++i) {
    if (use_deferred)
      co_await port.async_receive(asio::deferred);
    else
      co_await port.async_receive(asio::use_awaitable);
    if (i + 1 == n && !last_sends) break;
    if (use_deferred)
      co_await machio::async_send(port.get_executor(), ping_to(peer), asio::deferred);
    else
      co_await machio::async_send(port.get_executor(), ping_to(peer), asio::use_awaitable);
  }
}

double machio_run(flavour f) {
  auto a = machio::receive_right::allocate_pair();
  auto b = machio::receive_right::allocate_pair();
  asio::io_context io_a(1), io_b(1);
  machio::receive_port port_a(io_a, std::move(a.receive));
  machio::receive_port port_b(io_b, std::move(b.receive));
  callback_end end_a{port_a, b.send, round_trips, false};
  callback_end end_b{port_b, a.send, round_trips, true};
  if (f == flavour::callbacks) {
    end_a.receive();
    end_b.receive();
  } else {
    const bool d = f == flavour::deferred;
    asio::co_spawn(io_a, coroutine_end(port_a, b.send, round_trips, false, d), asio::detached);
    asio::co_spawn(io_b, coroutine_end(port_b, a.send, round_trips, true, d), asio::detached);
  }
  const auto t0 = clock_type::now();
  std::thread other([&] { io_b.run(); });
  machio::send(ping_to(b.send));
  io_a.run();
  other.join();
  return ns_per(t0, round_trips);
}

long rss_kib() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return -1;  // not Linux: memory is not reported
  long pages = 0, resident = 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  std::fclose(f);
  return resident < 0 ? -1 : resident * 4;
}

// One line of the table: median, range, and ratios to the baselines.
void print_line(const char* name, const std::vector<double>& v, double raw, double floor, double callbacks) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  std::printf("  %-22s %7.0f ns/round trip [%6.0f-%6.0f]  %.2fx raw", name, median(v), *lo, *hi, median(v) / raw);
  if (floor > 0) std::printf("  %.2fx floor", median(v) / floor);
  if (callbacks > 0) std::printf("  %.2fx callbacks", median(v) / callbacks);
  std::printf("\n");
}

void threads() {
  // Interleaved, so that a machine that gets busier or quieter during the run shifts every
  // variant alike.
  std::vector<double> raw, fl, cb, aw, df;
  for (int r = 0; r < runs; ++r) {
    auto a = machio::receive_right::allocate_pair();
    auto b = machio::receive_right::allocate_pair();
    raw.push_back(raw_run(a, b));
    fl.push_back(floor_run(round_trips));
    cb.push_back(machio_run(flavour::callbacks));
    aw.push_back(machio_run(flavour::awaitable));
    df.push_back(machio_run(flavour::deferred));
  }
  const double base = median(raw), floor = median(fl), callbacks = median(cb);
  std::printf("64-byte ping-pong, two threads, median of %d runs x %d round trips [range of the runs]\n", runs,
              round_trips);
  print_line("raw blocking mach_msg", raw, base, 0, 0);
  print_line("floor: Asio on pipes", fl, base, 0, 0);
  print_line("machio callbacks", cb, base, floor, 0);
  print_line("machio use_awaitable", aw, base, floor, callbacks);
  print_line("machio deferred", df, base, floor, callbacks);
}

void registration() {
  constexpr int ports = 10000;
  const long m0 = rss_kib();
  const auto t0 = clock_type::now();
  std::vector<machio::receive_right> bare;
  bare.reserve(ports);
  for (int i = 0; i < ports; ++i) bare.push_back(machio::receive_right::allocate());
  const double t_bare = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
  const long m1 = rss_kib();

  asio::io_context io;
  std::vector<machio::receive_port> objects;
  objects.reserve(ports);
  const auto t1 = clock_type::now();
  for (int i = 0; i < ports; ++i) {
    objects.emplace_back(io, machio::receive_right::allocate());
    objects.back().async_receive([](error_code, machio::received_message) {});
  }
  const double t_obj = std::chrono::duration<double, std::milli>(clock_type::now() - t1).count();
  const long m2 = rss_kib();
  const auto t2 = clock_type::now();
  objects.clear();  // cancels each receive and removes each knote
  const double t_close = std::chrono::duration<double, std::milli>(clock_type::now() - t2).count();
  std::printf("registering %d ports (each with a pending async_receive)\n", ports);
  std::printf("  bare receive rights      %8.1f ms  %6ld KiB\n", t_bare, m1 - m0);
  std::printf("  receive_port + receive   %8.1f ms  %6ld KiB  %.2fx time of bare rights\n", t_obj, m2 - m1,
              t_obj / t_bare);
  std::printf("  destroying the ports     %8.1f ms\n", t_close);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 1) {
    // Each section in its own process: the thread ping-pong and the registration in
    // mach-emu's in-process mode, the process ping-pong through machd. (MACHEMU_MODE means
    // nothing on Darwin.)
    bool ok = run_section(argv[0], "threads", "inprocess");
    ok = run_section(argv[0], "processes", nullptr) && ok;
    ok = run_section(argv[0], "register", "inprocess") && ok;
    return ok ? 0 : 1;
  }
  const std::string v = argv[1];
  if (v == "threads") {
    threads();
  } else if (v == "processes") {
    pingpong::two_processes();
  } else if (v == "register") {
    registration();
  } else if (v == "raw") {
    auto a = machio::receive_right::allocate_pair();
    auto b = machio::receive_right::allocate_pair();
    raw_run(a, b);
    std::printf("%s: %d round trips\n", v.c_str(), round_trips);
  } else if (v == "floor") {
    floor_run(round_trips);
    std::printf("%s: %d round trips\n", v.c_str(), round_trips);
  } else if (v == "callbacks" || v == "awaitable" || v == "deferred") {
    machio_run(v == "callbacks" ? flavour::callbacks : v == "awaitable" ? flavour::awaitable : flavour::deferred);
    std::printf("%s: %d round trips\n", v.c_str(), round_trips);
  } else {
    std::fprintf(stderr, "usage: asio_pingpong [threads|processes|register|raw|floor|callbacks|awaitable|deferred]\n");
    return 2;
  }
  return 0;
}
