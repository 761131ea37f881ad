// SPDX-License-Identifier: BSL-1.0
// machio/server/basic_server.hpp — a MIG-style server on a receive port: dispatch by id,
// one coroutine per request, the ownership rule applied for the handler.
#ifndef MACHIO_SERVER_BASIC_SERVER_HPP
#define MACHIO_SERVER_BASIC_SERVER_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/basic_receive_port.hpp>
#include <machio/mig.hpp>
#include <machio/mig/server_call.hpp>
#include <machio/server/deferred_reply.hpp>
#include <machio/server/request_shape.hpp>
#include <machio/server/server_options.hpp>
#include <machio/server/server_request.hpp>
#include <machio/sync.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <tuple>
#include <type_traits>
#include <unordered_map>

namespace machio {

//! The completion handler a callback-style handler is given: call it exactly once with
//! the handler's result (KERN_SUCCESS, an error code, or MIG_NO_REPLY).
using server_completion = boost::asio::any_completion_handler<void(kern_return_t)>;

//! Serves MIG-style requests arriving on one receive port.
//!
//! Each request is received with an audit trailer, then dispatched by msgh_id to the
//! handler registered with handle(); a request whose id has none is answered MIG_BAD_ID,
//! one that does not match its handler's request_shape MIG_BAD_ARGUMENTS (the handler does
//! not run). Each request runs in a coroutine of its own, so a handler that awaits does
//! not hold up the others.
//!
//! The ownership rule (MIG's), applied after the handler completes:
//! - KERN_SUCCESS: the reply struct is sent to the request's reply right; what the handler
//!   took from the request is its own; the rest of the request is destroyed.
//! - any other code: the request and everything still in it is destroyed, then MIG's
//!   error reply (header, NDR, the code) is sent. What the handler took stays its own
//!   (taking is a transfer, not a loan).
//! - the handler took the reply right (server_request::defer) or returned MIG_NO_REPLY:
//!   nothing is sent; the untaken rest of the request is destroyed.
//! - a handler that throws counts as returning KERN_ABORTED when the exception is
//!   operation_aborted (a cancelled handler) and KERN_FAILURE otherwise.
//! Replies are sent without waiting (MACH_SEND_TIMEOUT 0, as mach_msg_server does: a
//! client cannot stall the server by not draining its reply port). A reply the kernel
//! refuses, e.g. MACH_SEND_INVALID_DEST because the client died and its reply right became
//! a dead name, is dropped and its rights released (counted in stats().dropped).
//!
//! Where code runs: the run loop, every handler and every completion inside the server
//! run on one strand of the port's executor, so handlers never run concurrently with each
//! other or with the server's bookkeeping; a handler that blocks the thread blocks the
//! server (post long computations elsewhere and await them).
//!
//! Not copyable or movable (its coroutines refer to it). Register handlers before
//! async_run; run one async_run at a time. Destroy it only after async_run has completed
//! (or the io_context has been stopped and its handlers destroyed).
template <class Executor = boost::asio::any_io_executor>
class basic_server {
 public:
  //! The port's executor type.
  using executor_type = Executor;

  //! A server receiving on \p port (consumed; usually from bootstrap::check_in). \p ex
  //! must belong to an io_context, as for every machio I/O object (std::invalid_argument
  //! otherwise).
  basic_server(const executor_type& ex, receive_right port, const server_options& options = {})
      : strand_(boost::asio::make_strand(ex)), io_(detail::io_context_of(ex).get_executor()),
        port_(ex, std::move(port)), options_(options), wakeup_(strand_) {
    options_.max_in_flight = std::max<std::size_t>(options_.max_in_flight, 1);
    if (options_.receive.trailer < trailer_elements::audit) options_.receive.trailer = trailer_elements::audit;
  }
  basic_server(const basic_server&) = delete;
  basic_server& operator=(const basic_server&) = delete;

  //! The port's executor.
  executor_type get_executor() const noexcept { return port_.get_executor(); }
  //! The receive port (borrowed), e.g. to make send rights to it.
  const basic_receive_port<Executor>& port() const noexcept { return port_; }
  //! Requests whose handlers are running now. Read it on the server's strand (or when
  //! nothing runs).
  std::size_t in_flight() const noexcept { return in_flight_; }
  //! Counters since construction; same rule as in_flight().
  const server_stats& stats() const noexcept { return stats_; }

  //! Registers \p handler for requests with msgh_id \p id (replacing any earlier one).
  //! Requests are checked against \p shape and sizeof(Req) first.
  //!
  //! \p handler is moved into the server and called on its strand as either
  //! - `boost::asio::awaitable<kern_return_t>(server_request<Req, Reply>&)` (a coroutine), or
  //! - `void(server_request<Req, Reply>&, server_completion done)`, calling `done` exactly
  //!   once, from any thread, with the result.
  //! The server_request lives until the result is given. Cancellation: when async_run is
  //! cancelled, each running handler's coroutine gets a terminal cancellation (so an await
  //! in it completes with operation_aborted); a callback-style handler can read it from
  //! boost::asio::get_associated_cancellation_slot(done).
  template <mig_request Req, mig_reply Reply, class Handler>
  void handle(mach_msg_id_t id, Handler handler, request_shape shape = {}) {
    using request_type = server_request<Req, Reply>;
    constexpr bool coroutine =
        std::is_invocable_r_v<boost::asio::awaitable<kern_return_t>, Handler&, request_type&>;
    constexpr bool callback = std::is_invocable_v<Handler&, request_type&, server_completion>;
    static_assert(coroutine || callback,
                  "a handler is awaitable<kern_return_t>(server_request<Req, Reply>&) or "
                  "void(server_request<Req, Reply>&, server_completion)");
    auto h = std::make_shared<Handler>(std::move(handler));
    auto s = std::make_shared<const request_shape>(std::move(shape));
    routes_[id] = [this, h, s](received_message msg, audit_token caller) {
      return serve_typed<Req, Reply, Handler>(std::move(msg), caller, h, s);
    };
  }

  //! Registers \p handler for \p Routine's requests (msgh_id Routine::id), replacing any
  //! earlier handler of that id. Each request is checked and decoded as MIG's server stub
  //! does (machio/mig/checks.hpp): one that fails is answered with MIG's code
  //! (MIG_BAD_ARGUMENTS, MIG_TYPE_ERROR) and the handler does not run. The server's
  //! receive trailer is raised to what Routine's trailer arguments need
  //! (mig::request_trailer): register handlers before async_run.
  //!
  //! \p handler is called on the server's strand as either
  //! - `boost::asio::awaitable<kern_return_t>(mig::server_call<Routine>&)`, or
  //! - `void(mig::server_call<Routine>&, server_completion done)`.
  //! It reads its arguments from call.in() and answers with call.reply(outputs...) and
  //! KERN_SUCCESS; the reply goes out packed to MIG's size, complex when it carries
  //! rights or memory. KERN_SUCCESS without reply() is answered with an empty reply for a
  //! routine without out arguments, and KERN_FAILURE otherwise (the client could not
  //! read the outputs it expects). Any other result: the arguments left in call.in() and
  //! the packed reply are released and MIG's error reply is sent. call.defer() or
  //! MIG_NO_REPLY: nothing is sent. A simpleroutine is never answered.
  template <mig::routine_description Routine, class Handler>
  void handle(Handler handler) {
    using call_type = mig::server_call<Routine>;
    constexpr bool coroutine = std::is_invocable_r_v<boost::asio::awaitable<kern_return_t>, Handler&, call_type&>;
    constexpr bool callback = std::is_invocable_v<Handler&, call_type&, server_completion>;
    static_assert(coroutine || callback,
                  "a handler is awaitable<kern_return_t>(mig::server_call<Routine>&) or "
                  "void(mig::server_call<Routine>&, server_completion)");
    // The trailer arguments must be in what the server receives (else MIG_TRAILER_ERROR).
    if (options_.receive.trailer < mig::request_trailer<Routine>)
      options_.receive.trailer = mig::request_trailer<Routine>;
    auto h = std::make_shared<Handler>(std::move(handler));
    routes_[Routine::id] = [this, h](received_message msg, audit_token caller) {
      return serve_routine<Routine, Handler>(std::move(msg), caller, h);
    };
  }

  //! Receives and serves requests until cancelled or the port fails.
  //!
  //! Completion signature: void(boost::system::error_code). Completes with
  //! operation_aborted after a shutdown through cancellation, or with the receive's error
  //! (e.g. MACH_RCV_PORT_DIED); in both cases only after every handler has completed and
  //! its request has been answered or destroyed.
  //! Executor: the handler runs on its associated executor (default: the port's), never
  //! inside this call.
  //! Per-operation cancellation (terminal, partial or total: all mean "shut down"): the
  //! server stops receiving (queued requests stay in the port's queue and die with the
  //! port, their reply rights telling the clients), forwards a terminal cancellation to
  //! every running handler, waits for them, then completes.
  template <boost::asio::completion_token_for<void(boost::system::error_code)> Token =
                boost::asio::default_completion_token_t<executor_type>>
  auto async_run(Token&& token = boost::asio::default_completion_token_t<executor_type>()) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        [this](auto handler) {
          auto slot = boost::asio::get_associated_cancellation_slot(handler);
          auto ex = boost::asio::get_associated_executor(handler, port_.get_executor());
          boost::asio::co_spawn(
              strand_, run_loop(),
              boost::asio::bind_cancellation_slot(
                  slot, [h = std::move(handler), ex](std::exception_ptr e, boost::system::error_code ec) mutable {
                    if (e) std::rethrow_exception(e);
                    boost::asio::dispatch(ex, boost::asio::append(std::move(h), ec));
                  }));
        },
        token);
  }

 private:
  using awaitable = boost::asio::awaitable<void>;
  using route = std::function<awaitable(received_message, audit_token)>;
  static constexpr auto nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);

  boost::asio::awaitable<boost::system::error_code> run_loop() {
    namespace this_coro = boost::asio::this_coro;
    co_await this_coro::throw_if_cancelled(false);  // the loop reads the state itself
    // Every cancellation type means "shut down"; the receive in progress is then dequeued
    // nothing, so no request is lost in between.
    co_await this_coro::reset_cancellation_state(boost::asio::enable_total_cancellation());
    boost::system::error_code result;
    for (;;) {
      if (co_await cancelled()) break;
      if (in_flight_ >= options_.max_in_flight) {
        co_await wait_for_wakeup();  // a handler finished, or the loop is cancelled
        continue;
      }
      auto [ec, request] = co_await port_.async_receive(options_.receive, nothrow);
      // Dequeued and already destroyed (bytes that do not add up; too large for a receive
      // that does not grow): skip it, the next request may be fine.
      if (ec == error::malformed_message || ec == make_mach_error_code(MACH_RCV_TOO_LARGE)) continue;
      if (ec) {
        if (ec != boost::asio::error::operation_aborted) result = ec;
        break;
      }
      start(std::move(request));
    }
    // Shutdown: stop the handlers' awaits, then wait for each to finish and answer. A
    // later cancellation of async_run cancels them again.
    cancel_handlers();
    co_await this_coro::reset_cancellation_state(boost::asio::enable_total_cancellation());
    while (in_flight_ > 0) {
      co_await wait_for_wakeup();
      if (co_await cancelled()) {
        cancel_handlers();
        co_await this_coro::reset_cancellation_state(boost::asio::enable_total_cancellation());
      }
    }
    co_return result ? result : boost::system::error_code(boost::asio::error::operation_aborted);
  }

  // True when async_run has been cancelled since the last reset of the state.
  static boost::asio::awaitable<bool> cancelled() {
    auto state = co_await boost::asio::this_coro::cancellation_state;
    co_return state.cancelled() != boost::asio::cancellation_type::none;
  }

  // Waits until a handler finishes (finished() cancels the timer) or the loop is cancelled.
  awaitable wait_for_wakeup() {
    wakeup_.expires_at(boost::asio::steady_timer::time_point::max());
    (void)co_await wakeup_.async_wait(nothrow);
  }

  void cancel_handlers() {
    for (auto& signal : signals_) signal.emit(boost::asio::cancellation_type::terminal);
  }

  // Runs \p request in a coroutine of its own, cancellable through its own signal.
  void start(received_message request) {
    ++stats_.received;
    ++in_flight_;
    auto it = signals_.emplace(signals_.end());
    boost::asio::co_spawn(strand_, serve(std::move(request)),
                          boost::asio::bind_cancellation_slot(it->slot(), [this, it](std::exception_ptr) {
                            // Bookkeeping after the coroutine has fully unwound (it may
                            // still be using its slot while this handler runs).
                            boost::asio::post(strand_, [this, it] { finished(it); });
                          }));
  }

  void finished(std::list<boost::asio::cancellation_signal>::iterator it) {
    signals_.erase(it);
    --in_flight_;
    wakeup_.cancel();
  }

  awaitable serve(received_message request) {
    const audit_token caller = request.trailer().audit().value_or(audit_token(audit_token_t{}));
    auto route = routes_.find(request.id());
    if (route == routes_.end()) {
      ++stats_.bad_id;
      reply_error(request, MIG_BAD_ID);
      co_return;
    }
    co_await route->second(std::move(request), caller);
  }

  template <class Req, class Reply, class Handler>
  awaitable serve_typed(received_message msg, audit_token caller, std::shared_ptr<Handler> handler,
                        std::shared_ptr<const request_shape> shape) {
    if (!matches(msg, *shape, sizeof(Req))) {
      ++stats_.bad_arguments;
      reply_error(msg, MIG_BAD_ARGUMENTS);
      co_return;
    }
    server_request<Req, Reply> request(std::move(msg), caller);
    const kern_return_t result = co_await invoke_guarded(*handler, request);
    received_message& m = request.message();
    if (result == MIG_NO_REPLY || m.reply_type() == 0) {
      ++stats_.no_reply;
      co_return;  // `request` destroys what the handler left in it
    }
    if (result != KERN_SUCCESS) {
      reply_error(m, result);
      co_return;
    }
    message reply = deferred_reply<Reply>(m.take_reply(), m.id()).make(request.reply());
    m.reset();
    send_reply(std::move(reply));
  }

  template <class Routine, class Handler>
  awaitable serve_routine(received_message msg, audit_token caller, std::shared_ptr<Handler> handler) {
    mig::server_call<Routine> call(std::move(msg), caller);
    if (const kern_return_t refused = call.decode(); refused != KERN_SUCCESS) {
      ++stats_.bad_arguments;
      reply_error(call.request(), refused);
      co_return;
    }
    kern_return_t result = co_await invoke_guarded(*handler, call);
    received_message& m = call.request();
    if (!Routine::has_reply || result == MIG_NO_REPLY || m.reply_type() == 0) {
      ++stats_.no_reply;
      co_return;  // `call` releases what the handler left in it
    }
    if constexpr (Routine::has_reply) {
      if (result == KERN_SUCCESS && !call.has_reply()) {
        if constexpr (std::tuple_size_v<typename mig::detail::routine_layouts<Routine>::reply_kinds> == 0)
          result = call.reply();
        else
          result = KERN_FAILURE;
      }
    }
    if (result != KERN_SUCCESS) {
      call.release();
      reply_error(m, result);
      co_return;
    }
    message reply = call.take_reply_message();
    m.reset();
    send_reply(std::move(reply));
  }

  // invoke(), with a handler's exception turned into its result as handle() documents.
  template <class Handler, class Request>
  boost::asio::awaitable<kern_return_t> invoke_guarded(Handler& handler, Request& request) {
    try {
      co_return co_await invoke(handler, request, io_);
    } catch (const boost::system::system_error& e) {
      co_return e.code() == boost::asio::error::operation_aborted ? KERN_ABORTED : KERN_FAILURE;
    } catch (...) {
      co_return KERN_FAILURE;
    }
  }

  template <class Handler, class Request>
  static boost::asio::awaitable<kern_return_t> invoke(Handler& handler, Request& request,
                                                      boost::asio::io_context::executor_type io) {
    if constexpr (std::is_invocable_r_v<boost::asio::awaitable<kern_return_t>, Handler&, Request&>) {
      co_return co_await std::invoke(handler, request);
    } else {
      // `done` may be called from any thread, or from inside the handler itself: the
      // result goes through a post to the io_context (whose executor is a plain pointer,
      // nothing shared to count from the caller's thread), then to the coroutine's strand.
      co_return co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(kern_return_t)>(
          [&handler, &request, io](auto done) {
            auto slot = boost::asio::get_associated_cancellation_slot(done);
            std::invoke(handler, request,
                        server_completion(boost::asio::bind_cancellation_slot(
                            slot, [io, done = std::move(done)](kern_return_t kr) mutable {
                              boost::asio::post(io, [done = std::move(done), kr]() mutable {
                                boost::asio::dispatch(boost::asio::append(std::move(done), kr));
                              });
                            })));
          },
          boost::asio::use_awaitable);
    }
  }

  // MIG's error path: destroy the request (all it still holds), then answer \p code.
  void reply_error(received_message& request, kern_return_t code) {
    boost::system::error_code ec;
    message reply = mig::make_error_reply(request, code, ec);
    request.reset();
    if (ec) {  // no reply right (a simpleroutine or a notification): nothing to answer
      ++stats_.no_reply;
      return;
    }
    ++stats_.error_replies;
    send_reply(std::move(reply));
  }

  void send_reply(message reply) {
    boost::system::error_code ec;
    machio::send(reply, no_wait, ec);
    if (ec)
      ++stats_.dropped;  // `reply` releases the rights it still owns (a dead name, say)
    else
      ++stats_.replied;
  }

  boost::asio::strand<Executor> strand_;
  boost::asio::io_context::executor_type io_;
  basic_receive_port<Executor> port_;
  server_options options_;
  boost::asio::steady_timer wakeup_;
  std::unordered_map<mach_msg_id_t, route> routes_;
  std::list<boost::asio::cancellation_signal> signals_;
  std::size_t in_flight_ = 0;
  server_stats stats_;
};

//! A server on boost::asio::any_io_executor.
using server = basic_server<>;

}  // namespace machio

#endif  // MACHIO_SERVER_BASIC_SERVER_HPP
