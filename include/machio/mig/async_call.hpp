// SPDX-License-Identifier: BSL-1.0
// machio/mig/async_call.hpp — calling a MIG routine asynchronously, with typed values.
//
//   auto [ec, text] = co_await mig::async_call<echo>(ex, server, "hello", as_tuple(use_awaitable));
//   co_await mig::async_send<log_line>(ex, server, 3, where, what, 42, use_awaitable);
//
// The inputs are what encode_request takes for each in and inout argument (rights by
// their disposition's ownership); the completion token comes last and must be given.
#ifndef MACHIO_MIG_ASYNC_CALL_HPP
#define MACHIO_MIG_ASYNC_CALL_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/async_call.hpp>
#include <machio/async_send.hpp>
#include <machio/mig/decode.hpp>
#include <machio/mig/encode.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>

#include <cstddef>
#include <tuple>
#include <utility>

namespace machio::mig {
namespace detail {

template <class Values>
struct call_signature;
template <class... Values>
struct call_signature<std::tuple<Values...>> {
  using type = void(boost::system::error_code, Values...);
};

template <class Routine, class Executor>
struct routine_call_op {
  Executor ex;
  message request;
  kern_return_t refused = KERN_SUCCESS;

  template <class Self>
  void operator()(Self& self) {
    if (refused != KERN_SUCCESS) {
      boost::asio::post(ex, boost::asio::append(std::move(self), make_mach_error_code(refused), received_message{}));
      return;
    }
    machio::async_call(ex, std::move(request), std::move(self));
  }

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec, received_message reply) {
    reply_values<Routine> values{};
    // machio::async_call has checked the id (MIG_SERVER_DIED, MIG_REPLY_MISMATCH); the
    // rest of MIG's client checks are decode_reply's.
    if (!ec)
      if (const kern_return_t kr = decode_reply<Routine>(reply, values); kr != KERN_SUCCESS) {
        ec = make_mach_error_code(kr);
        values = reply_values<Routine>{};
      }
    std::apply([&](auto&&... v) { self.complete(ec, std::move(v)...); }, std::move(values));
  }
};

// Packs Routine's request to \p server from every element of \p args but the last (the
// completion token): the message, or why there is none.
template <class Routine, class Tuple>
std::pair<message, kern_return_t> pack_leading(const send_right& server, Tuple& args) {
  message_builder b;
  b.destination(server);
  const kern_return_t refused = [&]<std::size_t... I>(std::index_sequence<I...>) {
    return encode_request<Routine>(b, std::get<I>(std::move(args))...);
  }(std::make_index_sequence<std::tuple_size_v<Tuple> - 1>{});
  if (refused != KERN_SUCCESS) return {message{}, refused};
  return {std::move(b).build(), KERN_SUCCESS};
}

// The completion token: the last element of \p args.
template <class Tuple>
decltype(auto) last(Tuple& args) {
  return std::get<std::tuple_size_v<Tuple> - 1>(std::move(args));
}

}  // namespace detail

//! The completion signature of mig::async_call<Routine>: void(error_code, outputs...),
//! one value (mig::received_t) per out and inout argument, in argument order.
template <class Routine>
using call_signature_t = typename detail::call_signature<reply_values<Routine>>::type;

//! Calls \p Routine on \p server (borrowed, sent COPY_SEND) with the inputs in \p args,
//! whose last element is the completion token.
//!
//! The request is packed exactly as MIG's user stub packs it (msgh_size the packed
//! size); an input that does not fit fails the call with MIG_ARRAY_TOO_LARGE before
//! anything is sent or consumed. The reply is checked as MIG's user stub checks it
//! (MIG_SERVER_DIED, MIG_REPLY_MISMATCH, MIG_TYPE_ERROR, or the server's error code,
//! each as an error_code in the category make_mach_error_code picks) and its outputs
//! moved into the completion's values (defaults on error).
//!
//! Completion signature: call_signature_t<Routine>. Executor, reply ports and
//! per-operation cancellation: as machio::async_call's.
template <class Routine, class Executor, class... Args>
  requires(Routine::has_reply && sizeof...(Args) >= 1)
auto async_call(const Executor& ex, const send_right& server, Args&&... args) {
  auto all = std::forward_as_tuple(std::forward<Args>(args)...);
  auto [request, refused] = detail::pack_leading<Routine>(server, all);
  using token_type = std::tuple_element_t<sizeof...(Args) - 1, std::tuple<Args...>>;
  token_type&& token = detail::last(all);
  return boost::asio::async_compose<token_type, call_signature_t<Routine>>(
      detail::routine_call_op<Routine, Executor>{ex, std::move(request), refused}, token, ex);
}

//! Sends \p Routine (a simpleroutine) to \p server (borrowed, COPY_SEND) with the inputs
//! in \p args, whose last element is the completion token; packed as async_call packs.
//! Completion signature: void(boost::system::error_code). Waiting on a full queue,
//! executor and cancellation: as machio::async_send's.
template <class Routine, class Executor, class... Args>
  requires(!Routine::has_reply && sizeof...(Args) >= 1)
auto async_send(const Executor& ex, const send_right& server, Args&&... args) {
  auto all = std::forward_as_tuple(std::forward<Args>(args)...);
  auto [request, refused] = detail::pack_leading<Routine>(server, all);
  using token_type = std::tuple_element_t<sizeof...(Args) - 1, std::tuple<Args...>>;
  token_type&& token = detail::last(all);
  return boost::asio::async_compose<token_type, void(boost::system::error_code)>(
      [ex, request = std::move(request), code = refused, started = false](auto& self, boost::system::error_code ec = {},
                                                                   message = {}) mutable {
        if (!started) {
          started = true;
          if (code != KERN_SUCCESS) {
            boost::asio::post(ex, boost::asio::append(std::move(self), make_mach_error_code(code), message{}));
            return;
          }
          machio::async_send(ex, std::move(request), std::move(self));
          return;
        }
        self.complete(ec);
      },
      token, ex);
}

}  // namespace machio::mig

#endif  // MACHIO_MIG_ASYNC_CALL_HPP
