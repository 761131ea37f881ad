// SPDX-License-Identifier: BSL-1.0
// Every asynchronous operation × every completion token kind the issue lists: callbacks,
// use_future, use_awaitable, deferred, as_tuple, redirect_error, bind_executor (a strand,
// another io_context, and an executor without blocking.never), bind_allocator,
// any_completion_handler (bare and bound to a strand), make_parallel_group and an
// awaitable_operators timeout with a steady_timer. None of the tokens is bound to an executor unless the case
// is about bind_executor. Each case is a template run once per operation kind below;
// every operation (operation_kinds.hpp) stays pending until its kind's trigger() makes it
// complete, so each case also checks that the completion did not come early or inside the
// initiating call.
#include "operation_kinds.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <exception>
#include <thread>

using machio_test::all_ops;
using machio_test::can_fail;
using machio_test::expect_success;
using machio_test::minimal_executor;
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Runs a coroutine to its end on `io`; an exception it throws leaves run().
template <class F>
void run_coroutine(asio::io_context& io, F f) {
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await f();
        finished = true;
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run();
  BOOST_TEST(finished);
}

// Awaits `op` started with `token` (use_awaitable or deferred), triggered meanwhile.
template <class Op, class Token>
void await_success(asio::io_context& io, Op& op, Token token) {
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    asio::post(io, [&] { op.trigger(); });
    auto r = co_await op.start(token);
    BOOST_TEST(op.check(r));
  });
}

// For the kinds that can fail: a fresh operation, failed meanwhile, awaited by `await`
// (a coroutine returning the error code its token reported), must report the failure.
template <class Op, class Await>
void await_failure(asio::io_context& io, Await await) {
  if constexpr (can_fail<Op>) {
    io.restart();
    Op failing(io);
    run_coroutine(io, [&]() -> asio::awaitable<void> {
      asio::post(io, [&] { failing.fail(); });
      const error_code ec = co_await await(failing);
      BOOST_TEST(ec == Op::failure());
    });
  }
}

// What a library wrapping machio writes (the Boost.MySQL/Redis idiom): the operation
// behind a type-erased handler, compiled once.
template <class Op>
void start_erased(Op& op, asio::any_completion_handler<void(error_code, typename Op::result)> handler) {
  op.start(std::move(handler));
}

// A timer that has already expired: its wait completes as soon as it is started.
void expire_now(asio::steady_timer& t) { t.expires_at(asio::steady_timer::time_point::min()); }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(asio_token_matrix, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE_TEMPLATE(callback, Op, all_ops) {
  asio::io_context io;
  Op op(io);
  int calls = 0;
  op.start(expect_success(op, calls));
  BOOST_TEST(calls == 0);  // never inside the initiating call
  io.poll();
  BOOST_TEST(calls == 0);  // pending until triggered
  op.trigger();
  io.run();
  BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(use_future, Op, all_ops) {
  asio::io_context io;
  Op op(io);
  auto f = op.start(asio::use_future);
  io.poll();
  BOOST_TEST((f.wait_for(std::chrono::seconds(0)) == std::future_status::timeout));
  op.trigger();
  io.run();
  BOOST_TEST(op.check(f.get()));
  if constexpr (can_fail<Op>) {
    io.restart();
    Op failing(io);
    auto g = failing.start(asio::use_future);
    io.poll();
    failing.fail();
    io.run();
    try {
      (void)g.get();
      BOOST_ERROR("the future holds a value, not the failure");
    } catch (const boost::system::system_error& e) {
      BOOST_TEST(e.code() == Op::failure());
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(use_awaitable, Op, all_ops) {
  asio::io_context io;
  Op op(io);
  await_success(io, op, asio::use_awaitable);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(deferred, Op, all_ops) {
  asio::io_context io;
  Op op(io);
  // Launched later with a callback.
  auto later = op.start(asio::deferred);
  int calls = 0;
  std::move(later)(expect_success(op, calls));
  BOOST_TEST(calls == 0);
  op.trigger();
  io.run();
  BOOST_TEST(calls == 1);
  // Awaited in a coroutine.
  io.restart();
  Op awaited(io);
  await_success(io, awaited, asio::deferred);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(as_tuple, Op, all_ops) {
  asio::io_context io;
  Op op(io);
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    asio::post(io, [&] { op.trigger(); });
    auto [ec, r] = co_await op.start(asio::as_tuple(asio::use_awaitable));
    BOOST_TEST(!ec);
    BOOST_TEST(op.check(r));
  });
  await_failure<Op>(io, [](Op& failing) -> asio::awaitable<error_code> {
    auto [ec, r] = co_await failing.start(asio::as_tuple(asio::use_awaitable));
    co_return ec;
  });
}

BOOST_AUTO_TEST_CASE_TEMPLATE(redirect_error, Op, all_ops) {
  asio::io_context io;
  Op op(io);
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    asio::post(io, [&] { op.trigger(); });
    error_code ec = asio::error::would_block;  // must be overwritten with success
    auto r = co_await op.start(asio::redirect_error(asio::use_awaitable, ec));
    BOOST_TEST(!ec);
    BOOST_TEST(op.check(r));
  });
  await_failure<Op>(io, [](Op& failing) -> asio::awaitable<error_code> {
    error_code ec;
    (void)co_await failing.start(asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
  });
}

BOOST_AUTO_TEST_CASE_TEMPLATE(bind_executor, Op, all_ops) {
  // A strand of the operation's own io_context.
  asio::io_context io;
  auto strand = asio::make_strand(io);
  Op op(io);
  bool on_strand = false;
  op.start(asio::bind_executor(strand, [&](error_code ec, typename Op::result r) {
    BOOST_TEST(!ec);
    BOOST_TEST(op.check(r));
    on_strand = strand.running_in_this_thread();
  }));
  op.trigger();
  io.run();
  BOOST_TEST(on_strand);
  // Another io_context: the handler runs there, and on it. `io` runs on a second thread
  // meanwhile: a composed operation's intermediate steps run on the handler's executor too
  // (Asio has them use the handler's associated executor), so both must run at once.
  // `other` runs here until the handler has run (its work is counted until then). The
  // handler records what it saw; Boost.Test is used on this thread only.
  io.restart();
  asio::io_context other;
  Op elsewhere(io);
  int calls = 0;
  bool succeeded = false, on_other = false;
  elsewhere.start(asio::bind_executor(other.get_executor(), [&](error_code ec, typename Op::result r) {
    ++calls;
    succeeded = !ec && elsewhere.check(r);
    on_other = other.get_executor().running_in_this_thread();
  }));
  std::thread runner([&] { io.run(); });
  elsewhere.trigger();
  other.run();
  runner.join();
  BOOST_TEST(calls == 1);
  BOOST_TEST(succeeded);
  BOOST_TEST(on_other);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(an_executor_without_blocking_never, Op, all_ops) {
  asio::io_context io;
  Op op(io);
  int calls = 0, executed = 0;
  op.start(asio::bind_executor(minimal_executor{&io, &executed}, expect_success(op, calls)));
  io.poll();
  BOOST_TEST(calls == 0);
  op.trigger();
  io.run();
  BOOST_TEST(calls == 1);
  BOOST_TEST(executed >= 1);  // the handler went through its executor
}

BOOST_AUTO_TEST_CASE_TEMPLATE(any_completion_handler, Op, all_ops) {
  asio::io_context io;
  Op op(io);
  int calls = 0;
  start_erased(op, expect_success(op, calls));
  io.poll();
  BOOST_TEST(calls == 0);  // pending, and never inside the initiating call
  op.trigger();
  io.run();
  BOOST_TEST(calls == 1);
  // Erased around a strand: the strand is still where it runs.
  io.restart();
  auto strand = asio::make_strand(io);
  Op stranded(io);
  bool on_strand = false;
  start_erased(stranded, asio::bind_executor(strand, [&](error_code ec, typename Op::result r) {
                 BOOST_TEST(!ec);
                 BOOST_TEST(stranded.check(r));
                 on_strand = strand.running_in_this_thread();
               }));
  stranded.trigger();
  io.run();
  BOOST_TEST(on_strand);
  // And a failure reaches the erased handler too.
  if constexpr (can_fail<Op>) {
    io.restart();
    Op failing(io);
    error_code got;
    start_erased(failing, [&](error_code ec, typename Op::result) { got = ec; });
    io.poll();
    failing.fail();
    io.run();
    BOOST_TEST(got == Op::failure());
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(bind_allocator, Op, all_ops) {
  asio::io_context io;
  Op op(io);
  machio_test::alloc_counts counts;
  int calls = 0;
  op.start(asio::bind_allocator(machio_test::counting_allocator<void>(&counts), expect_success(op, calls)));
  io.poll();
  // While it waits, the operation's state lives in the handler's allocator.
  BOOST_TEST(counts.allocations > counts.deallocations);
  op.trigger();
  io.run();
  BOOST_TEST(calls == 1);
  BOOST_TEST(counts.allocations == counts.deallocations);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(parallel_group_with_a_timer, Op, all_ops) {
  asio::io_context io;
  Op op(io);
  Op cancelled(io);
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    // The operation completes first; the timer, an hour away, is cancelled.
    asio::steady_timer later(io, std::chrono::hours(1));
    asio::post(io, [&] { op.trigger(); });
    auto [order, ec, r, timer_ec] = co_await asio::experimental::make_parallel_group(
                                        op.start(asio::deferred), later.async_wait(asio::deferred))
                                        .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    BOOST_TEST(order[0] == 0u);
    BOOST_TEST(!ec);
    BOOST_TEST(op.check(r));
    BOOST_TEST(timer_ec == asio::error::operation_aborted);
    // An expired timer completes first; the pending operation is cancelled (terminal).
    asio::steady_timer now(io);
    expire_now(now);
    auto [order2, ec2, r2, timer_ec2] = co_await asio::experimental::make_parallel_group(
                                            cancelled.start(asio::deferred), now.async_wait(asio::deferred))
                                            .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    BOOST_TEST(order2[0] == 1u);
    BOOST_TEST(ec2 == asio::error::operation_aborted);
    BOOST_TEST(!timer_ec2);
  });
}

BOOST_AUTO_TEST_CASE_TEMPLATE(awaitable_operators_timeout, Op, all_ops) {
  using namespace asio::experimental::awaitable_operators;
  asio::io_context io;
  Op op(io);
  Op timed_out(io);
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    asio::steady_timer later(io, std::chrono::hours(1));
    asio::post(io, [&] { op.trigger(); });
    auto first = co_await (op.start(asio::use_awaitable) || later.async_wait(asio::use_awaitable));
    BOOST_TEST_REQUIRE(first.index() == 0u);
    BOOST_TEST(op.check(std::get<0>(first)));
    asio::steady_timer now(io);
    expire_now(now);
    auto second = co_await (timed_out.start(asio::use_awaitable) || now.async_wait(asio::use_awaitable));
    BOOST_TEST(second.index() == 1u);
  });
}

BOOST_AUTO_TEST_SUITE_END()
