// SPDX-License-Identifier: BSL-1.0
// Per-operation cancellation in the states the operation tests leave out: a receive into a
// user buffer and a port set receive while waiting; the armed receive and one queued behind
// it; a send waiting behind another on the same full queue; what each wait leaves
// registered once cancelled; a port-destroyed wait cancelled before and after the right
// left the task; and cancellation that arrives after the result was taken (the handler
// is queued), which does nothing (doc/async.md, "Cancellation").
#include "operation_kinds.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <algorithm>
#include <array>

using machio_test::ping;
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::array<asio::cancellation_type, 3> every_type = {
    asio::cancellation_type::terminal, asio::cancellation_type::partial, asio::cancellation_type::total};

// True when a request (dead-name or send-possible) is registered on `name` in this task.
bool has_request(mach_port_name_t name) {
  mach_port_type_t type = 0;
  BOOST_REQUIRE(mach_port_type(mach_task_self(), name, &type) == KERN_SUCCESS);
  return (type & MACH_PORT_TYPE_DNREQUEST) != 0;
}

// Takes the next message from `from` without waiting; its id, or 0 when the queue is empty.
mach_msg_id_t next_id(const machio::receive_right& from) {
  error_code ec;
  auto m = machio::receive(from, {}, machio::no_wait, ec);
  return ec ? 0 : m.id();
}

// A port whose queue holds one message, already full.
machio::port_pair full_pair() {
  auto pair = machio::receive_right::allocate_pair(machio::port_options{.qlimit = 1});
  machio::send(ping(pair.send, 1), machio::no_wait);
  return pair;
}

// Starts a port-destroyed wait on `port` that `signal` cancels; its code goes to `got`, and
// a cancelled wait must bring no right.
void wait_port_destroyed_cancellably(asio::io_context& io, const machio::receive_right& port,
                                     asio::cancellation_signal& signal, error_code& got) {
  machio::async_wait_port_destroyed(io.get_executor(), port,
                                    asio::bind_cancellation_slot(signal.slot(), [&got](error_code ec, machio::receive_right r) {
                                      got = ec;
                                      BOOST_TEST(!r);
                                    }));
}

// A port-destroyed wait on a fresh port, registered (its first step has run); cancel()
// cancels it and runs it to completion.
struct pending_port_destroyed_wait {
  asio::io_context io;
  machio::port_pair pair = machio::receive_right::allocate_pair();
  asio::cancellation_signal signal;
  error_code got;

  pending_port_destroyed_wait() {
    wait_port_destroyed_cancellably(io, pair.receive, signal, got);
    io.poll();
  }
  void cancel(asio::cancellation_type type) {
    signal.emit(type);
    io.run();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(asio_cancellation_states, machio_test::right_accounting)

BOOST_FIXTURE_TEST_CASE(a_user_buffer_receive_cancelled_leaves_the_buffer_and_the_message_alone, machio_test::one_port) {
  // The knote receives into the buffer: once cancelled, a message already in the port (not
  // yet collected) or sent afterwards must stay there, and the buffer must stay untouched.
  for (bool sent_first : {true, false}) {
    for (auto type : every_type) {
      io.restart();
      alignas(8) std::array<std::byte, 128> buf;
      buf.fill(std::byte{0xa5});
      asio::cancellation_signal signal;
      error_code got;
      std::size_t size = 1;
      port.async_receive(std::span<std::byte>(buf), asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, std::size_t n) {
                           got = ec;
                           size = n;
                         }));
      io.poll();  // armed
      if (sent_first) machio::send(ping(pair.send, 3));
      signal.emit(type);
      if (!sent_first) machio::send(ping(pair.send, 3));
      io.run();
      BOOST_TEST(got == asio::error::operation_aborted);
      BOOST_TEST(size == 0u);
      BOOST_TEST(std::all_of(buf.begin(), buf.end(), [](std::byte b) { return b == std::byte{0xa5}; }));
      BOOST_TEST(next_id(port.right()) == 3);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_port_set_receive_cancelled_dequeues_nothing) {
  for (auto type : every_type) {
    asio::io_context io;
    auto member = machio::receive_right::allocate_pair();
    machio::port_set_object set(io, machio::port_set::allocate());
    set.set().insert(member.receive);
    asio::cancellation_signal signal;
    error_code got;
    set.async_receive(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, machio::received_message m) {
      got = ec;
      BOOST_TEST(!m.valid());
    }));
    io.poll();
    machio::send(ping(member.send, 4));
    signal.emit(type);
    io.run();
    BOOST_TEST(got == asio::error::operation_aborted);
    BOOST_TEST(set.receive({}, machio::no_wait).id() == 4);  // still queued, for the set
  }
}

BOOST_FIXTURE_TEST_CASE(cancelling_the_armed_receive_arms_the_one_behind_it, machio_test::one_port) {
  for (auto type : every_type) {
    io.restart();
    asio::cancellation_signal signal;
    error_code first;
    mach_msg_id_t second = 0;
    port.async_receive(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, machio::received_message) {
      first = ec;
    }));
    port.async_receive([&](error_code ec, machio::received_message m) {
      BOOST_TEST(!ec);
      second = m.id();
    });
    io.poll();  // the first is armed
    signal.emit(type);
    machio::send(ping(pair.send, 5));
    io.run();
    BOOST_TEST(first == asio::error::operation_aborted);
    BOOST_TEST(second == 5);
  }
}

BOOST_FIXTURE_TEST_CASE(cancelling_a_receive_queued_behind_the_armed_one_keeps_the_order, machio_test::one_port) {
  for (auto type : every_type) {
    io.restart();
    asio::cancellation_signal signal;
    std::vector<mach_msg_id_t> got;
    error_code middle;
    auto collect = [&](error_code ec, machio::received_message m) {
      BOOST_TEST(!ec);
      got.push_back(m.id());
    };
    port.async_receive(collect);
    port.async_receive(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, machio::received_message) {
      middle = ec;
    }));
    port.async_receive(collect);
    io.poll();
    signal.emit(type);
    machio::send(ping(pair.send, 1));
    machio::send(ping(pair.send, 2));
    machio::send(ping(pair.send, 3));
    io.run();
    BOOST_TEST(middle == asio::error::operation_aborted);
    BOOST_TEST((got == std::vector<mach_msg_id_t>{1, 2}));
    BOOST_TEST(next_id(port.right()) == 3);
  }
}

BOOST_AUTO_TEST_CASE(cancelling_the_only_waiting_send_removes_its_request) {
  for (auto type : every_type) {
    asio::io_context io;
    auto full = full_pair();
    asio::cancellation_signal signal;
    error_code got;
    machio::async_send(io, ping(full.send, 2), asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, machio::message back) {
                         got = ec;
                         BOOST_TEST(back.valid());
                       }));
    io.poll();
    BOOST_TEST(has_request(full.send.get()));  // the send-possible request
    signal.emit(type);
    io.run();
    BOOST_TEST(got == asio::error::operation_aborted);
    BOOST_TEST(!has_request(full.send.get()));
  }
}

BOOST_AUTO_TEST_CASE(a_send_waiting_behind_a_cancelled_one_is_still_sent) {
  // Two sends wait on one full queue, so they share the destination's send-possible
  // request: cancelling the first must leave it registered for the second.
  for (auto type : every_type) {
    asio::io_context io;
    auto full = full_pair();
    asio::cancellation_signal signal;
    error_code first = asio::error::would_block, second = asio::error::would_block;
    machio::async_send(io, ping(full.send, 2), asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, machio::message) {
                         first = ec;
                       }));
    machio::async_send(io, ping(full.send, 3), [&](error_code ec, machio::message back) {
      second = ec;
      BOOST_TEST(!back.valid());
    });
    io.poll();
    signal.emit(type);
    io.poll();
    BOOST_TEST(first == asio::error::operation_aborted);
    BOOST_TEST(second == asio::error::would_block);  // still waiting
    BOOST_TEST(has_request(full.send.get()));         // for the second send
    BOOST_TEST(next_id(full.receive) == 1);           // room: send-possible fires
    io.run();
    BOOST_TEST(!second);
    BOOST_TEST(next_id(full.receive) == 3);
    BOOST_TEST(!has_request(full.send.get()));
  }
}

BOOST_AUTO_TEST_CASE(cancelled_dead_name_and_no_senders_waits_leave_no_request_registered) {
  // The watched rights outlive the waits, so a request left behind would show.
  for (auto type : every_type) {
    asio::io_context io;
    auto pair = machio::receive_right::allocate_pair();
    asio::cancellation_signal dead, no_senders;
    std::array<error_code, 2> got;
    machio::async_wait_dead_name(io.get_executor(), pair.send,
                                 asio::bind_cancellation_slot(dead.slot(), [&](error_code ec, std::monostate) { got[0] = ec; }));
    machio::async_wait_no_senders(io.get_executor(), pair.receive, 2,
                                  asio::bind_cancellation_slot(no_senders.slot(), [&](error_code ec, mach_port_mscount_t) {
                                    got[1] = ec;
                                  }));
    io.poll();
    BOOST_TEST(has_request(pair.send.get()));
    BOOST_TEST(pair.receive.status().mps_nsrequest != 0u);
    dead.emit(type);
    no_senders.emit(type);
    io.run();
    for (const auto& ec : got) BOOST_TEST(ec == asio::error::operation_aborted);
    BOOST_TEST(!has_request(pair.send.get()));
    BOOST_TEST(pair.receive.status().mps_nsrequest == 0u);
  }
}

// XNU keeps a port-destroyed request until it fires and refuses (KERN_FAILURE plus a
// guard exception) to replace or clear it, so a cancelled wait cannot remove its request.
// async_wait_port_destroyed documents what a user can rely on instead: the request stays,
// a later wait on the port fails with KERN_FAILURE without asking the kernel, and the
// right, destroyed later, dies for good (its notification has nowhere to go).
BOOST_AUTO_TEST_CASE(a_cancelled_port_destroyed_wait_leaves_its_request_with_nowhere_to_go) {
  for (auto type : every_type) {
    pending_port_destroyed_wait wait;
    auto& io = wait.io;
    auto& pair = wait.pair;
    BOOST_TEST(pair.receive.status().mps_pdrequest != 0u);
    wait.cancel(type);
    BOOST_TEST(wait.got == asio::error::operation_aborted);
    BOOST_TEST(pair.receive.status().mps_pdrequest != 0u);  // the kernel keeps it
    // A second wait is refused, posted like any completion, and brings nothing.
    io.restart();
    error_code second;
    int calls = 0;
    machio::async_wait_port_destroyed(io.get_executor(), pair.receive, [&](error_code ec, machio::receive_right r) {
      ++calls;
      second = ec;
      BOOST_TEST(!r);
    });
    BOOST_TEST(calls == 0);
    io.run();
    BOOST_TEST(calls == 1);
    BOOST_TEST(second == machio::make_mach_error_code(KERN_FAILURE));
    // Destroyed now, the right is not handed anywhere: the port dies.
    pair.receive.reset();
    BOOST_TEST(pair.send.is_dead());
  }
}

BOOST_AUTO_TEST_CASE(a_right_that_came_back_to_a_cancelled_wait_is_destroyed) {
  // The notification is queued on the wait's notify port but not yet taken when the
  // cancellation arrives: the wait completes with operation_aborted, and the right it
  // carried goes with the notify port instead of leaking.
  for (auto type : every_type) {
    pending_port_destroyed_wait wait;
    wait.pair.receive.reset();  // handed to the notify port
    BOOST_TEST(!wait.pair.send.is_dead());
    wait.cancel(type);
    BOOST_TEST(wait.got == asio::error::operation_aborted);
    BOOST_TEST(wait.pair.send.is_dead());
  }
}

BOOST_AUTO_TEST_CASE(a_port_destroyed_wait_cancelled_after_the_right_left_the_task) {
  // The request travels with the port; cancelled meanwhile, the operation's notify port is
  // gone, so when the right is finally destroyed its notification has nowhere to go and the
  // right is destroyed with it (documented on async_wait_port_destroyed).
  for (auto type : every_type) {
    asio::io_context io;
    auto watched = machio::receive_right::allocate_pair();
    auto carrier = machio::receive_right::allocate_pair();
    asio::cancellation_signal signal;
    error_code got;
    wait_port_destroyed_cancellably(io, watched.receive, signal, got);
    io.poll();
    machio::send(machio::message_builder(1).destination(carrier.send).add_port(std::move(watched.receive)).build());
    signal.emit(type);
    io.run();
    BOOST_TEST(got == asio::error::operation_aborted);
    {
      auto in_transit = machio::receive(carrier.receive);
      machio::receive_right back = in_transit.take_receive_right(0);
      BOOST_TEST(back.status().mps_pdrequest != 0u);  // still registered, towards a dead port
    }  // destroyed here
    BOOST_TEST(watched.send.is_dead());
  }
}

// A cancellation that arrives once the result is taken does nothing: the handler, queued
// on another io_context, gets the result. (The composed operations, async_call and the
// notification waits, run their intermediate steps on the handler's executor too, so they
// cannot be held in this state this way.)
using port_op_kinds = boost::mpl::list<machio_test::receive_message_op, machio_test::receive_bytes_op,
                                       machio_test::port_set_op, machio_test::send_op>;

BOOST_AUTO_TEST_CASE_TEMPLATE(a_cancellation_after_the_result_was_taken_does_nothing, Op, port_op_kinds) {
  for (auto type : every_type) {
    asio::io_context io, other;
    Op op(io);
    asio::cancellation_signal signal;
    int calls = 0;
    op.start(asio::bind_cancellation_slot(
        signal.slot(), asio::bind_executor(other.get_executor(), [&](error_code ec, typename Op::result r) {
          ++calls;
          BOOST_TEST(!ec);
          BOOST_TEST(op.check(r));
        })));
    op.trigger();
    io.run();  // the result is taken; the handler is queued on `other`
    BOOST_TEST(calls == 0);
    signal.emit(type);
    other.run();
    BOOST_TEST(calls == 1);
  }
}

// async_call sends its request inside the initiating call; the step that then waits for
// the reply is queued. A terminal or partial cancellation arriving in between must not be
// lost: the call completes with operation_aborted without a reply ever coming (the server
// here never answers).
BOOST_AUTO_TEST_CASE(a_call_cancelled_between_sending_and_waiting_for_the_reply) {
  for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial}) {
    asio::cancellation_signal signal;  // outlives the operation, which io's destruction ends
    asio::io_context io;
    auto server = machio::receive_right::allocate_pair();
    error_code got = asio::error::would_block;
    machio::async_call(io.get_executor(), ping(server.send, 400),
                       asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, machio::received_message m) {
                         got = ec;
                         BOOST_TEST(!m.valid());
                       }));
    BOOST_TEST(server.receive.status().mps_msgcount == 1u);  // sent
    signal.emit(type);
    io.poll();  // no event is needed to complete a cancelled call
    BOOST_TEST(got == asio::error::operation_aborted);
  }
}

BOOST_AUTO_TEST_SUITE_END()
