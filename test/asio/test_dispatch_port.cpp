// SPDX-License-Identifier: BSL-1.0
// basic_dispatch_port: each async_dispatch hands one received message to the dispatcher,
// in order, destroys what the dispatcher left, then completes; cancellation of each type
// dispatches nothing; destruction with operations pending or queued; a throwing dispatcher.
#include "asio_test.hpp"

#include <machio/basic_dispatch_port.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using machio_test::ping;
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// What the test dispatcher saw and did, in order: "d<id>" per dispatch.
struct journal {
  std::vector<std::string> events;
  mach_msg_id_t throw_on = -1;        // dispatching this id throws
  bool take_ports = false;            // take descriptor 0's send right and keep it
  std::vector<machio::send_right> kept;
};

// The test's dispatcher: records the id, optionally takes a right, optionally throws.
struct recording_dispatcher {
  journal* j;
  void operator()(machio::received_message& m) {
    j->events.push_back("d" + std::to_string(m.id()));
    if (j->take_ports && m.descriptor_count() > 0) j->kept.push_back(m.take_send_right(0));
    if (m.id() == j->throw_on) throw std::runtime_error("dispatcher failed");
  }
};

using port_type = machio::dispatch_port<recording_dispatcher>;

// The user references of \p name's send right.
mach_port_urefs_t send_refs(mach_port_name_t name) {
  mach_port_urefs_t refs = 0;
  BOOST_REQUIRE_EQUAL(mach_port_get_refs(mach_task_self(), name, MACH_PORT_RIGHT_SEND, &refs), KERN_SUCCESS);
  return refs;
}

// A message with id \p id to \p dest carrying a copy of \p carried (both COPY_SEND).
machio::message carrying(const machio::send_right& dest, mach_msg_id_t id, const machio::send_right& carried) {
  return machio::message_builder(id).destination(dest).add_port(carried).build();
}

// Runs \p io until the message carrying a copy of \p carried has been received (its
// urefs merged into ours: 2). Call it with the operation's handler bound to an executor of
// another io_context, not running: the dispatch step that follows the receive is then
// queued there, not yet run (on io itself it could run inline in the reactor's wake,
// leaving no moment to test).
void run_until_received(asio::io_context& io, const machio::send_right& carried) {
  while (send_refs(carried.get()) != 2u) BOOST_REQUIRE(io.run_one() == 1u);
}

// Runs one dispatch on \p ctx to its end and checks that it succeeded.
void dispatch_once(asio::io_context& ctx, port_type& port) {
  error_code got = asio::error::would_block;
  ctx.restart();
  port.async_dispatch([&](error_code ec) { got = ec; });
  ctx.run();
  BOOST_TEST(!got);
}

struct fixture : machio_test::right_accounting {
  asio::io_context io;
  machio::port_pair pair = machio::receive_right::allocate_pair();
  journal j;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(asio_dispatch_port, fixture)

BOOST_AUTO_TEST_CASE(dispatches_in_order_each_before_its_handler) {
  port_type port(io, std::move(pair.receive), recording_dispatcher{&j});
  for (mach_msg_id_t id : {1, 2, 3}) machio::send(ping(pair.send, id));
  for (int i = 1; i <= 3; ++i)
    port.async_dispatch([&, i](error_code ec) {
      BOOST_TEST(!ec);
      j.events.push_back("h" + std::to_string(i));
    });
  BOOST_TEST(j.events.empty());  // never inside the initiating call
  io.run();
  BOOST_TEST(j.events == (std::vector<std::string>{"d1", "h1", "d2", "h2", "d3", "h3"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_message_sent_later_wakes_the_dispatch) {
  port_type port(io, std::move(pair.receive), recording_dispatcher{&j});
  error_code got = asio::error::would_block;
  port.async_dispatch([&](error_code ec) { got = ec; });
  io.poll();
  BOOST_TEST(j.events.empty());
  machio::send(ping(pair.send, 8));
  io.run();
  BOOST_TEST(!got);
  BOOST_TEST(j.events == std::vector<std::string>{"d8"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(what_the_dispatcher_leaves_is_destroyed_before_the_handler) {
  auto other = machio::receive_right::allocate_pair();
  port_type port(io, std::move(pair.receive), recording_dispatcher{&j});
  // The message carries a copy of other.send: the receiver's name merges with ours, so
  // the urefs count 2 while the message is alive and 1 once it is destroyed.
  machio::send(carrying(pair.send, 4, other.send));
  mach_port_urefs_t in_handler = 0;
  port.async_dispatch([&](error_code ec) {
    BOOST_TEST(!ec);
    in_handler = send_refs(other.send.get());
  });
  io.run();
  BOOST_TEST(j.events == std::vector<std::string>{"d4"}, boost::test_tools::per_element());
  BOOST_TEST(in_handler == 1u);
}

BOOST_AUTO_TEST_CASE(what_the_dispatcher_takes_is_its_own) {
  auto other = machio::receive_right::allocate_pair();
  j.take_ports = true;
  port_type port(io, std::move(pair.receive), recording_dispatcher{&j});
  machio::send(carrying(pair.send, 5, other.send));
  port.async_dispatch([&](error_code ec) { BOOST_TEST(!ec); });
  io.run();
  BOOST_REQUIRE_EQUAL(j.kept.size(), 1u);
  BOOST_TEST(j.kept[0].get() == other.send.get());
  BOOST_TEST(send_refs(other.send.get()) == 2u);  // ours plus the one the dispatcher took
  j.kept.clear();
  BOOST_TEST(send_refs(other.send.get()) == 1u);
}

BOOST_AUTO_TEST_CASE(cancel_aborts_and_dispatches_nothing) {
  port_type port(io, std::move(pair.receive), recording_dispatcher{&j});
  error_code got;
  port.async_dispatch([&](error_code ec) { got = ec; });
  BOOST_TEST(port.cancel() == 1u);
  machio::send(ping(pair.send, 6));  // arrives after the cancel: stays for the next one
  io.run();
  BOOST_TEST(got == asio::error::operation_aborted);
  BOOST_TEST(j.events.empty());
  dispatch_once(io, port);
  BOOST_TEST(j.events == std::vector<std::string>{"d6"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(per_operation_cancellation_of_every_type_dispatches_nothing) {
  for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial,
                    asio::cancellation_type::total}) {
    asio::io_context ctx;
    auto p = machio::receive_right::allocate_pair();
    journal local;
    port_type port(ctx, std::move(p.receive), recording_dispatcher{&local});
    asio::cancellation_signal signal;
    error_code got;
    port.async_dispatch(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec) { got = ec; }));
    ctx.poll();
    signal.emit(type);
    ctx.poll();  // not run(): an operation that ignored the request would wait forever
    BOOST_REQUIRE(got == asio::error::operation_aborted);
    BOOST_TEST(local.events.empty());
    // The next message goes to the next operation.
    machio::send(ping(p.send, 3));
    dispatch_once(ctx, port);
    BOOST_TEST(local.events == std::vector<std::string>{"d3"}, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(cancellation_after_the_receive_still_dispatches) {
  auto other = machio::receive_right::allocate_pair();
  port_type port(io, std::move(pair.receive), recording_dispatcher{&j});
  machio::send(carrying(pair.send, 12, other.send));
  asio::cancellation_signal signal;
  error_code got = asio::error::would_block;
  asio::io_context later;
  port.async_dispatch(asio::bind_cancellation_slot(
      signal.slot(), asio::bind_executor(later.get_executor(), [&](error_code ec) { got = ec; })));
  run_until_received(io, other.send);
  signal.emit(asio::cancellation_type::terminal);
  later.run();
  BOOST_TEST(!got);
  BOOST_TEST(j.events == std::vector<std::string>{"d12"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(destroying_the_port_aborts_waiting_operations) {
  error_code got;
  {
    port_type port(io, std::move(pair.receive), recording_dispatcher{&j});
    port.async_dispatch([&](error_code ec) { got = ec; });
  }
  io.run();
  BOOST_TEST(got == asio::error::operation_aborted);
  BOOST_TEST(j.events.empty());
}

BOOST_AUTO_TEST_CASE(destroying_the_port_with_a_received_message_queued_skips_the_dispatcher) {
  auto other = machio::receive_right::allocate_pair();
  error_code got;
  asio::io_context later;
  {
    port_type port(io, std::move(pair.receive), recording_dispatcher{&j});
    machio::send(carrying(pair.send, 13, other.send));
    port.async_dispatch(asio::bind_executor(later.get_executor(), [&](error_code ec) { got = ec; }));
    run_until_received(io, other.send);
  }
  later.run();
  BOOST_TEST(got == asio::error::operation_aborted);
  BOOST_TEST(j.events.empty());                       // the dispatcher died with its object
  BOOST_TEST(send_refs(other.send.get()) == 1u);      // and the message was destroyed
}

BOOST_AUTO_TEST_CASE(a_throwing_dispatcher_propagates_out_of_run_and_leaks_nothing) {
  auto other = machio::receive_right::allocate_pair();
  j.throw_on = 21;
  port_type port(io, std::move(pair.receive), recording_dispatcher{&j});
  machio::send(carrying(pair.send, 21, other.send));
  machio::send(ping(pair.send, 22));
  bool first_called = false;
  error_code second = asio::error::would_block;
  port.async_dispatch([&](error_code) { first_called = true; });
  port.async_dispatch([&](error_code ec) { second = ec; });
  BOOST_CHECK_THROW(io.run(), std::runtime_error);
  BOOST_TEST(!first_called);                      // its handler was destroyed, not called
  BOOST_TEST(send_refs(other.send.get()) == 1u);  // the message was destroyed
  // The object and the context carry on with the next operation.
  io.restart();
  io.run();
  BOOST_TEST(!second);
  BOOST_TEST(j.events == (std::vector<std::string>{"d21", "d22"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(dispatcher_and_handler_run_on_the_handlers_executor) {
  auto strand = asio::make_strand(io);
  machio::send(ping(pair.send, 30));
  bool in_strand = false;
  struct checking {
    asio::strand<asio::io_context::executor_type>* s;
    bool* saw;
    void operator()(machio::received_message&) { *saw = s->running_in_this_thread(); }
  };
  machio::dispatch_port<checking> checked(io, std::move(pair.receive), checking{&strand, &in_strand});
  bool handler_in_strand = false;
  checked.async_dispatch(asio::bind_executor(strand, [&](error_code ec) {
    BOOST_TEST(!ec);
    handler_in_strand = strand.running_in_this_thread();
  }));
  io.run();
  BOOST_TEST(in_strand);
  BOOST_TEST(handler_in_strand);
}

BOOST_AUTO_TEST_CASE(a_coroutine_dispatches_a_stream) {
  port_type port(io, std::move(pair.receive), recording_dispatcher{&j});
  for (mach_msg_id_t id : {41, 42, 43}) machio::send(ping(pair.send, id));
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 3; ++i) co_await port.async_dispatch(asio::use_awaitable);
  }, asio::detached);
  io.run();
  BOOST_TEST(j.events == (std::vector<std::string>{"d41", "d42", "d43"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_moved_port_keeps_its_operations_and_dispatcher) {
  port_type first(io, std::move(pair.receive), recording_dispatcher{&j});
  error_code got = asio::error::would_block;
  first.async_dispatch([&](error_code ec) { got = ec; });
  port_type second(std::move(first));
  machio::send(ping(pair.send, 50));
  io.run();
  BOOST_TEST(!got);
  BOOST_TEST(j.events == std::vector<std::string>{"d50"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(release_and_assign_move_the_right_out_and_back) {
  port_type port(io, std::move(pair.receive), recording_dispatcher{&j});
  error_code got;
  port.async_dispatch([&](error_code ec) { got = ec; });
  machio::receive_right right = port.release();
  BOOST_TEST(!port.is_open());
  io.run();
  BOOST_TEST(got == asio::error::operation_aborted);
  port.assign(std::move(right));
  BOOST_TEST(port.is_open());
  machio::send(ping(pair.send, 60));
  dispatch_once(io, port);
  BOOST_TEST(j.events == std::vector<std::string>{"d60"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
