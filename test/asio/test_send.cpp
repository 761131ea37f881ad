// SPDX-License-Identifier: BSL-1.0
// async_send: immediate sends, waiting on a full queue for send-possible, cancellation
// while waiting (rights come back), a destination that dies while we wait or is dead
// already (rights come back).
#include "asio_test.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <functional>
#include <vector>

using machio_test::ping;
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// A port whose queue holds one message, already full.
struct full_port {
  machio::port_pair pair;
  full_port() : pair(machio::receive_right::allocate_pair(machio::port_options{.qlimit = 1})) {
    machio::send(ping(pair.send, 1), machio::no_wait);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(asio_send, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(sends_to_a_queue_with_room) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  bool done = false;
  machio::async_send(io, ping(pair.send, 3), [&](error_code ec, machio::message back) {
    BOOST_TEST(!ec);
    BOOST_TEST(!back.valid());
    done = true;
  });
  BOOST_TEST(!done);  // never inside the initiating call
  io.run();
  BOOST_TEST(done);
  BOOST_TEST(machio::receive(pair.receive).id() == 3);
}

BOOST_AUTO_TEST_CASE(a_send_started_by_a_receive_handler_completes_after_it) {
  // The send finishes at once; its handler runs after the handler that started it has
  // returned, on the same thread, and a chain of such sends leaves room for the rest of
  // the io_context (a handler posted while the chain runs runs before the chain ends).
  asio::io_context io;
  auto inbox = machio::receive_right::allocate_pair();
  auto outbox = machio::receive_right::allocate_pair(machio::port_options{.qlimit = MACH_PORT_QLIMIT_MAX});
  machio::receive_port port(io, std::move(inbox.receive));
  machio::send(ping(inbox.send, 1));
  constexpr int chain = 200;
  std::vector<int> order;  // 0: the receive handler returned; n: send n done; -1: posted
  std::function<void(int)> send_next = [&](int n) {
    machio::async_send(io, ping(outbox.send, n), [&, n](error_code ec, machio::message) {
      BOOST_TEST(!ec);
      order.push_back(n);
      if (n < chain) send_next(n + 1);
    });
  };
  port.async_receive([&](error_code ec, machio::received_message) {
    BOOST_TEST(!ec);
    send_next(1);
    asio::post(io, [&] { order.push_back(-1); });
    order.push_back(0);
  });
  io.run();
  BOOST_TEST_REQUIRE(order.size() == static_cast<std::size_t>(chain + 2));
  BOOST_TEST(order[0] == 0);
  BOOST_TEST(order[1] == 1);
  const auto posted = std::find(order.begin(), order.end(), -1) - order.begin();
  BOOST_TEST(posted < chain);  // ran while the chain was still going
  for (int n = 1; n <= chain; ++n) BOOST_TEST(machio::receive(outbox.receive, {}, machio::no_wait).id() == n);
}

BOOST_AUTO_TEST_CASE(waits_for_room_on_a_full_queue_then_sends) {
  asio::io_context io;
  full_port full;
  machio::receive_port port(io, std::move(full.pair.receive));
  std::vector<mach_msg_id_t> events;
  machio::async_send(io, ping(full.pair.send, 2), [&](error_code ec, machio::message back) {
    BOOST_TEST(!ec);
    BOOST_TEST(!back.valid());
    events.push_back(-2);
  });
  io.poll();
  BOOST_TEST(events.empty());  // waiting: the queue is full
  // Receiving makes room: the send-possible notification lets the send go through.
  port.async_receive([&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    events.push_back(m.id());
    port.async_receive([&](error_code ec2, machio::received_message m2) {
      BOOST_TEST(!ec2);
      events.push_back(m2.id());
    });
  });
  io.run();
  BOOST_TEST_REQUIRE(events.size() == 3u);
  BOOST_TEST(events[0] == 1);
  BOOST_TEST(events.back() == 2);
}

BOOST_AUTO_TEST_CASE(cancelling_a_waiting_send_gives_the_rights_back) {
  for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial,
                    asio::cancellation_type::total}) {
    asio::io_context io;
    full_port full;
    // The message moves a send right: after the cancellation the caller owns it again.
    auto carried = machio::receive_right::allocate_pair();
    machio::message msg =
        machio::message_builder(5).destination(full.pair.send).add_port(std::move(carried.send)).build();
    asio::cancellation_signal signal;
    error_code got;
    machio::message back;
    machio::async_send(io, std::move(msg),
                       asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, machio::message m) {
                         got = ec;
                         back = std::move(m);
                       }));
    io.poll();
    signal.emit(type);
    io.run();
    BOOST_TEST(got == asio::error::operation_aborted);
    BOOST_TEST(back.valid());
    BOOST_TEST(back.descriptor_count() == 1u);
    // The queue still holds only the first message.
    BOOST_TEST(machio::receive(full.pair.receive).id() == 1);
    error_code none;
    machio::receive(full.pair.receive, {}, machio::no_wait, none);
    BOOST_TEST(none == boost::system::errc::timed_out);
  }
}

BOOST_AUTO_TEST_CASE(a_destination_that_dies_while_waiting_fails_the_send) {
  asio::io_context io;
  full_port full;
  error_code got;
  machio::async_send(io, ping(full.pair.send, 6), [&](error_code ec, machio::message m) {
    got = ec;
    BOOST_TEST(m.valid());  // not sent: it comes back
  });
  io.poll();
  full.pair.receive.reset();  // the port dies
  io.run();
  BOOST_TEST(got == machio::make_mach_error_code(MACH_SEND_INVALID_DEST));
}

BOOST_AUTO_TEST_CASE(an_empty_message_fails_at_once) {
  asio::io_context io;
  error_code got;
  machio::async_send(io.get_executor(), machio::message{}, [&](error_code ec, machio::message) { got = ec; });
  io.run();
  BOOST_TEST(got == make_error_code(machio::error::message_consumed));
}

BOOST_AUTO_TEST_CASE(a_destination_already_dead_fails_at_once_and_gives_the_rights_back) {
  asio::io_context io;
  auto pair = machio::receive_right::allocate_pair();
  pair.receive.reset();  // the peer is gone before the send starts
  auto carried = machio::receive_right::allocate_pair();
  error_code got;
  machio::message back;
  machio::async_send(io, machio::message_builder(7).destination(pair.send).add_port(std::move(carried.send)).build(),
                     [&](error_code ec, machio::message m) {
                       got = ec;
                       back = std::move(m);
                     });
  BOOST_TEST(!back.valid());  // not inside the initiating call
  io.run();
  BOOST_TEST(got == machio::make_mach_error_code(MACH_SEND_INVALID_DEST));
  BOOST_TEST_REQUIRE(back.valid());
  BOOST_TEST(back.descriptor_count() == 1u);  // the carried send right came back
}

// Two sends waiting on one full queue share one send-possible request (a second request
// would replace the first, whose released send-once right notifies the service, which
// retried both, which replaced each other again: poll() never returned). When room comes
// they go in the order they were started.
BOOST_AUTO_TEST_CASE(two_sends_waiting_on_one_full_queue_go_in_start_order) {
  asio::io_context io;
  full_port full;
  std::vector<int> done;
  machio::async_send(io, ping(full.pair.send, 2), [&](error_code ec, machio::message) {
    BOOST_TEST(!ec);
    done.push_back(2);
  });
  machio::async_send(io, ping(full.pair.send, 3), [&](error_code ec, machio::message) {
    BOOST_TEST(!ec);
    done.push_back(3);
  });
  io.poll();
  BOOST_TEST(done.empty());
  BOOST_TEST(machio::receive(full.pair.receive).id() == 1);
  machio::receive_port port(io, std::move(full.pair.receive));
  std::vector<mach_msg_id_t> received;
  auto collect = [&](error_code ec, machio::received_message m) {
    BOOST_TEST(!ec);
    received.push_back(m.id());
  };
  port.async_receive(collect);
  port.async_receive(collect);
  io.run();
  BOOST_TEST((done == std::vector<int>{2, 3}));
  BOOST_TEST((received == std::vector<mach_msg_id_t>{2, 3}));
}

// Withdrawing one send's request releases its send-once right, which notifies the service;
// that says nothing about other queues. A send waiting on another full queue must stay
// waiting, its request in place (it used to be registered again, replacing itself, and
// that replacement's notification started the same round again: poll() never returned).
BOOST_AUTO_TEST_CASE(cancelling_one_waiting_send_leaves_a_send_to_another_queue_waiting) {
  asio::io_context io;
  full_port first, second;
  asio::cancellation_signal cancel_first;
  error_code first_ec, second_ec = asio::error::would_block;
  machio::async_send(io, ping(first.pair.send, 2),
                     asio::bind_cancellation_slot(cancel_first.slot(), [&](error_code ec, machio::message) {
                       first_ec = ec;
                     }));
  machio::async_send(io, ping(second.pair.send, 3), [&](error_code ec, machio::message) { second_ec = ec; });
  io.poll();
  cancel_first.emit(asio::cancellation_type::terminal);
  io.poll();  // serves the released right's notification, and returns
  BOOST_TEST(first_ec == asio::error::operation_aborted);
  BOOST_TEST(second_ec == asio::error::would_block);  // still waiting
  BOOST_TEST(second.pair.receive.status().mps_msgcount == 1u);
  BOOST_TEST(machio::receive(second.pair.receive).id() == 1);  // room: the request fires
  io.run();
  BOOST_TEST(!second_ec);
  BOOST_TEST(machio::receive(second.pair.receive).id() == 3);
}

BOOST_AUTO_TEST_SUITE_END()
