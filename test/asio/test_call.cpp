// SPDX-License-Identifier: BSL-1.0
// async_call: the reply comes back; the server dropping the reply right or dying (before
// and after the request is queued); cancellation before the request is sent (all types)
// and after (terminal, partial), with a late reply discarded and no right left behind.
// The reply-port cache: a call reuses the port of the call before it; a port that a right
// or a message can still reach is never reused (cancelled after the send, refused by the
// kernel's count); the cache's bound; shutdown; many threads calling at once.
#include "asio_test.hpp"
#include "port_status.hpp"

#include <machio/async_call.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
#include <iterator>
#include <set>
#include <thread>
#include <vector>

using machio_test::ping;
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Answers `req` with id + 100 and the body value doubled.
void answer(machio::receive_port& server, machio::received_message& req) {
  const std::int32_t v = *req.body_as<std::int32_t>();
  machio::async_send(server.get_executor(),
                     machio::message_builder(machio::mig::reply_id(req.id()))
                         .destination(req.take_reply_send_once())
                         .append_value(v * 2)
                         .build(),
                     [](error_code e, machio::message) { BOOST_REQUIRE(!e); });
}

// Replies to one request on `server` with id + 100 and the body value doubled.
void serve_one(machio::receive_port& server) {
  server.async_receive([&server](error_code ec, machio::received_message req) {
    BOOST_REQUIRE(!ec);
    answer(server, req);
  });
}

// The names under which this task holds a receive right.
std::set<mach_port_name_t> receive_names() {
  std::set<mach_port_name_t> out;
  for (const auto& [name, info] : machio_test::snapshot_names())
    if (info.first & MACH_PORT_TYPE_RECEIVE) out.insert(name);
  return out;
}

// The receive rights in `now` that are not in `before`.
std::vector<mach_port_name_t> added(const std::set<mach_port_name_t>& before, const std::set<mach_port_name_t>& now) {
  std::vector<mach_port_name_t> out;
  std::set_difference(now.begin(), now.end(), before.begin(), before.end(), std::back_inserter(out));
  return out;
}

// One call of ping(dest, 400, value) run to its end on `io`; its error.
error_code call_once(asio::io_context& io, const machio::send_right& dest, std::int32_t value = 1,
                     const machio::call_options& options = {}) {
  error_code got = asio::error::would_block;
  machio::async_call(io.get_executor(), ping(dest, 400, value), options,
                     [&](error_code ec, machio::received_message m) {
                       got = ec;
                       if (!ec) BOOST_TEST(*m.body_as<std::int32_t>() == value * 2);
                     });
  io.run();
  io.restart();
  return got;
}

// Starts a call of ping(dest, 400, 1) that `signal` can cancel and whose handler stores its
// error in `got`, and polls `io` until the request is sent and the call waits for the reply.
void start_cancellable_call(asio::io_context& io, const machio::send_right& dest, asio::cancellation_signal& signal,
                            error_code& got) {
  machio::async_call(io.get_executor(), ping(dest, 400, 1),
                     asio::bind_cancellation_slot(signal.slot(), [&got](error_code ec, machio::received_message) {
                       got = ec;
                     }));
  io.poll();
}

// A context with a server port on it, a send right to that port, and the receive rights
// the task held once they were made (the cases compare against them).
struct served : machio_test::right_accounting {
  asio::io_context io;
  machio::port_pair pair = machio::receive_right::allocate_pair();
  machio::receive_port server{io, std::move(pair.receive)};
  const std::set<mach_port_name_t> before = receive_names();
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(asio_call, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(call_gets_the_reply) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  machio::receive_port server(io, std::move(pair.receive));
  serve_one(server);
  std::int32_t got = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto reply = co_await machio::async_call(io.get_executor(), ping(pair.send, 400, 21), asio::use_awaitable);
        BOOST_TEST(reply.id() == 500);
        got = *reply.body_as<std::int32_t>();
      },
      asio::detached);
  io.run();
  BOOST_TEST(got == 42);
}

BOOST_AUTO_TEST_CASE(a_dropped_reply_right_is_mig_server_died) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  machio::receive_port server(io, std::move(pair.receive));
  server.async_receive([](error_code ec, machio::received_message req) {
    BOOST_REQUIRE(!ec);
    req.reset();  // destroys the send-once reply right: a send-once notification goes back
  });
  error_code got;
  machio::async_call(io.get_executor(), ping(pair.send, 400), [&](error_code ec, machio::received_message m) {
    got = ec;
    BOOST_TEST(!m.valid());
  });
  io.run();
  BOOST_TEST(got == machio::make_mach_error_code(MIG_SERVER_DIED));
}

BOOST_AUTO_TEST_CASE(cancel_before_the_request_is_sent_all_types) {
  for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial,
                    asio::cancellation_type::total}) {
    asio::io_context io;
    auto pair = machio::receive_right::allocate_pair(machio::port_options{.qlimit = 1});
    machio::send(ping(pair.send, 1), machio::no_wait);  // full: the call waits to send
    asio::cancellation_signal signal;
    error_code got;
    machio::async_call(io.get_executor(), ping(pair.send, 400),
                       asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, machio::received_message) {
                         got = ec;
                       }));
    io.poll();
    signal.emit(type);
    io.run();
    BOOST_TEST(got == asio::error::operation_aborted);
    BOOST_TEST(machio::receive(pair.receive).id() == 1);  // the request never got queued
  }
}

BOOST_AUTO_TEST_CASE(cancel_after_sending_and_the_late_reply_is_discarded) {
  for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial}) {
    asio::io_context io;
    auto pair = machio::receive_right::allocate_pair();
    asio::cancellation_signal signal;
    error_code got;
    start_cancellable_call(io, pair.send, signal, got);
    // Total cancellation is refused once the server may have acted.
    signal.emit(asio::cancellation_type::total);
    io.poll();
    BOOST_TEST(!got);
    signal.emit(type);
    io.run();
    BOOST_TEST(got == asio::error::operation_aborted);
    // The server gets the request late: the reply port died with the operation, so the
    // reply right arrives dead and no reply can reach anything.
    auto req = machio::receive(pair.receive);
    const mach_port_name_t late = req.header().msgh_remote_port;  // the reply field, as received
    mach_port_type_t late_type = 0;
    if (MACH_PORT_VALID(late)) BOOST_TEST(mach_port_type(mach_task_self(), late, &late_type) == KERN_SUCCESS);
    BOOST_TEST((late == MACH_PORT_DEAD || late_type == MACH_PORT_TYPE_DEAD_NAME));
    error_code take_ec;
    auto reply_right = req.take_reply_send_once(take_ec);
    BOOST_TEST(take_ec.failed());
    BOOST_TEST(!reply_right);
  }
}

BOOST_AUTO_TEST_CASE(a_server_that_dies_with_the_request_queued_is_mig_server_died) {
  // The server's receive right is destroyed before it took the request: the kernel
  // destroys the queued request and with it the send-once reply right, whose send-once
  // notification is the reply (MIG's "server died").
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  error_code got = asio::error::would_block;
  machio::async_call(io.get_executor(), ping(pair.send, 400), [&](error_code ec, machio::received_message m) {
    got = ec;
    BOOST_TEST(!m.valid());
  });
  io.poll();  // sent; waiting for the reply
  BOOST_TEST(pair.receive.status().mps_msgcount == 1u);
  BOOST_TEST(got == asio::error::would_block);
  pair.receive.reset();
  io.run();
  BOOST_TEST(got == machio::make_mach_error_code(MIG_SERVER_DIED));
  // The notification consumed the reply right: the port was cached.
  BOOST_TEST(machio::drain_reply_ports(io.get_executor()) == 1u);
}

BOOST_AUTO_TEST_CASE(a_server_that_dies_while_the_call_waits_to_send) {
  // The request waits for room on a full queue; the port dies: MACH_SEND_INVALID_DEST,
  // and the request's rights are released (the fixture counts the names).
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair(machio::port_options{.qlimit = 1});
  machio::send(ping(pair.send, 1), machio::no_wait);
  error_code got;
  machio::async_call(io.get_executor(), ping(pair.send, 400), [&](error_code ec, machio::received_message m) {
    got = ec;
    BOOST_TEST(!m.valid());
  });
  io.poll();
  BOOST_TEST(!got);
  pair.receive.reset();
  io.run();
  BOOST_TEST(got == machio::make_mach_error_code(MACH_SEND_INVALID_DEST));
  // A call whose request was not sent destroys its port.
  BOOST_TEST(machio::drain_reply_ports(io.get_executor()) == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_second_call_reuses_the_reply_port_of_the_first, served) {
  serve_one(server);
  BOOST_TEST(!call_once(io, pair.send, 5));
  // The first call's port stayed, empty: no message, no right to it anywhere.
  const auto after_first = receive_names();
  const auto kept = added(before, after_first);
  BOOST_REQUIRE_EQUAL(kept.size(), 1u);
  BOOST_TEST(machio_test::receive_status(kept[0]).mps_msgcount == 0u);
  BOOST_TEST(machio_test::receive_status(kept[0]).mps_sorights == 0u);
  bool seen = false;
  server.async_receive([&](error_code ec, machio::received_message req) {
    BOOST_REQUIRE(!ec);
    // The second request's reply right is a right to the kept port, and no port was made.
    BOOST_TEST(receive_names() == after_first);
    BOOST_TEST(machio_test::receive_status(kept[0]).mps_sorights == 1u);
    seen = true;
    answer(server, req);
  });
  BOOST_TEST(!call_once(io, pair.send, 6));
  BOOST_TEST(seen);
  BOOST_TEST(receive_names() == after_first);
  BOOST_TEST(machio::drain_reply_ports(io.get_executor()) == 1u);
  BOOST_TEST(receive_names() == before);
}

BOOST_FIXTURE_TEST_CASE(a_call_cancelled_after_sending_destroys_its_port_and_the_late_reply_goes_nowhere, served) {
  serve_one(server);
  BOOST_TEST(!call_once(io, pair.send));  // warms the cache: the next call takes its port
  BOOST_REQUIRE_EQUAL(added(before, receive_names()).size(), 1u);
  asio::cancellation_signal signal;
  error_code got;
  start_cancellable_call(io, pair.send, signal, got);
  signal.emit(asio::cancellation_type::terminal);
  io.run();
  BOOST_TEST(got == asio::error::operation_aborted);
  // Not given back: the cached port the call took is gone, and none is cached.
  BOOST_TEST(receive_names() == before);
  BOOST_TEST(machio::drain_reply_ports(io.get_executor()) == 0u);
  // The server answers late: its reply right is dead, so the reply reaches nothing.
  auto req = server.receive();
  error_code take_ec;
  BOOST_TEST(!req.take_reply_send_once(take_ec));
  BOOST_TEST(take_ec.failed());
  req.reset();
  // The next call works with a new port.
  io.restart();
  serve_one(server);
  BOOST_TEST(!call_once(io, pair.send, 7));
  BOOST_TEST(added(before, receive_names()).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_port_whose_reply_right_the_server_dropped_is_reused, served) {
  // The kernel's MACH_NOTIFY_SEND_ONCE travelled on the call's send-once right: once it
  // is received, no right to the port is left, so the port is as good as new.
  server.async_receive([](error_code ec, machio::received_message req) {
    BOOST_REQUIRE(!ec);
    req.reset();  // drops the reply right
  });
  BOOST_TEST(call_once(io, pair.send) == machio::make_mach_error_code(MIG_SERVER_DIED));
  const auto after = receive_names();
  const auto kept = added(before, after);
  BOOST_REQUIRE_EQUAL(kept.size(), 1u);
  BOOST_TEST(machio_test::receive_status(kept[0]).mps_msgcount == 0u);
  BOOST_TEST(machio_test::receive_status(kept[0]).mps_sorights == 0u);
  serve_one(server);
  BOOST_TEST(!call_once(io, pair.send, 3));  // on the same port
  BOOST_TEST(receive_names() == after);
}

BOOST_FIXTURE_TEST_CASE(a_reply_the_kernel_destroyed_as_too_large_leaves_a_reusable_port, served) {
  // Without grow, a reply larger than the buffer is dequeued and destroyed by the
  // kernel (MACH_RCV_TOO_LARGE): the service asks the kernel, which reports the port
  // empty, so it is cached.
  server.async_receive([&](error_code ec, machio::received_message req) {
    BOOST_REQUIRE(!ec);
    struct big {
      std::byte bytes[512];
    };
    machio::async_send(server.get_executor(),
                       machio::message_builder(machio::mig::reply_id(req.id()))
                           .destination(req.take_reply_send_once())
                           .append_value(big{})
                           .build(),
                       [](error_code e, machio::message) { BOOST_REQUIRE(!e); });
  });
  machio::call_options small;
  small.receive.buffer_size = 64;
  small.receive.grow = false;
  BOOST_TEST(call_once(io, pair.send, 1, small) == machio::make_mach_error_code(MACH_RCV_TOO_LARGE));
  const auto kept = added(before, receive_names());
  BOOST_REQUIRE_EQUAL(kept.size(), 1u);
  BOOST_TEST(machio_test::receive_status(kept[0]).mps_msgcount == 0u);
  BOOST_TEST(machio_test::receive_status(kept[0]).mps_sorights == 0u);
  BOOST_TEST(machio::drain_reply_ports(io.get_executor()) == 1u);
}

BOOST_AUTO_TEST_CASE(the_cache_refuses_a_port_that_a_right_or_a_message_can_still_reach) {
  // What the service does when a call's receive failed and it cannot tell (reply_fate::
  // unknown): it counts with the kernel, and caches only a port nothing can reach.
  using machio::detail::reply_fate;
  using machio::detail::reply_port;
  asio::io_context io;
  auto& service = machio::detail::port_service_of(io.get_executor());
  const auto before = receive_names();
  error_code ec;

  // A send-once right to it is still out.
  reply_port held(service, ec);
  BOOST_REQUIRE(!ec);
  mach_port_t once = MACH_PORT_NULL;
  mach_msg_type_name_t type = 0;
  BOOST_REQUIRE_EQUAL(mach_port_extract_right(mach_task_self(), held.name(), MACH_MSG_TYPE_MAKE_SEND_ONCE, &once,
                                              &type),
                      KERN_SUCCESS);
  held.give_back(reply_fate::unknown);
  BOOST_TEST(service.cached_replies() == 0u);
  BOOST_TEST(mach_port_deallocate(mach_task_self(), once) == KERN_SUCCESS);  // a dead name now

  // A message is queued on it (the right was used, and the message holds it).
  held = reply_port(service, ec);
  BOOST_REQUIRE(!ec);
  BOOST_REQUIRE_EQUAL(mach_port_extract_right(mach_task_self(), held.name(), MACH_MSG_TYPE_MAKE_SEND_ONCE, &once,
                                              &type),
                      KERN_SUCCESS);
  mach_msg_header_t h{};
  h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
  h.msgh_size = sizeof h;
  h.msgh_remote_port = once;
  h.msgh_id = 9;
  BOOST_REQUIRE_EQUAL(mach_msg(&h, MACH_SEND_MSG, sizeof h, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL), MACH_MSG_SUCCESS);
  held.give_back(reply_fate::unknown);
  BOOST_TEST(service.cached_replies() == 0u);

  // Nothing can reach it: cached.
  held = reply_port(service, ec);
  BOOST_REQUIRE(!ec);
  held.give_back(reply_fate::unknown);
  BOOST_TEST(service.cached_replies() == 1u);

  // Abandoned is never cached, even when nothing could reach it.
  held = reply_port(service, ec);  // the cached one
  BOOST_REQUIRE(!ec);
  BOOST_TEST(service.cached_replies() == 0u);
  held.give_back(reply_fate::abandoned);
  BOOST_TEST(service.cached_replies() == 0u);
  BOOST_TEST(receive_names() == before);
}

BOOST_FIXTURE_TEST_CASE(the_cache_keeps_at_most_its_bound, served) {
  // More calls at once than the cache holds: when they end, the cache keeps its bound
  // and the other ports are destroyed.
  constexpr std::size_t bound = machio::detail::port_service::reply_cache_limit;
  constexpr std::size_t calls = bound + 4;
  // The server holds every request until all have come, so all the calls hold a port.
  std::vector<machio::received_message> held;
  std::function<void()> collect = [&] {
    server.async_receive([&](error_code ec, machio::received_message req) {
      BOOST_REQUIRE(!ec);
      held.push_back(std::move(req));
      if (held.size() < calls) return collect();
      BOOST_TEST(added(before, receive_names()).size() == calls);
      for (auto& r : held) answer(server, r);
    });
  };
  collect();
  std::size_t ok = 0;
  for (std::size_t i = 0; i < calls; ++i)
    machio::async_call(io.get_executor(), ping(pair.send, 400, static_cast<std::int32_t>(i)),
                       [&](error_code ec, machio::received_message) { ok += !ec; });
  io.run();
  BOOST_TEST(ok == calls);
  BOOST_TEST(added(before, receive_names()).size() == bound);
  BOOST_TEST(machio::drain_reply_ports(io.get_executor()) == bound);
  BOOST_TEST(receive_names() == before);
}

BOOST_AUTO_TEST_CASE(destroying_the_io_context_destroys_the_cached_ports) {
  auto pair = machio::receive_right::allocate_pair();
  const auto before = receive_names();
  {
    asio::io_context io;
    machio::receive_port server(io, std::move(pair.receive));
    serve_one(server);
    // Two calls, each with a port of its own: the first is answered and gives its port to
    // the cache; the second still waits for its reply while the context goes.
    bool answered = false;
    machio::async_call(io.get_executor(), ping(pair.send, 400),
                       [&](error_code ec, machio::received_message) { answered = !ec; });
    machio::async_call(io.get_executor(), ping(pair.send, 400),
                       [](error_code, machio::received_message) { BOOST_FAIL("never runs"); });
    while (!answered && io.run_one() > 0) {
    }
    BOOST_TEST(answered);
    BOOST_TEST(machio::detail::port_service_of(io.get_executor()).cached_replies() == 1u);
    pair.receive = server.release();
  }
  BOOST_TEST(receive_names() == before);
  // The pending call's request is still queued: its reply right is to a port that died.
  auto req = machio::receive(pair.receive);
  error_code take_ec;
  BOOST_TEST(!req.take_reply_send_once(take_ec));
}

BOOST_FIXTURE_TEST_CASE(fork_prepare_empties_the_cache, served) {
  // So that a child inherits no cached port; the parent makes them again on demand.
  serve_one(server);
  BOOST_TEST(!call_once(io, pair.send));
  BOOST_TEST(added(before, receive_names()).size() == 1u);
  io.notify_fork(asio::execution_context::fork_prepare);
  BOOST_TEST(receive_names() == before);
  io.notify_fork(asio::execution_context::fork_parent);
  serve_one(server);
  BOOST_TEST(!call_once(io, pair.send, 2));
  BOOST_TEST(added(before, receive_names()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(many_threads_calling_at_once_share_the_cache) {
  // Four threads run the io_context; eight chains of calls run on it at once, each call
  // started by the handler of the one before, so that ports are taken and given back
  // from every thread. A raw server thread answers. Checked: every reply is its own
  // call's (the value doubled), and the cache stays within its bound.
  constexpr int chains = 8, per_chain = 200, threads = 4;
  auto pair = machio::receive_right::allocate_pair();
  const auto before = receive_names();
  std::thread server([port = pair.receive.get()] {
    for (;;) {
      struct {
        mach_msg_header_t h;
        std::int32_t v;
        mach_msg_max_trailer_t t;
      } buf{};
      if (mach_msg(&buf.h, MACH_RCV_MSG, 0, sizeof buf, port, 0, MACH_PORT_NULL) != MACH_MSG_SUCCESS) return;
      if (buf.h.msgh_id != 400) return;  // the stop message
      const mach_port_t reply = buf.h.msgh_remote_port;
      buf.h = {};
      buf.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
      buf.h.msgh_size = sizeof buf.h + sizeof buf.v;
      buf.h.msgh_remote_port = reply;
      buf.h.msgh_id = 500;
      buf.v *= 2;
      if (mach_msg(&buf.h, MACH_SEND_MSG, buf.h.msgh_size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) != MACH_MSG_SUCCESS)
        return;
    }
  });
  std::atomic<int> good{0}, bad{0};
  {
    asio::io_context io(threads);
    struct chain {
      asio::io_context& io;
      const machio::send_right& dest;
      std::atomic<int>& good;
      std::atomic<int>& bad;
      int value;
      int left;
      void next() {
        machio::async_call(io.get_executor(), ping(dest, 400, value), [this](error_code ec, machio::received_message m) {
          (!ec && *m.body_as<std::int32_t>() == value * 2 ? good : bad)++;
          ++value;
          if (--left > 0) next();
        });
      }
    };
    std::vector<chain> all;
    all.reserve(chains);
    for (int c = 0; c < chains; ++c) all.push_back(chain{io, pair.send, good, bad, c * 100000, per_chain});
    for (auto& c : all) c.next();
    std::vector<std::thread> runners;
    for (int t = 0; t < threads; ++t) runners.emplace_back([&] { io.run(); });
    for (auto& t : runners) t.join();
    BOOST_TEST(machio::detail::port_service_of(io.get_executor()).cached_replies() <=
               machio::detail::port_service::reply_cache_limit);
  }
  machio::send(ping(pair.send, 1));  // stops the server
  server.join();
  BOOST_TEST(good.load() == chains * per_chain);
  BOOST_TEST(bad.load() == 0);
  BOOST_TEST(receive_names() == before);
}

BOOST_AUTO_TEST_SUITE_END()
