// SPDX-License-Identifier: BSL-1.0
// The asynchronous operations of machio as interchangeable kinds, for tests that run one
// case over every operation (test_token_matrix.cpp, test_cancellation_states.cpp,
// test_shutdown.cpp).
#pragma once

#include "asio_test.hpp"

#include <machio/async_call.hpp>
#include <machio/async_notifications.hpp>
#include <machio/basic_port_set.hpp>

#include <boost/mpl/list.hpp>

#include <concepts>
#include <cstring>
#include <span>
#include <utility>
#include <variant>

namespace machio_test {

namespace asio = boost::asio;
using boost::system::error_code;

// The operation kinds. Each sets up what its operation needs on `io`; start(token) starts
// it with any token; trigger() makes it complete successfully, which check(result) then
// confirms. Kinds that have a failure a peer can cause offer fail(), after which the
// operation completes with failure().

// What every kind starts from: the io_context and a port with a send right to it.
struct kind_base {
  asio::io_context& io;
  machio::port_pair pair;
  explicit kind_base(asio::io_context& c, const machio::port_options& options = {})
      : io(c), pair(machio::receive_right::allocate_pair(options)) {}
};

// The receive kinds: the port's receive right in a receive_port; closing it fails them.
struct receive_port_kind : kind_base {
  machio::receive_port port{io, std::move(pair.receive)};
  using kind_base::kind_base;
  void fail() { port.close(); }
  static error_code failure() { return asio::error::operation_aborted; }
};

struct receive_message_op : receive_port_kind {
  using result = machio::received_message;
  using receive_port_kind::receive_port_kind;
  template <class Token>
  auto start(Token&& token) { return port.async_receive(std::forward<Token>(token)); }
  void trigger() { machio::send(ping(pair.send, 7, 70)); }
  bool check(const result& m) const { return m.id() == 7 && m.body_as<std::int32_t>() == 70; }
};

struct receive_bytes_op : receive_port_kind {
  using result = std::size_t;
  alignas(8) std::byte buf[128]{};
  using receive_port_kind::receive_port_kind;
  template <class Token>
  auto start(Token&& token) { return port.async_receive(std::span<std::byte>(buf), std::forward<Token>(token)); }
  void trigger() { machio::send(ping(pair.send, 8, 80)); }
  bool check(result n) const {
    mach_msg_header_t h;
    std::memcpy(&h, buf, sizeof h);
    return n == sizeof h + sizeof(std::int32_t) && h.msgh_id == 8;
  }
};

// A set whose one member is the port.
struct port_set_op : kind_base {
  using result = machio::received_message;
  machio::port_set_object set{io, machio::port_set::allocate()};
  explicit port_set_op(asio::io_context& c) : kind_base(c) { set.set().insert(pair.receive); }
  template <class Token>
  auto start(Token&& token) { return set.async_receive(std::forward<Token>(token)); }
  void trigger() { machio::send(ping(pair.send, 9)); }
  bool check(const result& m) const { return m.id() == 9 && m.local_port() == pair.receive.get(); }
  void fail() { set.close(); }
  static error_code failure() { return asio::error::operation_aborted; }
};

// A send that waits on a full queue (limit 1, one message queued) until trigger()
// receives that message.
struct send_op : kind_base {
  using result = machio::message;
  explicit send_op(asio::io_context& c) : kind_base(c, machio::port_options{.qlimit = 1}) {
    machio::send(ping(pair.send, 1), machio::no_wait);
  }
  template <class Token>
  auto start(Token&& token) { return machio::async_send(io, ping(pair.send, 10), std::forward<Token>(token)); }
  void trigger() { (void)machio::receive(pair.receive, {}, machio::no_wait); }
  bool check(const result& unsent) const {
    error_code ec;
    return !unsent.valid() && machio::receive(pair.receive, {}, machio::no_wait, ec).id() == 10 && !ec;
  }
  void fail() { pair.receive.reset(); }
  static error_code failure() { return machio::make_mach_error_code(MACH_SEND_INVALID_DEST); }
};

// A call whose server, on the same io_context, starts serving at trigger().
struct call_op : kind_base {
  using result = machio::received_message;
  machio::receive_port server{io, std::move(pair.receive)};
  using kind_base::kind_base;
  template <class Token>
  auto start(Token&& token) {
    return machio::async_call(io.get_executor(), ping(pair.send, 400, 11), std::forward<Token>(token));
  }
  void trigger() {
    server.async_receive([](error_code ec, machio::received_message req) {
      BOOST_REQUIRE(!ec);
      machio::send(machio::message_builder(machio::mig::reply_id(req.id()))
                       .destination(req.take_reply_send_once())
                       .append_value(2 * *req.body_as<std::int32_t>())
                       .build());
    });
  }
  bool check(const result& m) const { return m.id() == 500 && m.body_as<std::int32_t>() == 22; }
  // The server takes the request and drops its reply right.
  void fail() {
    server.async_receive([](error_code ec, machio::received_message req) {
      BOOST_REQUIRE(!ec);
      req.reset();
    });
  }
  static error_code failure() { return machio::make_mach_error_code(MIG_SERVER_DIED); }
};

// No failure here: the one a peer can cause, the watched send right leaving the task,
// needs a name that holds no receive right, i.e. a port owned by another task.
struct dead_name_op : kind_base {
  using result = std::monostate;
  using kind_base::kind_base;
  template <class Token>
  auto start(Token&& token) { return machio::async_wait_dead_name(io.get_executor(), pair.send, std::forward<Token>(token)); }
  void trigger() { pair.receive.reset(); }
  bool check(result) const { return pair.send.is_dead(); }
};

struct no_senders_op : kind_base {
  using result = mach_port_mscount_t;
  using kind_base::kind_base;
  template <class Token>
  auto start(Token&& token) {
    return machio::async_wait_no_senders(io.get_executor(), pair.receive, 1, std::forward<Token>(token));
  }
  void trigger() { pair.send.reset(); }
  bool check(result mscount) const { return mscount == 1u; }
  void fail() { pair.receive.reset(); }
  static error_code failure() { return machio::make_mach_error_code(KERN_INVALID_RIGHT); }
};

// No failure a peer can cause: the right comes back whoever destroys it.
struct port_destroyed_op : kind_base {
  using result = machio::receive_right;
  using kind_base::kind_base;
  template <class Token>
  auto start(Token&& token) {
    return machio::async_wait_port_destroyed(io.get_executor(), pair.receive, std::forward<Token>(token));
  }
  void trigger() { pair.receive.reset(); }
  bool check(const result& back) const {
    if (!back) return false;
    machio::send(ping(pair.send, 12));  // the old send right still reaches it
    error_code ec;
    return machio::receive(back, {}, machio::no_wait, ec).id() == 12 && !ec;
  }
};

template <class Op>
concept can_fail = requires(Op& op) {
  op.fail();
  { Op::failure() } -> std::same_as<error_code>;
};

using all_ops = boost::mpl::list<receive_message_op, receive_bytes_op, port_set_op, send_op, call_op, dead_name_op,
                                 no_senders_op, port_destroyed_op>;

// A handler that expects `op` to succeed and counts its calls in `calls`.
template <class Op>
auto expect_success(Op& op, int& calls) {
  return [&op, &calls](error_code ec, typename Op::result r) {
    ++calls;
    BOOST_TEST(!ec);
    BOOST_TEST(op.check(r));
  };
}

// An executor with none of blocking.never's promises: it supports execute, the context
// query and nothing it could be required to do (Asio's minimal executor). It counts what
// it is given and runs it through its io_context's executor (inline when that thread runs
// it), or with `at_once` right away on the calling thread (what a handler binds as its
// immediate executor when it accepts running inside the initiating call).
struct minimal_executor {
  asio::io_context* io;
  int* executed;
  bool at_once = false;
  asio::execution_context& query(asio::execution::context_t) const noexcept { return *io; }
  template <class F>
  void execute(F&& f) const {
    ++*executed;
    if (at_once)
      std::forward<F>(f)();
    else
      io->get_executor().execute(std::forward<F>(f));
  }
  bool operator==(const minimal_executor&) const noexcept = default;
};
static_assert(asio::execution::is_executor_v<minimal_executor>);
static_assert(!asio::can_require_v<minimal_executor, asio::execution::blocking_t::never_t>);

}  // namespace machio_test
