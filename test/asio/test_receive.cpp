// SPDX-License-Identifier: BSL-1.0
// basic_receive_port: async_receive with callbacks, ordering, cancellation while waiting,
// never-inline completion, destruction with operations pending, run() returning.
// (Cancellation in the other states: test_cancellation_states.cpp.)
#include "asio_test.hpp"

#include <machio/basic_port_set.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <stdexcept>
#include <vector>

using machio_test::ping;
namespace asio = boost::asio;
using boost::system::error_code;

using machio_test::one_port;

BOOST_FIXTURE_TEST_SUITE(asio_receive, machio_test::right_accounting)

BOOST_FIXTURE_TEST_CASE(receives_a_queued_message_and_run_returns, one_port) {
  machio::send(ping(pair.send, 7, 42));
  int calls = 0;
  port.async_receive([&](error_code ec, machio::received_message m) {
    ++calls;
    BOOST_TEST(!ec);
    BOOST_TEST(m.id() == 7);
    BOOST_TEST(*m.body_as<std::int32_t>() == 42);
    BOOST_TEST(m.local_port() == port.native_handle());
  });
  BOOST_TEST(calls == 0);  // never inside the initiating call, even with a message queued
  io.run();                // returns: nothing keeps the context busy once it completed
  BOOST_TEST(calls == 1);
}

BOOST_FIXTURE_TEST_CASE(a_message_sent_later_wakes_the_receive, one_port) {
  int calls = 0;
  port.async_receive([&](error_code ec, machio::received_message m) {
    ++calls;
    BOOST_TEST(!ec);
    BOOST_TEST(m.id() == 9);
  });
  BOOST_TEST(io.poll() == 0u);  // nothing queued yet
  BOOST_TEST(calls == 0);
  machio::send(ping(pair.send, 9));
  io.run();
  BOOST_TEST(calls == 1);
}

BOOST_FIXTURE_TEST_CASE(a_message_taken_before_the_wake_means_wait_again, one_port) {
  mach_msg_id_t got = 0;
  port.async_receive([&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    got = m.id();
  });
  io.poll();
  machio::send(ping(pair.send, 1));
  // Taken synchronously before the io_context sees the event: the wake is spurious.
  BOOST_TEST(port.receive(machio::receive_options{}, machio::no_wait).id() == 1);
  io.poll();
  BOOST_TEST(got == 0);
  machio::send(ping(pair.send, 2));
  io.run();
  BOOST_TEST(got == 2);
}

BOOST_FIXTURE_TEST_CASE(concurrent_receives_complete_in_fifo_order, one_port) {
  std::vector<std::pair<int, mach_msg_id_t>> order;
  for (int i = 0; i < 3; ++i)
    port.async_receive([&, i](error_code ec, machio::received_message m) {
      BOOST_TEST(!ec);
      order.emplace_back(i, m.id());
    });
  for (mach_msg_id_t id = 100; id < 103; ++id) machio::send(ping(pair.send, id));
  io.run();
  BOOST_TEST_REQUIRE(order.size() == 3u);
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(order[i].first == i);
    BOOST_TEST(order[i].second == 100 + i);
  }
}

BOOST_FIXTURE_TEST_CASE(cancel_aborts_pending_and_leaves_the_message_queued, one_port) {
  error_code got;
  port.async_receive([&](error_code ec, machio::received_message m) {
    got = ec;
    BOOST_TEST(!m.valid());
  });
  BOOST_TEST(port.cancel() == 1u);
  io.run();
  BOOST_TEST(got == asio::error::operation_aborted);
  // The port still works and nothing was consumed.
  machio::send(ping(pair.send, 5));
  io.restart();
  port.async_receive([&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    BOOST_TEST(m.id() == 5);
  });
  io.run();
}

BOOST_AUTO_TEST_CASE(per_operation_cancellation_all_types_while_waiting) {
  for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial,
                    asio::cancellation_type::total}) {
    asio::io_context io;
    auto pair = machio::receive_right::allocate_pair();
    machio::receive_port port(io, std::move(pair.receive));
    asio::cancellation_signal signal;
    error_code got;
    port.async_receive(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, machio::received_message) {
      got = ec;
    }));
    io.poll();
    signal.emit(type);
    io.run();
    BOOST_TEST(got == asio::error::operation_aborted);
    // Nothing consumed: a later message goes to the next receive.
    machio::send(ping(pair.send, 3));
    io.restart();
    error_code second;
    port.async_receive([&](error_code ec, machio::received_message m) {
      second = ec;
      BOOST_TEST(m.id() == 3);
    });
    io.run();
    BOOST_TEST(!second);
  }
}

BOOST_AUTO_TEST_CASE(destroying_the_port_aborts_its_operations) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  error_code got;
  {
    machio::receive_port port(io, std::move(pair.receive));
    port.async_receive([&](error_code ec, machio::received_message) { got = ec; });
  }
  io.run();
  BOOST_TEST(got == asio::error::operation_aborted);
}

BOOST_FIXTURE_TEST_CASE(close_and_release, one_port) {
  const mach_port_name_t name = port.native_handle();
  error_code got;
  port.async_receive([&](error_code ec, machio::received_message) { got = ec; });
  machio::receive_right back = port.release();
  BOOST_TEST(back.get() == name);
  BOOST_TEST(!port.is_open());
  io.run();
  BOOST_TEST(got == asio::error::operation_aborted);
  io.restart();
  port.async_receive([&](error_code ec, machio::received_message) { got = ec; });
  io.run();
  BOOST_TEST(got == asio::error::bad_descriptor);
  port.assign(std::move(back));
  port.close();
  BOOST_TEST(!port.is_open());
}

BOOST_FIXTURE_TEST_CASE(receive_into_a_user_buffer, one_port) {
  machio::send(ping(pair.send, 21, 77));
  alignas(8) std::byte buf[256];
  std::size_t got = 0;
  port.async_receive(std::span<std::byte>(buf), [&](error_code ec, std::size_t n) {
    BOOST_TEST(!ec);
    got = n;
  });
  io.run();
  BOOST_TEST(got == sizeof(mach_msg_header_t) + 4);
  mach_msg_header_t h;
  std::memcpy(&h, buf, sizeof h);
  BOOST_TEST(h.msgh_id == 21);
}

BOOST_FIXTURE_TEST_CASE(a_message_with_no_receive_waiting_stays_in_the_port, one_port) {
  // The kevent receives a message only for a receive that waits: one that arrives in
  // between is still in the port for whoever receives next, here a synchronous receive.
  machio::send(ping(pair.send, 1));
  int calls = 0;
  port.async_receive([&](error_code ec, machio::received_message m) {
    ++calls;
    BOOST_TEST(!ec);
    BOOST_TEST(m.id() == 1);
  });
  io.run();
  BOOST_TEST(calls == 1);
  machio::send(ping(pair.send, 2));
  io.restart();
  io.poll();
  auto later = machio::receive(port.right(), {}, machio::no_wait);
  BOOST_TEST(later.id() == 2);
}

BOOST_FIXTURE_TEST_CASE(a_message_larger_than_the_buffer, one_port) {
  // Too large for the kevent's buffer: with grow it stays queued and is received whole,
  // without grow the kernel destroys it (rights included) and says so.
  const std::vector<std::byte> big(4096, std::byte{0x5a});
  auto large = [&](mach_msg_id_t id) {
    return machio::message_builder(id)
        .destination(pair.send)
        .append(big)
        .add_port(machio::receive_right::allocate().make_send())
        .build();
  };
  machio::send(large(3));
  machio::send(large(4));
  machio::receive_options small;
  small.buffer_size = 64;
  std::size_t grown = 0;
  port.async_receive(small, [&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    BOOST_TEST(m.id() == 3);
    grown = m.body().size();
  });
  small.grow = false;
  error_code refused;
  port.async_receive(small, [&](error_code ec, machio::received_message m) {
    refused = ec;
    BOOST_TEST(!m.valid());
  });
  io.run();
  BOOST_TEST(grown >= big.size());
  BOOST_TEST(refused == machio::make_mach_error_code(MACH_RCV_TOO_LARGE));
  BOOST_TEST(machio::receive(port.right(), {}, machio::no_wait, refused).valid() == false);
}

BOOST_FIXTURE_TEST_CASE(guarded_descriptors_asked_for_and_not, one_port) {
  // Asking for guarded descriptors switches the port to receiving with mach_msg (the
  // kevent receive cannot accept them); the next receive switches back.
  auto guarded = [&](mach_msg_id_t id) {
    return machio::message_builder(id)
        .destination(pair.send)
        .add_guarded_port(machio::receive_right::allocate(), MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE)
        .build();
  };
  machio::send(guarded(1));
  machio::send(guarded(2));
  machio::send(guarded(3));
  machio::receive_options accept;
  accept.guarded_descriptors = true;
  std::vector<mach_port_name_t> names;
  auto collect = [&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    error_code dec;
    names.push_back(m.descriptor(0, dec).name());
    if (m.id() != 2) return;
    auto right = m.take_receive_right(0, dec);
    BOOST_TEST(!dec);
    BOOST_TEST(right.is_guarded());
  };
  port.async_receive(collect);
  port.async_receive(accept, collect);
  port.async_receive(collect);
  io.run();
  BOOST_REQUIRE_EQUAL(names.size(), 3u);
  BOOST_TEST(names[0] == MACH_PORT_NULL);  // destroyed by the kernel: not asked for
  BOOST_TEST(names[1] != MACH_PORT_NULL);
  BOOST_TEST(names[2] == MACH_PORT_NULL);
}

BOOST_FIXTURE_TEST_CASE(a_handler_that_throws_leaves_run_able_to_return, one_port) {
  // The exception leaves io_context::run(), as Asio lets it. Nothing is pending after it,
  // so the service must stop waiting on the kqueue: the context then runs out of work
  // (a run() would return) instead of waiting forever.
  machio::send(ping(pair.send, 1));
  mach_msg_id_t got = 0;
  port.async_receive([&](error_code, machio::received_message m) {
    got = m.id();
    throw std::runtime_error("handler failed");
  });
  BOOST_CHECK_THROW(io.run(), std::runtime_error);
  BOOST_TEST(got == 1);
  io.restart();
  io.poll();
  BOOST_TEST(io.stopped());
}

BOOST_FIXTURE_TEST_CASE(a_misaligned_or_short_buffer_is_invalid_argument, one_port) {
  alignas(8) std::byte buf[256];
  error_code e1, e2;
  port.async_receive(std::span<std::byte>(buf + 1, 128), [&](error_code ec, std::size_t) { e1 = ec; });
  port.async_receive(std::span<std::byte>(buf, 8), [&](error_code ec, std::size_t) { e2 = ec; });
  io.run();
  BOOST_TEST(e1 == asio::error::invalid_argument);
  BOOST_TEST(e2 == asio::error::invalid_argument);
}

BOOST_AUTO_TEST_CASE(io_context_destroyed_with_a_coroutine_waiting) {
  auto pair = machio::receive_right::allocate_pair();
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  {
    asio::io_context io;
    asio::co_spawn(
        io,
        [&io, right = std::move(pair.receive), alive = std::move(alive)]() mutable -> asio::awaitable<void> {
          machio::receive_port port(io, std::move(right));
          co_await port.async_receive(asio::use_awaitable);
          BOOST_FAIL("no message was ever sent");
        },
        asio::detached);
    io.poll();
    BOOST_TEST(!watch.expired());
  }
  // Shutdown destroyed the pending receive, which destroyed the coroutine and its port.
  BOOST_TEST(watch.expired());
}

BOOST_FIXTURE_TEST_CASE(closing_the_port_under_an_armed_receive_aborts_it_and_kills_the_port, one_port) {
  error_code got;
  port.async_receive([&](error_code ec, machio::received_message) { got = ec; });
  io.poll();  // armed: the knote holds the receive's buffer
  port.close();
  BOOST_TEST(pair.send.is_dead());
  io.run();
  BOOST_TEST(got == asio::error::operation_aborted);
}

BOOST_AUTO_TEST_CASE(a_port_set_yields_messages_with_their_member) {
  asio::io_context io;
  auto a = machio::receive_right::allocate_pair();
  auto b = machio::receive_right::allocate_pair();
  machio::port_set_object set(io, machio::port_set::allocate());
  set.set().insert(a.receive);
  set.set().insert(b.receive);
  std::vector<std::pair<mach_port_name_t, mach_msg_id_t>> got;
  auto on_message = [&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    got.emplace_back(m.local_port(), m.id());
  };
  set.async_receive(on_message);
  set.async_receive(on_message);
  io.poll();
  machio::send(ping(b.send, 2));
  machio::send(ping(a.send, 1));
  io.run();
  BOOST_TEST_REQUIRE(got.size() == 2u);
  for (const auto& [member, id] : got) BOOST_TEST(member == (id == 1 ? a.receive.get() : b.receive.get()));
  // Cancellation and close as for a single port.
  error_code aborted;
  set.async_receive([&](error_code ec, machio::received_message) { aborted = ec; });
  io.restart();
  io.poll();
  set.close();
  io.run();
  BOOST_TEST(aborted == asio::error::operation_aborted);
}

BOOST_AUTO_TEST_SUITE_END()
