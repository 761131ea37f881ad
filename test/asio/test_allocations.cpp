// SPDX-License-Identifier: BSL-1.0
// Steady state allocates nothing: after a warm-up, a ping-pong of async_receive (into a
// received_message and into a user buffer) and async_send makes no heap allocation at
// all, counted by replacing the global operator new for the whole process — machio's
// operations, Asio's scheduler and reactor, and the C API underneath (mach-emu's library,
// and in the in-process mode its kernel core) alike.
//
// The one thing left out of the count is building each outgoing message: a
// machio::message owns its body in a vector the caller fills (message_builder), which is
// the caller's allocation, not the send operation's. The test builds messages with the
// count paused and says so where it does.
//
// async_call too allocates nothing in the steady state: its reply port comes from the
// port service's cache (a sequence of calls reuses one port), and its two operations use
// the handler's allocator like a send and a receive.
#include "asio_test.hpp"

#include <machio/async_call.hpp>

#include <atomic>
#include <cstdlib>
#include <span>
#include <thread>

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Counting is process-wide (any thread's allocation counts); a thread may pause it for
// what is explicitly the caller's own allocation.
std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};
thread_local bool paused = false;
// Handlers run on two threads, where Boost.Test's assertions must not be used: they
// record a failure here, which the test case checks.
std::atomic<bool> handler_failed{false};
void expect(bool ok) {
  if (!ok) handler_failed = true;
}

void* counted_new(std::size_t n) {
  if (counting.load(std::memory_order_relaxed) && !paused) allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t n) { return counted_new(n); }
void* operator new[](std::size_t n) { return counted_new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

constexpr int warm_up = 100;   // fills the recycling caches and registers the knotes
constexpr int measured = 500;  // round trips counted

// The 64-byte message of the benchmark (header + 40 bytes), built with the count paused:
// the message's body vector is the caller's allocation (see the file comment).
machio::message ping_to(const machio::send_right& dest) {
  struct payload {
    unsigned char bytes[40];
  };
  paused = true;
  machio::message m = machio::message_builder(1).destination(dest).append_value(payload{}).build();
  paused = false;
  return m;
}

// Counts from round trip `warm_up` to round trip `warm_up + measured` of the end that
// leads; the other end just bounces.
struct window {
  int round = 0;
  std::size_t counted = 0;
  bool done = false;
  // Called once per round trip by the leading end; false when the run is over.
  bool next() {
    ++round;
    if (round == warm_up) {
      allocations = 0;
      counting = true;
    }
    if (round == warm_up + measured) {
      counting = false;
      counted = allocations;
      done = true;
      return false;
    }
    return true;
  }
};

// One end: receives into a received_message and answers with async_send.
struct message_end {
  machio::receive_port& port;
  const machio::send_right& peer;
  window* leader;  // null for the bouncing end
  void receive() {
    port.async_receive([this](error_code ec, machio::received_message m) {
      if (ec == asio::error::operation_aborted && !leader) return;  // the end of the run
      expect(!ec && m.id() == 1);
      m.reset();  // the buffer goes back to this thread's cache before the next receive
      if (leader ? !leader->next() : false) return;
      machio::async_send(port.get_executor(), ping_to(peer),
                         [](error_code e, machio::message unsent) { expect(!e && !unsent.valid()); });
      receive();
    });
  }
};

// One end: receives into its own buffer and answers with async_send.
struct buffer_end {
  machio::receive_port& port;
  const machio::send_right& peer;
  window* leader;
  alignas(8) std::byte buf[256]{};
  void receive() {
    port.async_receive(std::span<std::byte>(buf), [this](error_code ec, std::size_t size) {
      if (ec == asio::error::operation_aborted && !leader) return;  // the end of the run
      expect(!ec && size == 64u);
      if (leader ? !leader->next() : false) return;
      machio::async_send(port.get_executor(), ping_to(peer),
                         [](error_code e, machio::message) { expect(!e); });
      receive();
    });
  }
};

// Sequential async_calls from the handler of the one before, against a server thread
// that answers with raw mach_msg from a stack buffer (allocating nothing of its own).
struct caller {
  asio::io_context& io;
  const machio::send_right& server;
  window& w;
  void call() {
    machio::async_call(io.get_executor(), ping_to(server), [this](error_code ec, machio::received_message m) {
      expect(!ec && m.id() == 101);
      m.reset();  // the buffer goes back to this thread's cache before the next call
      if (w.next()) call();
    });
  }
};

// Answers each request on `port` with an empty reply of id + 100, until a request that
// carries no reply right.
void raw_server(mach_port_t port) {
  for (;;) {
    struct {
      mach_msg_header_t h;
      std::byte body[40];
      mach_msg_max_trailer_t t;
    } buf{};
    if (mach_msg(&buf.h, MACH_RCV_MSG, 0, sizeof buf, port, 0, MACH_PORT_NULL) != MACH_MSG_SUCCESS) return;
    const mach_port_t reply = buf.h.msgh_remote_port;
    if (!MACH_PORT_VALID(reply)) return;
    const mach_msg_id_t id = buf.h.msgh_id + 100;
    buf.h = {};
    buf.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
    buf.h.msgh_size = sizeof buf.h;
    buf.h.msgh_remote_port = reply;
    buf.h.msgh_id = id;
    if (mach_msg(&buf.h, MACH_SEND_MSG, sizeof buf.h, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) != MACH_MSG_SUCCESS)
      return;
  }
}

struct fixture : machio_test::right_accounting {
  machio::port_pair a = machio::receive_right::allocate_pair();
  machio::port_pair b = machio::receive_right::allocate_pair();
};

// Counts the allocations of the measured round trips: both ends on one io_context run by
// this thread, or (two_threads) each on its own io_context and thread, as the benchmark
// runs them.
template <class End>
std::size_t count_round_trips(bool two_threads) {
  fixture f;
  asio::io_context io_a(1), own_b(1);
  asio::io_context& io_b = two_threads ? own_b : io_a;
  machio::receive_port port_a(io_a, std::move(f.a.receive));
  machio::receive_port port_b(io_b, std::move(f.b.receive));
  window w;
  End end_a{port_a, f.b.send, &w};
  End end_b{port_b, f.a.send, nullptr};
  end_a.receive();
  end_b.receive();
  if (two_threads) {
    auto keep_b = asio::make_work_guard(io_b);
    std::thread other([&] { io_b.run(); });
    machio::send(ping_to(f.a.send));
    io_a.run();  // returns once the leader stops receiving
    asio::post(io_b, [&] { port_b.cancel(); });  // the bouncing end's pending receive
    keep_b.reset();
    other.join();
  } else {
    machio::send(ping_to(f.a.send));
    while (!w.done && io_a.run_one() > 0) {
    }
    port_a.cancel();  // nothing pending unless the run failed early
    port_b.cancel();  // the bouncing end's pending receive
    io_a.run();
  }
  BOOST_TEST(w.done);
  BOOST_TEST(!handler_failed);
  return w.counted;
}

// Reports and checks the count of one configuration.
void expect_none(std::size_t counted, const char* what) {
  BOOST_TEST_MESSAGE(measured << " round trips, " << what << ": " << counted << " allocations");
  BOOST_TEST(counted == 0u);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(asio_allocations)

BOOST_AUTO_TEST_CASE(received_message_and_async_send_one_thread) {
  expect_none(count_round_trips<message_end>(false), "received_message + async_send, one thread");
}

BOOST_AUTO_TEST_CASE(user_buffer_and_async_send_one_thread) {
  expect_none(count_round_trips<buffer_end>(false), "user buffer + async_send, one thread");
}

BOOST_AUTO_TEST_CASE(received_message_and_async_send_two_threads) {
  expect_none(count_round_trips<message_end>(true), "received_message + async_send, two threads");
}

BOOST_AUTO_TEST_CASE(user_buffer_and_async_send_two_threads) {
  expect_none(count_round_trips<buffer_end>(true), "user buffer + async_send, two threads");
}

BOOST_AUTO_TEST_CASE(async_call_against_a_server_thread) {
  fixture f;
  std::thread server([port = f.a.receive.get()] { raw_server(port); });
  window w;
  {
    asio::io_context io(1);
    caller c{io, f.a.send, w};
    c.call();
    io.run();  // returns once the window is over
  }
  machio::send(ping_to(f.a.send));  // no reply right: the server returns
  server.join();
  BOOST_TEST(w.done);
  BOOST_TEST(!handler_failed);
  expect_none(w.counted, "async_call, server thread");
}

BOOST_AUTO_TEST_SUITE_END()
