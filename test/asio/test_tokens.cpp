// SPDX-License-Identifier: BSL-1.0
// Every completion token kind on async_receive and async_send, handlers' associated
// executors and allocators honoured, and a counting allocator proving the steady-state
// receive into a user buffer allocates nothing.
#include "asio_test.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdlib>
#include <sys/event.h>
#include <unistd.h>
#include <thread>

using machio_test::ping;
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Counts global allocations on this thread while enabled.
thread_local bool counting = false;
thread_local std::size_t global_allocations = 0;

}  // namespace

void* operator new(std::size_t n) {
  if (counting) ++global_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

BOOST_FIXTURE_TEST_SUITE(asio_tokens, machio_test::one_port)

BOOST_AUTO_TEST_CASE(use_future) {
  std::thread runner;
  auto guard = asio::make_work_guard(io);
  runner = std::thread([this] { io.run(); });
  auto f = port.async_receive(asio::use_future);
  machio::send(ping(pair.send, 1));
  BOOST_TEST(f.get().id() == 1);
  auto sent = machio::async_send(io, ping(pair.send, 2), asio::use_future);
  BOOST_TEST(!sent.get().valid());
  BOOST_TEST(port.async_receive(asio::use_future).get().id() == 2);
  guard.reset();
  runner.join();
}

BOOST_AUTO_TEST_CASE(use_awaitable_and_deferred) {
  int done = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await machio::async_send(io, ping(pair.send, 3), asio::use_awaitable);
        auto m = co_await port.async_receive(asio::use_awaitable);
        BOOST_TEST(m.id() == 3);
        co_await machio::async_send(io, ping(pair.send, 4), asio::deferred);
        auto m2 = co_await port.async_receive(asio::deferred);
        BOOST_TEST(m2.id() == 4);
        ++done;
      },
      asio::detached);
  io.run();
  BOOST_TEST(done == 1);
}

BOOST_AUTO_TEST_CASE(deferred_launched_later) {
  auto op = port.async_receive(asio::deferred);
  machio::send(ping(pair.send, 5));
  mach_msg_id_t id = 0;
  std::move(op)([&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    id = m.id();
  });
  io.run();
  BOOST_TEST(id == 5);
}

BOOST_AUTO_TEST_CASE(as_tuple_and_redirect_error) {
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::cancellation_signal never;
        machio::send(ping(pair.send, 6));
        auto [ec, m] = co_await port.async_receive(asio::as_tuple(asio::use_awaitable));
        BOOST_TEST(!ec);
        BOOST_TEST(m.id() == 6);
        // A closed port reports bad_descriptor through redirect_error.
        machio::receive_port closed(io);
        error_code ec2;
        co_await closed.async_receive(asio::redirect_error(asio::use_awaitable, ec2));
        BOOST_TEST(ec2 == asio::error::bad_descriptor);
      },
      asio::detached);
  io.run();
}

BOOST_AUTO_TEST_CASE(bind_executor_strand_runs_the_handler_there) {
  auto strand = asio::make_strand(io);
  bool on_strand = false;
  machio::send(ping(pair.send, 7));
  port.async_receive(asio::bind_executor(strand, [&](error_code ec, machio::received_message) {
    BOOST_TEST(!ec);
    on_strand = strand.running_in_this_thread();
  }));
  io.run();
  BOOST_TEST(on_strand);
}

BOOST_AUTO_TEST_CASE(an_io_object_on_a_strand_executor) {
  auto strand = asio::make_strand(io);
  machio::basic_receive_port<asio::strand<asio::io_context::executor_type>> sport(
      strand, port.release());
  machio::send(ping(pair.send, 8));
  bool on_strand = false;
  sport.async_receive([&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    BOOST_TEST(m.id() == 8);
    on_strand = strand.running_in_this_thread();
  });
  io.run();
  BOOST_TEST(on_strand);
}

BOOST_AUTO_TEST_CASE(bind_allocator_is_used_for_the_operation) {
  machio_test::alloc_counts counts;
  machio::send(ping(pair.send, 9));
  port.async_receive(asio::bind_allocator(machio_test::counting_allocator<void>(&counts),
                                          [](error_code ec, machio::received_message) { BOOST_TEST(!ec); }));
  io.run();
  BOOST_TEST(counts.allocations >= 1u);
  BOOST_TEST(counts.allocations == counts.deallocations);
}

BOOST_AUTO_TEST_CASE(bind_allocator_on_async_send_holds_the_waiting_operation) {
  machio_test::alloc_counts counts;
  auto full = machio::receive_right::allocate_pair(machio::port_options{.qlimit = 1});
  machio::send(ping(full.send, 1), machio::no_wait);
  error_code got = asio::error::would_block;
  machio::async_send(io, ping(full.send, 2),
                     asio::bind_allocator(machio_test::counting_allocator<void>(&counts),
                                          [&](error_code ec, machio::message m) {
                                            got = ec;
                                            BOOST_TEST(!m.valid());
                                          }));
  io.poll();
  // Waiting on the full queue: the operation's state lives in the handler's allocator.
  BOOST_TEST(got == asio::error::would_block);
  BOOST_TEST(counts.allocations > counts.deallocations);
  BOOST_TEST(machio::receive(full.receive).id() == 1);
  io.run();
  BOOST_TEST(!got);
  BOOST_TEST(counts.allocations == counts.deallocations);
  BOOST_TEST(machio::receive(full.receive).id() == 2);
}

BOOST_AUTO_TEST_CASE(parallel_group_and_timeout_with_awaitable_operators) {
  using namespace asio::experimental::awaitable_operators;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        // Nothing is sent: the timer wins, the receive is cancelled (terminal).
        asio::steady_timer timer(io, std::chrono::milliseconds(1));
        auto r = co_await (port.async_receive(asio::use_awaitable) || timer.async_wait(asio::use_awaitable));
        BOOST_TEST(r.index() == 1u);
        // A message is queued: the receive wins.
        machio::send(ping(pair.send, 10));
        asio::steady_timer later(io, std::chrono::hours(1));
        auto r2 = co_await (port.async_receive(asio::use_awaitable) || later.async_wait(asio::use_awaitable));
        BOOST_TEST_REQUIRE(r2.index() == 0u);
        BOOST_TEST(std::get<0>(r2).id() == 10);
        // make_parallel_group: wait for the first of two ports.
        auto other = machio::receive_right::allocate_pair();
        machio::receive_port port2(io, std::move(other.receive));
        machio::send(ping(other.send, 11));
        auto [order, ec1, m1, ec2, m2] =
            co_await asio::experimental::make_parallel_group(port.async_receive(asio::deferred),
                                                             port2.async_receive(asio::deferred))
                .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
        BOOST_TEST(order[0] == 1u);
        BOOST_TEST(ec1 == asio::error::operation_aborted);
        BOOST_TEST(!ec2);
        BOOST_TEST(m2.id() == 11);
      },
      asio::detached);
  io.run();
}

BOOST_AUTO_TEST_CASE(steady_state_receive_into_a_buffer_allocates_nothing) {
  alignas(8) std::byte buf[128];
  int remaining = 200;
  std::size_t allocations_in_steady_state = 0;
  // The loop: receive, then send the next message from the handler (synchronous send of
  // a prebuilt raw message, so only the receive path is measured).
  mach_msg_header_t h{};
  h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  h.msgh_size = sizeof h;
  h.msgh_remote_port = pair.send.get();
  h.msgh_id = 1;
  struct handler {
    machio::receive_port* port;
    std::byte* buf;
    int* remaining;
    std::size_t* allocs;
    mach_msg_header_t* h;
    void operator()(error_code ec, std::size_t) const {
      BOOST_TEST(!ec);
      if (*remaining == 150) {  // warmed up: recycling caches are populated
        global_allocations = 0;
        counting = true;
      }
      if (--*remaining == 0) {
        counting = false;
        *allocs = global_allocations;
        return;
      }
      mach_msg_header_t copy = *h;
      BOOST_REQUIRE(mach_msg(&copy, MACH_SEND_MSG, sizeof copy, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) ==
                    MACH_MSG_SUCCESS);
      port->async_receive(std::span<std::byte>(buf, 128), *this);
    }
  };
  mach_msg_header_t first = h;
  BOOST_REQUIRE(mach_msg(&first, MACH_SEND_MSG, sizeof first, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) ==
                MACH_MSG_SUCCESS);
  port.async_receive(std::span<std::byte>(buf), handler{&port, buf, &remaining, &allocations_in_steady_state, &h});
  io.run();
  BOOST_TEST(remaining == 0);

  // What the C API itself allocates for the calls one receive needs at the least (a send,
  // re-enabling the knote, draining the kqueue, the receive): nothing on Darwin, where
  // these are system calls; mach-emu's kevent64 allocates in user space. machio must add
  // nothing on top of it.
  int kq = kqueue();
  BOOST_REQUIRE(kq >= 0);
  kevent64_s ev;
  EV_SET64(&ev, pair.send.get(), EVFILT_MACHPORT, EV_ADD | EV_DISPATCH, 0, 0, 1, 0, 0);
  BOOST_REQUIRE(kevent64(kq, &ev, 1, nullptr, 0, 0, nullptr) == 0);
  auto raw_iteration = [&] {
    mach_msg_header_t copy = h;
    BOOST_REQUIRE(mach_msg(&copy, MACH_SEND_MSG, sizeof copy, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) ==
                  MACH_MSG_SUCCESS);
    EV_SET64(&ev, pair.send.get(), EVFILT_MACHPORT, EV_ENABLE, 0, 0, 1, 0, 0);
    kevent64(kq, &ev, 1, nullptr, 0, 0, nullptr);
    kevent64_s out[8];
    kevent64(kq, nullptr, 0, out, 8, KEVENT_FLAG_IMMEDIATE, nullptr);
    BOOST_REQUIRE(mach_msg(reinterpret_cast<mach_msg_header_t*>(buf), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
                           sizeof buf, pair.send.get(), 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS);
  };
  for (int i = 0; i < 10; ++i) raw_iteration();
  global_allocations = 0;
  counting = true;
  for (int i = 0; i < 149; ++i) raw_iteration();
  counting = false;
  const std::size_t baseline = global_allocations;
  close(kq);
  BOOST_TEST_MESSAGE("149 receives: machio " << allocations_in_steady_state << " allocations, the C API alone "
                                             << baseline);
  BOOST_TEST(allocations_in_steady_state <= baseline);
}

BOOST_AUTO_TEST_SUITE_END()
