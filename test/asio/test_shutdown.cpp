// SPDX-License-Identifier: BSL-1.0
// An io_context destroyed while operations are pending, for every operation kind: each
// pending operation is destroyed without its handler running, whatever the handler owns
// (here the I/O objects themselves, as a coroutine frame would) is destroyed with it, and
// no right is left behind: the fixture counts the names.
#include "operation_kinds.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

using machio_test::all_ops;
namespace asio = boost::asio;
using boost::system::error_code;

BOOST_FIXTURE_TEST_SUITE(asio_shutdown, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE_TEMPLATE(a_pending_callback_is_destroyed_without_running, Op, all_ops) {
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  bool called = false;
  {
    asio::io_context io;
    auto owned = std::make_unique<Op>(io);
    Op& op = *owned;
    op.start([&called, owned = std::move(owned), alive = std::move(alive)](error_code, typename Op::result) {
      called = true;
    });
    io.poll();
    BOOST_TEST(!watch.expired());  // pending
  }
  BOOST_TEST(watch.expired());
  BOOST_TEST(!called);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_waiting_coroutine_is_destroyed, Op, all_ops) {
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  bool resumed = false;
  {
    asio::io_context io;
    asio::co_spawn(
        io,
        [&io, &resumed, alive = std::move(alive)]() -> asio::awaitable<void> {
          Op op(io);
          (void)co_await op.start(asio::use_awaitable);
          resumed = true;
        },
        asio::detached);
    io.poll();
    BOOST_TEST(!watch.expired());
  }
  BOOST_TEST(watch.expired());
  BOOST_TEST(!resumed);
}

BOOST_AUTO_TEST_SUITE_END()
