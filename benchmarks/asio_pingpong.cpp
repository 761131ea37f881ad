// machio on Asio against raw mach_msg, in the same run.
//
// Ping-pong: two threads bounce one 64-byte message (header + 40 bytes) between two ports.
// The baseline is raw blocking mach_msg on both threads; each machio variant runs both
// ends as machio code on an io_context per thread: callbacks, use_awaitable, and deferred
// awaited in a coroutine. Printed: the median round trip of 7 runs of each and its ratio
// to the raw one (targets: machio <= 1.25x raw; coroutines within 10% of callbacks).
//
// With an argument, runs one variant once (see main) so that strace -c can count the
// system calls per round trip.
//
// Registration: the time and memory to create 10,000 receive_port objects, each with a
// pending async_receive (so a knote per port), against creating 10,000 bare receive
// rights.
#include <machio/async_send.hpp>
#include <machio/machio.hpp>
#include <machio/receive_port.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using boost::system::error_code;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr int round_trips = 20000;
constexpr int runs = 7;

struct payload {
  unsigned char bytes[40];
};
static_assert(sizeof(mach_msg_header_t) + sizeof(payload) == 64);

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "asio_pingpong: %s failed\n", what);
    std::abort();
  }
}

machio::message ping_to(const machio::send_right& dest) {
  return machio::message_builder(1).destination(dest).append_value(payload{}).build();
}

// Raw: each thread blocks in mach_msg.
double raw_run(machio::port_pair& a, machio::port_pair& b) {
  auto bounce = [](mach_port_t from, mach_port_t to, int n, bool start) {
    struct {
      mach_msg_header_t h;
      payload p;
      mach_msg_max_trailer_t t;
    } buf{};
    auto send = [&] {
      buf.h = {};
      buf.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
      buf.h.msgh_size = 64;
      buf.h.msgh_remote_port = to;
      buf.h.msgh_id = 1;
      check(mach_msg(&buf.h, MACH_SEND_MSG, 64, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS,
            "raw send");
    };
    if (start) send();
    for (int i = 0; i < n; ++i) {
      check(mach_msg(&buf.h, MACH_RCV_MSG, 0, sizeof buf, from, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS,
            "raw receive");
      if (!start || i + 1 < n) send();
    }
  };
  const auto t0 = clock_type::now();
  std::thread other([&] { bounce(b.receive.get(), a.send.get(), round_trips, false); });
  bounce(a.receive.get(), b.send.get(), round_trips, true);
  other.join();
  return std::chrono::duration<double, std::nano>(clock_type::now() - t0).count() / round_trips;
}

// One end with callbacks: receive, then send to the peer, `n` times.
struct callback_end {
  machio::receive_port& port;
  const machio::send_right& peer;
  int remaining;
  bool last_sends;
  void receive() {
    port.async_receive([this](error_code ec, machio::received_message) {
      check(!ec, "async_receive");
      if (--remaining == 0 && !last_sends) return;
      machio::async_send(port.get_executor(), ping_to(peer), [](error_code e, machio::message) {
        check(!e, "async_send");
      });
      if (remaining > 0) receive();
    });
  }
};

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
  return std::chrono::duration<double, std::nano>(clock_type::now() - t0).count() / round_trips;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

long rss_kib() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return -1;  // not Linux: memory is not reported
  long pages = 0, resident = 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  std::fclose(f);
  return resident < 0 ? -1 : resident * 4;
}

}  // namespace

int main(int argc, char** argv) {
  // `asio_pingpong raw|callbacks|awaitable|deferred` runs one variant once, for counting
  // system calls per round trip with strace -c -f.
  if (argc == 2) {
    const std::string v = argv[1];
    if (v == "raw") {
      auto a = machio::receive_right::allocate_pair();
      auto b = machio::receive_right::allocate_pair();
      raw_run(a, b);
    } else {
      machio_run(v == "callbacks" ? flavour::callbacks : v == "awaitable" ? flavour::awaitable : flavour::deferred);
    }
    std::printf("%s: %d round trips\n", v.c_str(), round_trips);
    return 0;
  }
  std::vector<double> raw, cb, aw, df;
  for (int r = 0; r < runs; ++r) {
    auto a = machio::receive_right::allocate_pair();
    auto b = machio::receive_right::allocate_pair();
    raw.push_back(raw_run(a, b));
    cb.push_back(machio_run(flavour::callbacks));
    aw.push_back(machio_run(flavour::awaitable));
    df.push_back(machio_run(flavour::deferred));
  }
  const double base = median(raw);
  std::printf("64-byte ping-pong, two threads, median of %d runs x %d round trips\n", runs, round_trips);
  std::printf("  %-22s %10.0f ns/round trip  1.00x raw\n", "raw blocking mach_msg", base);
  std::printf("  %-22s %10.0f ns/round trip  %.2fx raw\n", "machio callbacks", median(cb), median(cb) / base);
  std::printf("  %-22s %10.0f ns/round trip  %.2fx raw  %.2fx callbacks\n", "machio use_awaitable", median(aw),
              median(aw) / base, median(aw) / median(cb));
  std::printf("  %-22s %10.0f ns/round trip  %.2fx raw  %.2fx callbacks\n", "machio deferred", median(df),
              median(df) / base, median(df) / median(cb));

  constexpr int ports = 10000;
  {
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
    std::printf("registering %d ports (each with a pending async_receive)\n", ports);
    std::printf("  bare receive rights      %8.1f ms  %6ld KiB\n", t_bare, m1 - m0);
    std::printf("  receive_port + receive   %8.1f ms  %6ld KiB  %.2fx time of bare rights\n", t_obj, m2 - m1,
                t_obj / t_bare);
    objects.clear();
  }
  return 0;
}
