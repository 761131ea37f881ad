// SPDX-License-Identifier: BSL-1.0
// Scale and threads: 10,000 ports on one io_context each receiving one message; an
// io_context run by several threads with strands (run under the tsan preset too); a
// case with cancellations racing the messages.
#include "asio_test.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

using machio_test::ping;
namespace asio = boost::asio;
using boost::system::error_code;

BOOST_FIXTURE_TEST_SUITE(asio_threads, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(ten_thousand_ports_each_receive_one_message) {
  constexpr int count = 10000;
  asio::io_context io;
  std::vector<machio::receive_port> ports;
  std::vector<machio::send_right> senders;
  ports.reserve(count);
  senders.reserve(count);
  for (int i = 0; i < count; ++i) {
    auto pair = machio::receive_right::allocate_pair();
    ports.emplace_back(io, std::move(pair.receive));
    senders.push_back(std::move(pair.send));
  }
  std::vector<int> got(count, -1);
  for (int i = 0; i < count; ++i)
    ports[i].async_receive([&got, i](error_code ec, machio::received_message m) {
      BOOST_REQUIRE(!ec);
      got[i] = *m.body_as<std::int32_t>();
    });
  io.poll();
  // Sent in reverse order while every receive is pending.
  for (int i = count - 1; i >= 0; --i) machio::send(ping(senders[i], 1, i));
  io.run();
  int wrong = 0;
  for (int i = 0; i < count; ++i) wrong += got[i] != i;
  BOOST_TEST(wrong == 0);
}

BOOST_AUTO_TEST_CASE(many_threads_many_strands_ping_pong) {
  constexpr int pairs = 8;
  constexpr int rounds = 300;
  asio::io_context io;
  struct session {
    std::atomic<int>* failures;  // see count
    asio::strand<asio::io_context::executor_type> strand;
    machio::basic_receive_port<asio::strand<asio::io_context::executor_type>> a, b;
    machio::send_right to_a, to_b;
    // Boost.Test is not thread-safe: handlers count failures in *failures, checked on the
    // main thread.
    int count = 0;
    session(asio::io_context& io, machio::port_pair pa, machio::port_pair pb, std::atomic<int>* f)
        : failures(f),
          strand(asio::make_strand(io)),
          a(strand, std::move(pa.receive)),
          b(strand, std::move(pb.receive)),
          to_a(std::move(pa.send)),
          to_b(std::move(pb.send)) {}
    // a receives, sends to b; b receives, sends to a; `rounds` times.
    void serve_a() {
      a.async_receive([this](error_code ec, machio::received_message) {
        if (ec || !strand.running_in_this_thread()) ++*failures;
        if (ec || ++count == rounds) return;
        machio::async_send(strand, ping(to_b, 2), [this](error_code e, machio::message) { *failures += e.failed(); });
        serve_a();
      });
    }
    void serve_b() {
      b.async_receive([this](error_code ec, machio::received_message) {
        if (ec) {
          ++*failures;
          return;
        }
        machio::async_send(strand, ping(to_a, 1), [this](error_code e, machio::message) { *failures += e.failed(); });
        if (count + 1 < rounds) serve_b();
      });
    }
  };
  std::atomic<int> failures{0};
  std::vector<std::unique_ptr<session>> sessions;
  for (int i = 0; i < pairs; ++i) {
    sessions.push_back(std::make_unique<session>(io, machio::receive_right::allocate_pair(),
                                                 machio::receive_right::allocate_pair(), &failures));
    auto* s = sessions.back().get();
    asio::post(s->strand, [s] {
      s->serve_a();
      s->serve_b();
      machio::send(ping(s->to_a, 1));
    });
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&io] { io.run(); });
  for (auto& t : threads) t.join();
  BOOST_TEST(failures == 0);
  for (auto& s : sessions) BOOST_TEST(s->count == rounds);
  // Leftover messages (none expected) would be destroyed with the ports.
}

// Under the tsan preset: the port service completes an operation on the thread that runs
// its wake, while the strand the handler belongs to may be emitting that very signal, or
// emplacing the next operation's canceller into it. The service must not touch the slot
// then (it used to clear it, destroying the canceller under the emit).
BOOST_AUTO_TEST_CASE(cancellations_racing_messages_on_many_threads_lose_nothing) {
  // Each round a receive waits on its session's strand; a message is sent from whichever
  // thread runs the posted send while the strand emits a terminal cancellation. Whoever
  // wins, each receive completes once, and each message is either received or still
  // queued: none is lost or received twice.
  constexpr int sessions = 4;
  constexpr int rounds = 200;
  asio::io_context io;
  struct session {
    asio::io_context& io;
    std::atomic<int>* failures;
    asio::strand<asio::io_context::executor_type> strand;
    machio::basic_receive_port<asio::strand<asio::io_context::executor_type>> port;
    machio::send_right to;
    asio::cancellation_signal signal;  // emitted on the strand only, as Asio requires
    int started = 0, received = 0, aborted = 0;  // touched on the strand only
    session(asio::io_context& c, machio::port_pair p, std::atomic<int>* f)
        : io(c), failures(f), strand(asio::make_strand(c)), port(strand, std::move(p.receive)), to(std::move(p.send)) {}
    void next() {
      if (started == rounds) return;
      ++started;
      port.async_receive(asio::bind_cancellation_slot(signal.slot(), [this](error_code ec, machio::received_message m) {
        if (!strand.running_in_this_thread()) ++*failures;
        if (!ec && m.id() == 1) ++received;
        else if (ec == asio::error::operation_aborted && !m.valid()) ++aborted;
        else ++*failures;
        next();
      }));
      asio::post(io, [this] { machio::send(ping(to, 1)); });
      asio::post(strand, [this] { signal.emit(asio::cancellation_type::terminal); });
    }
  };
  std::atomic<int> failures{0};
  std::vector<std::unique_ptr<session>> all;
  for (int i = 0; i < sessions; ++i) {
    // Room for every message: a cancelled round leaves its message queued, and a blocking
    // send into a full queue would hold up an io_context thread.
    all.push_back(std::make_unique<session>(
        io, machio::receive_right::allocate_pair(machio::port_options{.qlimit = MACH_PORT_QLIMIT_MAX}), &failures));
    asio::post(all.back()->strand, [s = all.back().get()] { s->next(); });
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) threads.emplace_back([&io] { io.run(); });
  for (auto& t : threads) t.join();
  BOOST_TEST(failures == 0);
  for (auto& s : all) {
    BOOST_TEST(s->received + s->aborted == rounds);
    int left = 0;
    for (error_code ec; machio::receive(s->port.right(), {}, machio::no_wait, ec).valid();) ++left;
    BOOST_TEST(s->received + left == rounds);
    BOOST_TEST_MESSAGE("received " << s->received << ", aborted " << s->aborted);
  }
}

// message_buffer's per-thread block cache must free its blocks when the thread ends even
// if the thread never took a block: a thread that only destroys messages received
// elsewhere, as a handler bound to another thread's executor does, still caches the
// blocks it frees. The leak shows under ASan (LeakSanitizer), which CI runs.
BOOST_AUTO_TEST_CASE(message_buffers_freed_on_threads_that_never_took_one_are_not_leaked) {
  auto pair = machio::receive_right::allocate_pair();
  for (int i = 0; i < 4; ++i) {
    machio::send(ping(pair.send, 1));
    machio::received_message m = machio::receive(pair.receive);  // its buffer: this thread's
    std::thread([m = std::move(m)]() mutable { m.reset(); }).join();
  }
}

BOOST_AUTO_TEST_SUITE_END()
