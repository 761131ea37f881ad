// SPDX-License-Identifier: BSL-1.0
// machio/detail/port_ops.hpp — the typed operations behind async_receive and async_send:
// allocated with the handler's associated allocator, holding work on the handler's
// associated executor, completing through it, never inside the initiating call.
//
// As Asio's own reactive operations do, a completion that must not run in the current
// call is posted to the I/O executor (which always supports blocking.never), and from
// there dispatched to the handler's executor: a handler's executor need not support
// blocking.never (any_completion_executor, behind any_completion_handler, does not). A
// completion found inside the initiating call goes through the handler's associated
// immediate executor (Asio 1.82+), which by default posts as above.
#ifndef MACHIO_DETAIL_PORT_OPS_HPP
#define MACHIO_DETAIL_PORT_OPS_HPP

#include <machio/config.hpp>
#include <machio/detail/port_service.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#if MACHIO_HAS_IMMEDIATE_EXECUTOR
#include <boost/asio/associated_immediate_executor.hpp>
#endif
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/recycling_allocator.hpp>

#include <memory>
#include <utility>

namespace machio::detail {

//! The allocator an operation uses for a handler whose associated allocator is \p Alloc.
//! std::allocator, which is what a handler that names none usually reports (async_compose's
//! intermediate handlers do), means "the default": like Asio's own operations, use the
//! recycling allocator, which reuses the per-thread cache of the io_context's threads.
template <class Alloc>
struct operation_allocator {
  using type = Alloc;
  static type get(const Alloc& a) noexcept { return a; }
};
template <class T>
struct operation_allocator<std::allocator<T>> {
  using type = boost::asio::recycling_allocator<T>;
  static type get(const std::allocator<T>&) noexcept { return type(); }
};

//! Whether \p work (a handler's executor, holding work) is a plain io_context executor —
//! no strand, no blocking.never — of a context this thread is running. Dispatching to such
//! an executor calls the function at once, so the handler may simply be called: the same
//! semantics without wrapping it into a type-erased function for execute().
template <class Work>
bool invokes_inline(const Work& work) noexcept {
  using tracked = decltype(boost::asio::prefer(std::declval<boost::asio::io_context::executor_type>(),
                                               boost::asio::execution::outstanding_work.tracked));
  if constexpr (std::is_same_v<Work, tracked>) {
    return work.running_in_this_thread();
  } else if constexpr (requires { work.template target<tracked>(); }) {
    const tracked* t = work.template target<tracked>();
    return t && t->running_in_this_thread();
  } else {
    return false;
  }
}

//! The operation for \p Handler, completing with (error_code, Result): owns the handler and
//! the work on its executor.
template <class Handler, class IoExecutor, class Result>
struct typed_port_op final : port_op {
  using handler_executor = boost::asio::associated_executor_t<Handler, IoExecutor>;
  using work_type = std::decay_t<decltype(boost::asio::prefer(
      std::declval<handler_executor>(), boost::asio::execution::outstanding_work.tracked))>;
  using associated_allocator =
      operation_allocator<boost::asio::associated_allocator_t<Handler, boost::asio::recycling_allocator<void>>>;
  using allocator_type =
      typename std::allocator_traits<typename associated_allocator::type>::template rebind_alloc<typed_port_op>;
  //! The allocator for \p h.
  static allocator_type allocator_for(const Handler& h) {
    return allocator_type(associated_allocator::get(
        boost::asio::get_associated_allocator(h, boost::asio::recycling_allocator<void>())));
  }

  typed_port_op(kind k, Handler&& h, const IoExecutor& io_ex)
      : port_op(k, &do_finish),
        handler(std::move(h)),
        io_executor(io_ex),
        work(boost::asio::prefer(boost::asio::get_associated_executor(handler, io_ex),
                                 boost::asio::execution::outstanding_work.tracked)) {}

  //! Allocates the operation with the handler's allocator.
  static typed_port_op* create(kind k, Handler&& h, const IoExecutor& io_ex) {
    allocator_type alloc = allocator_for(h);
    typed_port_op* p = std::allocator_traits<allocator_type>::allocate(alloc, 1);
    try {
      std::allocator_traits<allocator_type>::construct(alloc, p, k, std::move(h), io_ex);
    } catch (...) {
      std::allocator_traits<allocator_type>::deallocate(alloc, p, 1);
      throw;
    }
    return p;
  }

  static void do_finish(port_op* base, ending how) {
    auto* self = static_cast<typed_port_op*>(base);
    allocator_type alloc = allocator_for(self->handler);
    // Move everything out and free the operation before the handler runs, so that the
    // handler can start the next operation with the memory just released.
    Handler h(std::move(self->handler));
    IoExecutor io_ex(std::move(self->io_executor));
    work_type w(std::move(self->work));
    const boost::system::error_code ec = self->ec;
    Result result = take_result(*self);
    std::allocator_traits<allocator_type>::destroy(alloc, self);
    std::allocator_traits<allocator_type>::deallocate(alloc, self, 1);
    if (how == ending::destroy) return;
    if (how == ending::dispatch && invokes_inline(w)) {
      std::move(h)(ec, std::move(result));  // `w` keeps the work until the handler returns
      return;
    }
    if (how == ending::dispatch) {
      auto ex = boost::asio::prefer(std::move(w), boost::asio::execution::outstanding_work.untracked);
      boost::asio::dispatch(std::move(ex), boost::asio::append(std::move(h), ec, std::move(result)));
      return;
    }
    // post and dispatch below go to the handler's executor by way of the I/O executor's
    // (their work_dispatcher), which holds the work meanwhile; `w` may go.
#if MACHIO_HAS_IMMEDIATE_EXECUTOR
    if (how == ending::immediate) {
      auto immediate = boost::asio::get_associated_immediate_executor(h, io_ex);
      boost::asio::dispatch(std::move(immediate), boost::asio::append(std::move(h), ec, std::move(result)));
      return;
    }
#endif
    boost::asio::post(std::move(io_ex), boost::asio::append(std::move(h), ec, std::move(result)));
  }

  static Result take_result(port_op& op) noexcept {
    if constexpr (std::is_same_v<Result, received_message>) return std::move(op.received);
    else if constexpr (std::is_same_v<Result, message>) return std::move(op.outgoing);
    else return op.bytes;
  }

  Handler handler;
  IoExecutor io_executor;
  work_type work;
};

//! Installed in the handler's cancellation slot when the operation starts, and left there
//! when it ends: the service completes operations on whatever thread runs its wake, while
//! the slot may only be touched where the handler's signal is emitted (its executor), so
//! clearing it there would race with an emit. A later emit is harmless: the service looks
//! the operation up by this canceller's address among the pending ones, on a port that is
//! still live, and finds nothing.
struct port_op_canceller {
  port_service* service;
  port_impl* impl;  // null for a send
  void operator()(boost::asio::cancellation_type_t type) const noexcept { service->cancel_op(impl, this, type); }
};

//! Allocates the op for \p handler, connects its cancellation slot and returns it; the
//! caller fills in the inputs and hands it to the service.
template <class Result, class Handler, class IoExecutor>
port_op* make_port_op(port_op::kind k, Handler&& handler, const IoExecutor& io_ex, port_service& service,
                      port_impl* impl) {
  std::decay_t<Handler> h(std::forward<Handler>(handler));
  auto slot = boost::asio::get_associated_cancellation_slot(h);
  boost::asio::io_context* home = io_context_if(boost::asio::get_associated_executor(h, io_ex));
  port_op* op = typed_port_op<std::decay_t<Handler>, IoExecutor, Result>::create(k, std::move(h), io_ex);
  op->home = home;
  if (slot.is_connected()) {
    op->slot = slot;
    op->cancel_key = &slot.template emplace<port_op_canceller>(port_op_canceller{&service, impl});
  }
  return op;
}

}  // namespace machio::detail

#endif  // MACHIO_DETAIL_PORT_OPS_HPP
