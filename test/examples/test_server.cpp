// SPDX-License-Identifier: BSL-1.0
// The server layer (machio/server.hpp): MIG's ownership rule on every path — success, error
// return, deferred reply, client dead before the reply, unknown id, malformed requests — the
// in-flight limit and shutdown with handlers in flight. Client and server share one task, so
// every right the server fails to release (or releases twice) shows up in right_accounting.
#include "port_status.hpp"
#include "right_accounting.hpp"
#include "server_harness.hpp"

#include <machio/asio.hpp>
#include <machio/machio.hpp>
#include <machio/server.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using boost::system::error_code;
using machio::mig::ndr_record;
using machio_test::event;
using machio_test::harness;

namespace {

#pragma pack(push, 4)
// add(a, b) -> sum: simple request, simple reply.
struct add_request {
  mach_msg_header_t header;
  NDR_record_t ndr;
  std::int32_t a, b;
};
struct add_reply {
  mach_msg_header_t header;
  NDR_record_t ndr;
  kern_return_t ret_code;
  std::int32_t sum;
};
// keep(port): a request carrying a send right.
struct port_request {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_port_descriptor_t port;
  NDR_record_t ndr;
  std::uint32_t tag;
};
// store(port, blob): a send right and an OOL region.
struct port_and_ool_request {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_port_descriptor_t port;
  mach_msg_ool_descriptor_t blob;
  NDR_record_t ndr;
};
// MIG's reply of a routine with no out arguments: header, NDR, return code.
struct plain_reply {
  mach_msg_header_t header;
  NDR_record_t ndr;
  kern_return_t ret_code;
};
#pragma pack(pop)

constexpr mach_msg_id_t add_id = 700, keep_id = 701, store_id = 702;

using add_call = machio::server_request<add_request, add_reply>;
using keep_call = machio::server_request<port_request, plain_reply>;
using store_call = machio::server_request<port_and_ool_request, plain_reply>;

machio::message add_message(const machio::send_right& server, std::int32_t a, std::int32_t b) {
  return machio::message_builder(add_id).destination(server).append_value(ndr_record).append_value(a).append_value(b).build();
}

// A keep request carrying a send right made from `port` (the client's own port).
machio::message keep_message(const machio::send_right& server, const machio::receive_right& port,
                             mach_msg_id_t id = keep_id) {
  return machio::message_builder(id)
      .destination(server)
      .add_port(port, machio::make_send)
      .append_value(ndr_record)
      .append_value(std::uint32_t{7})
      .build();
}

// A request of id `id` carrying a send right made from `port` and `blob` out of line.
machio::message port_and_ool_message(const machio::send_right& server, mach_msg_id_t id,
                                     const machio::receive_right& port, const std::string& blob) {
  return machio::message_builder(id)
      .destination(server)
      .add_port(port, machio::make_send)
      .add_ool(std::as_bytes(std::span(blob)))
      .append_value(ndr_record)
      .build();
}

// The reply's bytes as R; fails the test when the size differs.
template <class R>
R reply_as(const machio::received_message& m) {
  R r{};
  BOOST_REQUIRE_EQUAL(m.view().size(), sizeof(R));
  std::memcpy(&r, m.view().bytes().data(), sizeof(R));
  return r;
}

// The MIG return code of a reply (what a MIG client stub reports).
error_code mig_result(const machio::received_message& reply, mach_msg_id_t request_id) {
  return machio::mig::check_reply(reply, request_id);
}

// True when the task holds a send right named `name` (a client's port whose send right
// travelled in a request and came back to the same name in this task).
bool has_send_right(mach_port_name_t name) {
  mach_port_type_t type = 0;
  BOOST_REQUIRE_EQUAL(mach_port_type(mach_task_self(), name, &type), KERN_SUCCESS);
  return (type & MACH_PORT_TYPE_SEND) != 0;
}

// Messages queued on `port`.
mach_port_msgcount_t queued(mach_port_name_t port) { return machio_test::receive_status(port).mps_msgcount; }


}  // namespace

BOOST_FIXTURE_TEST_SUITE(server, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(success_sends_the_typed_reply_and_the_caller_is_known) {
  harness h;
  std::int32_t caller_pid = 0;
  h.server.handle<add_request, add_reply>(add_id, [&](add_call& r) -> asio::awaitable<kern_return_t> {
    caller_pid = r.caller().pid();
    r.reply().sum = r.args().a + r.args().b;
    co_return KERN_SUCCESS;
  });
  h.run([&]() -> asio::awaitable<void> {
    auto reply = co_await h.call(add_message(h.port.send, 2, 3));
    BOOST_TEST(reply.id() == machio::mig::reply_id(add_id));
    const auto r = reply_as<add_reply>(reply);
    BOOST_TEST(r.ret_code == KERN_SUCCESS);
    BOOST_TEST(r.sum == 5);
    BOOST_TEST(std::memcmp(&r.ndr, &ndr_record, sizeof ndr_record) == 0);
  });
  BOOST_TEST(caller_pid == ::getpid());
  BOOST_TEST(h.server.stats().replied == 1u);
}

// A client written as MIG's generated stub is: the request struct filled by hand, one
// mach_msg that sends it with a MAKE_SEND_ONCE reply port and receives the reply struct
// into the same buffer. The server answers it byte for byte in MIG's layout.
BOOST_AUTO_TEST_CASE(a_mig_style_client_gets_a_mig_layout_reply) {
  struct stub_result {
    mach_msg_return_t mr = MACH_MSG_SUCCESS;
    kern_return_t dealloc = KERN_SUCCESS;
    add_reply reply{};
  };
  // The stub blocks in mach_msg, so it runs on a thread of its own (no test assertions
  // there: it only records what it saw).
  const auto stub = [](mach_port_t server, std::int32_t a, std::int32_t b) {
    union {
      add_request request;
      struct {
        add_reply reply;
        mach_msg_max_trailer_t trailer;
      } in;
    } m{};
    stub_result out;
    mach_port_t reply_port = MACH_PORT_NULL;
    out.mr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply_port);
    if (out.mr != KERN_SUCCESS) return out;
    m.request.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    m.request.header.msgh_size = sizeof(add_request);
    m.request.header.msgh_remote_port = server;
    m.request.header.msgh_local_port = reply_port;
    m.request.header.msgh_id = add_id;
    m.request.ndr = NDR_record;
    m.request.a = a;
    m.request.b = b;
    out.mr = mach_msg(&m.request.header, MACH_SEND_MSG | MACH_RCV_MSG, sizeof(add_request), sizeof m.in,
                      reply_port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    out.reply = m.in.reply;
    out.dealloc = mach_port_mod_refs(mach_task_self(), reply_port, MACH_PORT_RIGHT_RECEIVE, -1);
    return out;
  };
  harness h;
  h.server.handle<add_request, add_reply>(add_id, [&](add_call& r) -> asio::awaitable<kern_return_t> {
    r.reply().sum = r.args().a - r.args().b;
    co_return r.args().b == 0 ? KERN_INVALID_ARGUMENT : KERN_SUCCESS;
  });
  stub_result ok, refused;
  std::thread client;
  h.run([&]() -> asio::awaitable<void> {
    auto done = std::make_shared<event>(h.io);
    client = std::thread([&, done, server = h.port.send.get()] {
      ok = stub(server, 9, 4);
      refused = stub(server, 9, 0);
      asio::post(h.io, [done] { done->set(); });
    });
    co_await done->wait();
  });
  client.join();
  BOOST_TEST(ok.mr == MACH_MSG_SUCCESS);
  BOOST_TEST(ok.dealloc == KERN_SUCCESS);
  BOOST_TEST(ok.reply.header.msgh_id == add_id + 100);
  BOOST_TEST(ok.reply.header.msgh_size == sizeof(add_reply));
  BOOST_TEST(std::memcmp(&ok.reply.ndr, &NDR_record, sizeof NDR_record) == 0);
  BOOST_TEST(ok.reply.ret_code == KERN_SUCCESS);
  BOOST_TEST(ok.reply.sum == 5);
  // An error reply is MIG's mig_reply_error_t: header, NDR, return code (36 bytes).
  BOOST_TEST(refused.mr == MACH_MSG_SUCCESS);
  BOOST_TEST(refused.reply.header.msgh_id == add_id + 100);
  BOOST_TEST(refused.reply.header.msgh_size == sizeof(mig_reply_error_t));
  BOOST_TEST(refused.reply.ret_code == KERN_INVALID_ARGUMENT);
}

// `done` may be called inside the handler or later from another thread.
BOOST_AUTO_TEST_CASE(a_callback_style_handler_is_served_too) {
  harness h;
  std::thread worker;
  h.server.handle<add_request, add_reply>(add_id, [&](add_call& r, machio::server_completion done) {
    r.reply().sum = r.args().a * r.args().b;
    if (r.args().a == 6)
      std::move(done)(KERN_SUCCESS);
    else
      worker = std::thread([d = std::move(done)]() mutable { std::move(d)(KERN_SUCCESS); });
  });
  h.run([&]() -> asio::awaitable<void> {
    auto inline_reply = co_await h.call(add_message(h.port.send, 6, 7));
    BOOST_TEST(reply_as<add_reply>(inline_reply).sum == 42);
    auto threaded_reply = co_await h.call(add_message(h.port.send, 3, 5));
    BOOST_TEST(reply_as<add_reply>(threaded_reply).sum == 15);
  });
  worker.join();
}

BOOST_AUTO_TEST_CASE(error_return_destroys_the_request_and_answers_the_code) {
  harness h;
  machio::receive_right client = machio::receive_right::allocate();
  bool handler_saw_right = false;
  h.server.handle<port_request, plain_reply>(
      keep_id,
      [&](keep_call&) -> asio::awaitable<kern_return_t> {
        handler_saw_right = has_send_right(client.get());
        co_return KERN_INVALID_ARGUMENT;  // the send right it carried is destroyed with it
      },
      {.descriptors = {machio::port_send()}});
  h.run([&]() -> asio::awaitable<void> {
    auto reply = co_await h.call(keep_message(h.port.send, client));
    BOOST_TEST(reply_as<plain_reply>(reply).ret_code == KERN_INVALID_ARGUMENT);
    BOOST_TEST(mig_result(reply, keep_id) == machio::make_mach_error_code(KERN_INVALID_ARGUMENT));
    BOOST_TEST(!has_send_right(client.get()));
  });
  BOOST_TEST(handler_saw_right);
  BOOST_TEST(h.server.stats().error_replies == 1u);
}

BOOST_AUTO_TEST_CASE(what_the_handler_took_stays_its_own_on_error_and_success) {
  harness h;
  machio::receive_right client = machio::receive_right::allocate();
  std::vector<machio::send_right> kept;
  h.server.handle<port_request, plain_reply>(
      keep_id,
      [&](keep_call& r) -> asio::awaitable<kern_return_t> {
        kept.push_back(r.message().take_send_right(0));
        co_return kept.size() == 1 ? KERN_FAILURE : KERN_SUCCESS;
      },
      {.descriptors = {machio::port_send()}});
  h.run([&]() -> asio::awaitable<void> {
    auto failed = co_await h.call(keep_message(h.port.send, client));
    BOOST_TEST(mig_result(failed, keep_id) == machio::make_mach_error_code(KERN_FAILURE));
    auto ok = co_await h.call(keep_message(h.port.send, client));
    BOOST_TEST(reply_as<plain_reply>(ok).ret_code == KERN_SUCCESS);
  });
  BOOST_REQUIRE_EQUAL(kept.size(), 2u);
  mach_port_urefs_t refs = 0;
  BOOST_REQUIRE_EQUAL(mach_port_get_refs(mach_task_self(), client.get(), MACH_PORT_RIGHT_SEND, &refs), KERN_SUCCESS);
  BOOST_TEST(refs == 2u);  // both taken rights are alive, one uref each
  kept.clear();
  BOOST_TEST(!has_send_right(client.get()));
}

BOOST_AUTO_TEST_CASE(a_port_and_a_region_the_handler_does_not_take_are_destroyed) {
  harness h;
  machio::receive_right client = machio::receive_right::allocate();
  const std::string blob(256 * 1024, 'b');
  std::uint64_t mapped_at = 0;
  mach_msg_size_t mapped_size = 0;
  h.server.handle<port_and_ool_request, plain_reply>(
      store_id,
      [&](store_call& r) -> asio::awaitable<kern_return_t> {
        mapped_at = r.message().descriptor(1).address();
        mapped_size = r.message().descriptor(1).size();
        BOOST_TEST(has_send_right(client.get()));
        co_return KERN_SUCCESS;  // takes nothing
      },
      {.descriptors = {machio::port_send(), machio::ool_memory()}});
  h.run([&]() -> asio::awaitable<void> {
    auto reply = co_await h.call(port_and_ool_message(h.port.send, store_id, client, blob));
    BOOST_TEST(reply_as<plain_reply>(reply).ret_code == KERN_SUCCESS);
    BOOST_TEST(!has_send_right(client.get()));  // the right died with the request
    // ... and so did the mapping: msync reports unmapped memory as ENOMEM.
    BOOST_REQUIRE(mapped_at != 0u);
    BOOST_TEST(mapped_size == blob.size());
    errno = 0;
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    BOOST_TEST(::msync(reinterpret_cast<void*>(mapped_at & ~(page - 1)), mapped_size, MS_ASYNC) == -1);
    BOOST_TEST(errno == ENOMEM);
  });
}

BOOST_AUTO_TEST_CASE(a_deferred_reply_is_sent_later_and_the_server_sends_none) {
  harness h;
  machio::receive_right client = machio::receive_right::allocate();
  std::optional<machio::deferred_reply<add_reply>> later;
  event deferred(h.io);
  h.server.handle<port_request, add_reply>(
      keep_id,
      [&](machio::server_request<port_request, add_reply>& r) -> asio::awaitable<kern_return_t> {
        later.emplace(r.defer());
        deferred.set();
        co_return KERN_SUCCESS;  // no reply right left: the server sends nothing
      },
      {.descriptors = {machio::port_send()}});
  h.run([&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    std::optional<machio::received_message> reply;
    event replied(h.io);
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          reply = co_await h.call(keep_message(h.port.send, client));
          replied.set();
        },
        asio::detached);
    co_await deferred.wait();
    BOOST_TEST(!replied.is_set());
    BOOST_TEST(!has_send_right(client.get()));  // the request's untaken right is gone already
    BOOST_REQUIRE(later && later->valid());
    BOOST_TEST(later->request_id() == keep_id);
    add_reply answer{};
    answer.sum = 99;
    auto [ec, unsent] = co_await std::move(*later).async_send(ex, answer, asio::as_tuple(asio::use_awaitable));
    BOOST_TEST(!ec);
    co_await replied.wait();
    BOOST_TEST(reply_as<add_reply>(*reply).sum == 99);
  });
  BOOST_TEST(h.server.stats().no_reply == 1u);
  BOOST_TEST(h.server.stats().replied == 0u);
}

BOOST_AUTO_TEST_CASE(a_deferred_reply_dropped_unused_tells_the_client) {
  harness h;
  h.server.handle<add_request, add_reply>(add_id, [&](add_call& r) -> asio::awaitable<kern_return_t> {
    auto later = r.defer();  // destroyed here, unused: the client gets a send-once notification
    co_return KERN_SUCCESS;
  });
  h.run([&]() -> asio::awaitable<void> {
    auto [ec, reply] = co_await machio::async_call(h.io.get_executor(), add_message(h.port.send, 1, 1),
                                                    asio::as_tuple(asio::use_awaitable));
    BOOST_TEST(ec == machio::make_mach_error_code(MIG_SERVER_DIED));
  });
}

// The client's reply port dies while the handler runs. XNU discards a message to a
// send-once right whose port died (the send "succeeds") and refuses one to a dead send
// right (MACH_SEND_INVALID_DEST): both must leave nothing behind and the server serving.
namespace {
void client_dies_before_the_reply(bool send_right_reply) {
  harness h;
  event started(h.io), go_on(h.io);
  h.server.handle<add_request, add_reply>(add_id, [&](add_call& r) -> asio::awaitable<kern_return_t> {
    started.set();
    co_await go_on.wait();
    r.reply().sum = r.args().b;
    co_return KERN_SUCCESS;  // the reply right's port is dead by now
  });
  h.run([&]() -> asio::awaitable<void> {
    machio::receive_right reply_port = machio::receive_right::allocate();
    machio::message_builder b(add_id);
    b.destination(h.port.send);
    if (send_right_reply)
      b.reply_to(reply_port, machio::make_send);
    else
      b.reply_to(reply_port);
    machio::send(b.append_value(ndr_record).append_value(std::int32_t{0}).append_value(std::int32_t{1}).build());
    co_await started.wait();
    reply_port.reset();  // the client dies
    go_on.set();
    // A second request, answered normally, shows the server carried on.
    auto reply = co_await h.call(add_message(h.port.send, 0, 2));
    BOOST_TEST(reply_as<add_reply>(reply).sum == 2);
  });
  BOOST_TEST(h.server.stats().replied + h.server.stats().dropped == 2u);
  if (send_right_reply) BOOST_TEST(h.server.stats().dropped == 1u);
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_client_dead_before_a_send_once_reply_is_dropped_cleanly) {
  client_dies_before_the_reply(false);
}

BOOST_AUTO_TEST_CASE(a_client_dead_before_a_send_reply_is_dropped_cleanly) {
  client_dies_before_the_reply(true);
}

BOOST_AUTO_TEST_CASE(an_unknown_id_is_answered_mig_bad_id_and_destroyed) {
  harness h;
  machio::receive_right client = machio::receive_right::allocate();
  h.run([&]() -> asio::awaitable<void> {
    auto reply = co_await h.call(keep_message(h.port.send, client, 999));
    BOOST_TEST(mig_result(reply, 999) == machio::make_mach_error_code(MIG_BAD_ID));
    BOOST_TEST(!has_send_right(client.get()));
  });
  BOOST_TEST(h.server.stats().bad_id == 1u);
}

BOOST_AUTO_TEST_CASE(malformed_requests_get_mig_bad_arguments_and_never_reach_the_handler) {
  harness h;
  machio::receive_right client = machio::receive_right::allocate();
  int handled = 0;
  h.server.handle<add_request, add_reply>(add_id, [&](add_call&) -> asio::awaitable<kern_return_t> {
    ++handled;
    co_return KERN_SUCCESS;
  });
  h.server.handle<port_request, plain_reply>(
      keep_id,
      [&](keep_call&) -> asio::awaitable<kern_return_t> {
        ++handled;
        co_return KERN_SUCCESS;
      },
      {.descriptors = {machio::port_send()}});
  const std::string blob(100, 'x');
  h.run([&]() -> asio::awaitable<void> {
    const auto bad = machio::make_mach_error_code(MIG_BAD_ARGUMENTS);
    // Too short, too long.
    auto r1 = co_await h.call(machio::message_builder(add_id).destination(h.port.send).append_value(ndr_record).build());
    BOOST_TEST(mig_result(r1, add_id) == bad);
    auto r2 = co_await h.call(
        machio::message_builder(add_id).destination(h.port.send).append_value(ndr_record).append_value(std::int64_t{1}).append_value(std::int32_t{2}).build());
    BOOST_TEST(mig_result(r2, add_id) == bad);
    // Missing descriptor: a simple message of the right size.
    auto r3 = co_await h.call(machio::message_builder(keep_id)
                                  .destination(h.port.send)
                                  .append_value(std::array<std::byte, sizeof(port_request) - sizeof(mach_msg_header_t)>{})
                                  .build());
    BOOST_TEST(mig_result(r3, keep_id) == bad);
    // A port and an OOL region where only a port was expected: both are destroyed.
    auto r4 = co_await h.call(port_and_ool_message(h.port.send, keep_id, client, blob));
    BOOST_TEST(mig_result(r4, keep_id) == bad);
    BOOST_TEST(!has_send_right(client.get()));
  });
  BOOST_TEST(handled == 0);
  BOOST_TEST(h.server.stats().bad_arguments == 4u);
}

BOOST_AUTO_TEST_CASE(at_the_in_flight_limit_the_server_stops_receiving) {
  harness h(machio::server_options{.max_in_flight = 2});
  event two_started(h.io), release(h.io);
  std::size_t running = 0, peak = 0, started = 0;
  h.server.handle<add_request, add_reply>(add_id, [&](add_call& r) -> asio::awaitable<kern_return_t> {
    peak = std::max(peak, ++running);
    if (++started == 2) two_started.set();
    co_await release.wait();
    --running;
    r.reply().sum = r.args().a;
    co_return KERN_SUCCESS;
  });
  h.run([&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    int answered = 0;
    event all_answered(h.io);
    for (std::int32_t i = 0; i < 3; ++i)
      asio::co_spawn(
          ex,
          [&, i]() -> asio::awaitable<void> {
            auto reply = co_await h.call(add_message(h.port.send, i, 0));
            BOOST_TEST(reply_as<add_reply>(reply).sum == i);
            if (++answered == 3) all_answered.set();
          },
          asio::detached);
    co_await two_started.wait();
    // Two handlers hold the two slots: the third request waits in the port's queue.
    BOOST_TEST(h.server.in_flight() == 2u);
    BOOST_TEST(h.server.stats().received == 2u);
    BOOST_TEST(queued(h.server.port().native_handle()) == 1u);
    release.set();
    co_await all_answered.wait();
  });
  BOOST_TEST(peak == 2u);
  BOOST_TEST(h.server.stats().received == 3u);
}

BOOST_AUTO_TEST_CASE(shutdown_cancels_awaiting_handlers_and_waits_for_the_others) {
  harness h;
  event both_started(h.io);
  int started = 0;
  bool slow_done = false;
  std::optional<machio::server_completion> pending;
  // Awaits something the shutdown cancels: answered KERN_ABORTED.
  h.server.handle<add_request, add_reply>(add_id, [&](add_call&) -> asio::awaitable<kern_return_t> {
    event never(h.io);
    if (++started == 2) both_started.set();
    co_await never.wait();
    co_return KERN_SUCCESS;
  });
  // Callback style, ignores cancellation: the server waits for it.
  h.server.handle<port_request, plain_reply>(
      keep_id,
      [&](keep_call&, machio::server_completion done) {
        pending.emplace(std::move(done));
        if (++started == 2) both_started.set();
      },
      {.descriptors = {machio::port_send()}});
  machio::receive_right client = machio::receive_right::allocate();
  std::optional<error_code> run_result;
  error_code aborted_reply, slow_reply;
  h.server.async_run(asio::bind_cancellation_slot(h.stop.slot(), [&](error_code ec) {
    BOOST_TEST(slow_done);  // only after the last handler finished
    run_result = ec;
  }));
  asio::co_spawn(
      h.io,
      [&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        event answered(h.io);
        int replies = 0;
        asio::co_spawn(
            ex,
            [&]() -> asio::awaitable<void> {
              auto r = co_await h.call(add_message(h.port.send, 1, 2));
              aborted_reply = mig_result(r, add_id);
              if (++replies == 2) answered.set();
            },
            asio::detached);
        asio::co_spawn(
            ex,
            [&]() -> asio::awaitable<void> {
              auto r = co_await h.call(keep_message(h.port.send, client));
              slow_reply = mig_result(r, keep_id);
              if (++replies == 2) answered.set();
            },
            asio::detached);
        co_await both_started.wait();
        h.stop.emit(asio::cancellation_type::terminal);
        // Let the cancellation reach the handlers; the server must still be waiting.
        co_await asio::post(ex, asio::use_awaitable);
        BOOST_TEST(!run_result.has_value());
        slow_done = true;
        std::move(*pending)(KERN_SUCCESS);
        co_await answered.wait();
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  h.io.run();
  BOOST_REQUIRE(run_result.has_value());
  BOOST_TEST(*run_result == asio::error::operation_aborted);
  BOOST_TEST(aborted_reply == machio::make_mach_error_code(KERN_ABORTED));
  BOOST_TEST(!slow_reply);
  BOOST_TEST(!has_send_right(client.get()));
}

BOOST_AUTO_TEST_SUITE_END()
