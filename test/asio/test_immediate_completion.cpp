// SPDX-License-Identifier: BSL-1.0
// Completions found inside the initiating call (a send the queue has room for, a receive
// on a closed port): never run inside that call unless the handler asks for it. By default they
// are posted, as Asio's own operations do; with Asio 1.28+ (Boost 1.82+) they go through
// the handler's associated immediate executor, so bind_immediate_executor decides where
// and when they run (doc/async.md).
#include "operation_kinds.hpp"

#include <machio/config.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/strand.hpp>
#if MACHIO_HAS_IMMEDIATE_EXECUTOR
#include <boost/asio/bind_immediate_executor.hpp>
#endif

#include <boost/mpl/list.hpp>

namespace asio = boost::asio;
using boost::system::error_code;
using machio_test::expect_success;
using machio_test::minimal_executor;

namespace {

// The kinds whose operation completes at once when trigger() came first: a send to a
// queue with room. (A receive whose message is already queued is not among them: it
// completes through the reactor, after the initiating call.)
using queued_first = boost::mpl::list<machio_test::send_op>;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(asio_immediate_completion, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE_TEMPLATE(is_posted_by_default, Op, queued_first) {
  asio::io_context io;
  Op op(io);
  op.trigger();
  int calls = 0;
  op.start(expect_success(op, calls));
  BOOST_TEST(calls == 0);  // not inside the initiating call
  io.run();
  BOOST_TEST(calls == 1);
  // Bound to a strand: still posted, and run on the strand.
  io.restart();
  auto strand = asio::make_strand(io);
  Op stranded(io);
  stranded.trigger();
  bool on_strand = false;
  stranded.start(asio::bind_executor(strand, [&](error_code ec, typename Op::result) {
    BOOST_TEST(!ec);
    on_strand = strand.running_in_this_thread();
  }));
  BOOST_TEST(!on_strand);
  io.run();
  BOOST_TEST(on_strand);
}

#if MACHIO_HAS_IMMEDIATE_EXECUTOR
BOOST_AUTO_TEST_CASE_TEMPLATE(runs_through_the_bound_immediate_executor, Op, queued_first) {
  asio::io_context io;
  Op op(io);
  op.trigger();
  int calls = 0, executed = 0;
  op.start(asio::bind_immediate_executor(minimal_executor{&io, &executed, true}, expect_success(op, calls)));
  // The handler accepted an inline completion: it ran before the initiating call returned.
  BOOST_TEST(calls == 1);
  BOOST_TEST(executed == 1);
  BOOST_TEST(io.poll() == 0u);  // and nothing was left posted

  // A completion that comes later is not immediate: it is posted as any other, and the
  // immediate executor is not used.
  io.restart();
  Op later(io);
  int later_calls = 0, later_executed = 0;
  later.start(asio::bind_immediate_executor(minimal_executor{&io, &later_executed, true},
                                            expect_success(later, later_calls)));
  BOOST_TEST(later_calls == 0);
  later.trigger();
  io.run();
  BOOST_TEST(later_calls == 1);
  BOOST_TEST(later_executed == 0);
}

BOOST_AUTO_TEST_CASE(a_receive_on_a_closed_port_fails_through_it) {
  asio::io_context io;
  machio_test::receive_message_op op(io);
  op.fail();  // closes the port: the receive fails at once
  int calls = 0, executed = 0;
  error_code got;
  op.start(asio::bind_immediate_executor(minimal_executor{&io, &executed, true},
                                         [&](error_code ec, machio::received_message) {
                                           ++calls;
                                           got = ec;
                                         }));
  BOOST_TEST(calls == 1);
  BOOST_TEST(executed == 1);
  BOOST_TEST(got == asio::error::bad_descriptor);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(bound_to_the_io_executor_is_posted, Op, queued_first) {
  // The io_context's executor as the immediate executor: Asio requires blocking.never of
  // an immediate executor's default, so the completion is still not inline.
  asio::io_context io;
  Op op(io);
  op.trigger();
  int calls = 0;
  op.start(asio::bind_immediate_executor(io.get_executor(), expect_success(op, calls)));
  BOOST_TEST(calls == 0);
  io.run();
  BOOST_TEST(calls == 1);
}
#endif

BOOST_AUTO_TEST_SUITE_END()
