// SPDX-License-Identifier: BSL-1.0
// server.handle<Routine> and mig::async_call<Routine>/async_send<Routine>: typed
// arguments in, typed outputs back, replies at MIG's size, MIG's codes for malformed
// requests, and every right back where it started (right_accounting).
#include "right_accounting.hpp"
#include "server_harness.hpp"

#include <machio/mig/async_call.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include <unistd.h>

namespace asio = boost::asio;
namespace mig = machio::mig;
using boost::system::error_code;
using machio_test::harness;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

using echo = mig::routine<4000, mig::in<mig::bounded_c_string<256>>, mig::out<mig::bounded_c_string<256>>>;
// routine store(server; owner : mach_port_move_send_t; blob : array[] of char;
//               out receipt : mach_port_make_send_t; out length : int);
using store = mig::routine<4001, mig::in<mig::port<MACH_MSG_TYPE_MOVE_SEND>>, mig::in<mig::ool_array<char>>,
                           mig::out<mig::port<MACH_MSG_TYPE_MAKE_SEND>>, mig::out<mig::scalar<int>>>;
// simpleroutine note(server; value : int);
using note = mig::simpleroutine<4002, mig::in<mig::scalar<int>>>;
// routine touch(server);
using touch = mig::routine<4003>;

std::string reversed(std::string_view s) { return {s.rbegin(), s.rend()}; }

// routine where(server; ServerContextToken context : mach_port_context_t;
//               ServerAuditToken caller : audit_token_t; out pid : int32_t);
using where = mig::routine<4710, mig::in<mig::trailer_context>, mig::in<mig::trailer_audit_token>,
                           mig::out<mig::scalar<std::int32_t>>>;
static_assert(mig::request_trailer<where> == machio::trailer_elements::context);
static_assert(mig::reply_trailer<where> == machio::trailer_elements::none);

}  // namespace

BOOST_FIXTURE_TEST_SUITE(mig_server, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(trailer_arguments_reach_the_handler_and_the_server_asks_for_them) {
  machio::server_options options;
  options.receive.trailer = machio::trailer_elements::seqno;  // less than `where` needs
  harness h(options);
  bool context_received = false;
  h.server.handle<where>([&](mig::server_call<where>& call) -> asio::awaitable<kern_return_t> {
    const std::optional<mach_port_context_t> context = call.request().trailer().context();
    context_received = context.has_value() && *context == call.arg<0>();
    co_return call.reply(machio::audit_token(call.arg<1>()).pid());
  });
  h.run([&]() -> asio::awaitable<void> {
    auto [ec, pid] = co_await mig::async_call<where>(h.io.get_executor(), h.port.send, nothrow);
    BOOST_TEST(!ec);
    BOOST_TEST(pid == getpid());
  });
  BOOST_TEST(context_received);
}

BOOST_AUTO_TEST_CASE(a_typed_call_is_answered_with_typed_outputs) {
  harness h;
  h.server.handle<echo>([](mig::server_call<echo>& call) -> asio::awaitable<kern_return_t> {
    co_return call.reply(reversed(call.arg<0>().view()));
  });
  h.run([&]() -> asio::awaitable<void> {
    for (const std::string_view text : {"hello", "", "a text of some length, sent in line"}) {
      auto [ec, back] = co_await mig::async_call<echo>(h.io.get_executor(), h.port.send, text, nothrow);
      BOOST_TEST(!ec);
      BOOST_TEST(back.view() == reversed(text));
    }
  });
  BOOST_TEST(h.server.stats().replied == 3u);
}

BOOST_AUTO_TEST_CASE(rights_and_memory_travel_both_ways_and_end_with_their_owner) {
  harness h;
  machio::receive_right receipts = machio::receive_right::allocate();
  std::size_t owners_seen = 0;
  h.server.handle<store>([&](mig::server_call<store>& call) -> asio::awaitable<kern_return_t> {
    auto& [owner, blob] = call.in();
    owners_seen += owner ? 1 : 0;
    co_return call.reply(receipts, static_cast<int>(blob.elements().size()));
  });
  h.run([&]() -> asio::awaitable<void> {
    machio::receive_right mine = machio::receive_right::allocate();
    const std::string blob(10000, 'b');
    auto [ec, receipt, length] = co_await mig::async_call<store>(
        h.io.get_executor(), h.port.send, mine.make_send(), std::span<const char>(blob), nothrow);
    BOOST_TEST(!ec);
    BOOST_TEST(length == 10000);
    BOOST_TEST(receipt.get() == receipts.get());
  });
  BOOST_TEST(owners_seen == 1u);
}

BOOST_AUTO_TEST_CASE(a_handlers_error_reaches_the_caller_as_its_code) {
  harness h;
  h.server.handle<echo>([](mig::server_call<echo>& call) -> asio::awaitable<kern_return_t> {
    (void)call.reply("never sent");
    co_return KERN_INVALID_ARGUMENT;
  });
  h.server.handle<store>([](mig::server_call<store>&) -> asio::awaitable<kern_return_t> {
    co_return KERN_SUCCESS;  // without reply(): the caller could not read its outputs
  });
  h.server.handle<touch>([](mig::server_call<touch>&) -> asio::awaitable<kern_return_t> {
    co_return KERN_SUCCESS;  // no outputs: the empty reply is the answer
  });
  h.run([&]() -> asio::awaitable<void> {
    auto [ec, back] = co_await mig::async_call<echo>(h.io.get_executor(), h.port.send, "x", nothrow);
    BOOST_TEST(ec == machio::make_mach_error_code(KERN_INVALID_ARGUMENT));
    BOOST_TEST(back.empty());
    machio::receive_right mine = machio::receive_right::allocate();
    auto [ec2, receipt, length] = co_await mig::async_call<store>(h.io.get_executor(), h.port.send,
                                                                  mine.make_send(), std::span<const char>(), nothrow);
    BOOST_TEST(ec2 == machio::make_mach_error_code(KERN_FAILURE));
    BOOST_TEST(!receipt);
    auto [ec3] = co_await mig::async_call<touch>(h.io.get_executor(), h.port.send, nothrow);
    BOOST_TEST(!ec3);
  });
  BOOST_TEST(h.server.stats().error_replies == 2u);
}

BOOST_AUTO_TEST_CASE(a_malformed_request_gets_migs_code_and_the_handler_never_runs) {
  harness h;
  bool ran = false;
  h.server.handle<store>([&](mig::server_call<store>&) -> asio::awaitable<kern_return_t> {
    ran = true;
    co_return KERN_SUCCESS;
  });
  h.run([&]() -> asio::awaitable<void> {
    // A send-once right where store declares a send right: MIG_TYPE_ERROR.
    machio::receive_right mine = machio::receive_right::allocate();
    machio::message_builder wrong_right(4001);
    wrong_right.destination(h.port.send)
        .add_port(mine, machio::make_send_once)
        .add_ool(std::span<const std::byte>())
        .append_value(mig::ndr_record)
        .append_value(std::uint32_t{0});
    auto reply = co_await machio::async_call(h.io.get_executor(), std::move(wrong_right).build(), asio::use_awaitable);
    BOOST_TEST(mig::check_reply(reply, 4001) == machio::make_mach_error_code(MIG_TYPE_ERROR));
    // Too short for its layout: MIG_BAD_ARGUMENTS.
    machio::message_builder short_one(4001);
    short_one.destination(h.port.send).append_value(mig::ndr_record);
    reply = co_await machio::async_call(h.io.get_executor(), std::move(short_one).build(), asio::use_awaitable);
    BOOST_TEST(mig::check_reply(reply, 4001) == machio::make_mach_error_code(MIG_BAD_ARGUMENTS));
  });
  BOOST_TEST(!ran);
  BOOST_TEST(h.server.stats().bad_arguments == 2u);
}

BOOST_AUTO_TEST_CASE(an_input_that_does_not_fit_is_refused_before_it_is_sent) {
  harness h;
  h.server.handle<echo>([](mig::server_call<echo>&) -> asio::awaitable<kern_return_t> { co_return KERN_SUCCESS; });
  h.run([&]() -> asio::awaitable<void> {
    const std::string long_text(256, 'x');  // 256 characters and a NUL: 257 > 256
    auto [ec, back] = co_await mig::async_call<echo>(h.io.get_executor(), h.port.send, long_text, nothrow);
    BOOST_TEST(ec == machio::make_mach_error_code(MIG_ARRAY_TOO_LARGE));
  });
  BOOST_TEST(h.server.stats().received == 0u);
}

BOOST_AUTO_TEST_CASE(a_simpleroutine_is_sent_one_way_and_never_answered) {
  harness h;
  int got = 0;
  machio_test::event seen(h.io);
  h.server.handle<note>([&](mig::server_call<note>& call) -> asio::awaitable<kern_return_t> {
    got = call.arg<0>();
    seen.set();
    co_return KERN_SUCCESS;
  });
  h.run([&]() -> asio::awaitable<void> {
    auto [ec] = co_await mig::async_send<note>(h.io.get_executor(), h.port.send, 41, nothrow);
    BOOST_TEST(!ec);
    co_await seen.wait();
  });
  BOOST_TEST(got == 41);
  BOOST_TEST(h.server.stats().replied == 0u);
}

BOOST_AUTO_TEST_CASE(a_deferred_reply_is_sent_after_the_handler_returned) {
  harness h;
  std::optional<mig::deferred<echo>> later;
  machio_test::event taken(h.io);
  h.server.handle<echo>([&](mig::server_call<echo>& call) -> asio::awaitable<kern_return_t> {
    later.emplace(call.defer());
    taken.set();
    co_return KERN_SUCCESS;
  });
  h.run([&]() -> asio::awaitable<void> {
    asio::co_spawn(
        h.io,
        [&]() -> asio::awaitable<void> {
          co_await taken.wait();
          machio::message reply;
          BOOST_TEST(later->make(reply, "later") == KERN_SUCCESS);
          machio::send(reply);
        },
        asio::detached);
    auto [ec, back] = co_await mig::async_call<echo>(h.io.get_executor(), h.port.send, "now", nothrow);
    BOOST_TEST(!ec);
    BOOST_TEST(back.view() == "later");
  });
}

BOOST_AUTO_TEST_SUITE_END()
