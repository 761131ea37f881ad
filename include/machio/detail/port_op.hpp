// SPDX-License-Identifier: BSL-1.0
// machio/detail/port_op.hpp — the type-erased state of one pending port operation, as the
// port service queues it. The typed part (handler, work, allocator) lives in the derived
// class the I/O object allocates; the service only sees this base.
#ifndef MACHIO_DETAIL_PORT_OP_HPP
#define MACHIO_DETAIL_PORT_OP_HPP

#include <machio/detail/message_buffer.hpp>
#include <machio/message.hpp>
#include <machio/received_message.hpp>
#include <machio/sync.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>

#include <cstddef>
#include <span>

namespace boost::asio {
class io_context;
}

namespace machio::detail {

//! One pending receive or send. Owned by whoever holds the pointer: the initiating function
//! until it hands it to port_service, then the service until it calls finish().
struct port_op {
  enum class kind : unsigned char { receive_message, receive_bytes, send };

  //! How finish() ends the operation.
  enum class ending : unsigned char {
    destroy,   //!< shutdown: the handler is destroyed without being invoked
    post,      //!< the handler is posted (by way of the I/O executor) to its executor
    immediate, //!< found inside an initiating call: through the handler's associated
               //!< immediate executor (posted as above unless the handler binds one)
    dispatch,  //!< the handler is dispatched: run at once when the calling thread may run
               //!< it (the service's own wake-up, running on the io_context), else posted
  };
  //! Ends the operation as \p how says and frees it through the handler's allocator.
  //! Only `dispatch` may throw: it propagates what the handler throws.
  using finish_fn = void (*)(port_op* op, ending how);

  port_op(kind k, finish_fn f) noexcept : what(k), finish(f) {}

  port_op* next = nullptr;
  kind what;
  finish_fn finish;
  //! The cancellation types this operation accepts in its current state.
  boost::asio::cancellation_type_t cancellable = boost::asio::cancellation_type::all;
  //! The handler's cancellation slot, if connected, and the address of the canceller the
  //! operation installed in it: the key the service finds the operation by when the
  //! canceller fires. The canceller stays in the slot after the operation ends (as Asio's
  //! own operations leave theirs): the slot belongs to the handler's executor, and only
  //! shutdown, which no emit may race, clears it.
  boost::asio::cancellation_slot slot;
  const void* cancel_key = nullptr;
  //! The io_context the handler runs on, or null when its executor is not one of an
  //! io_context (a promise's, a thread pool's): decides whether an immediate completion
  //! may join the completions the service is running on this thread.
  boost::asio::io_context* home = nullptr;

  // Results.
  boost::system::error_code ec;
  std::size_t bytes = 0;
  received_message received;

  // Inputs.
  receive_options options;           // receive_message
  std::span<std::byte> buffer;       // receive_bytes
  message_buffer direct_buffer;      // receive_message: where a kevent receives it
  message outgoing;                  // send; given back on failure
  bool notify_registered = false;    // send: a send-possible request is registered
};

//! A FIFO of operations linked through port_op::next. Owns nothing.
class op_queue {
 public:
  bool empty() const noexcept { return head_ == nullptr; }
  port_op* front() const noexcept { return head_; }
  void push(port_op* op) noexcept {
    op->next = nullptr;
    if (tail_) tail_->next = op; else head_ = op;
    tail_ = op;
  }
  port_op* pop() noexcept {
    port_op* op = head_;
    if (op) {
      head_ = op->next;
      if (!head_) tail_ = nullptr;
      op->next = nullptr;
    }
    return op;
  }
  //! Removes \p op if queued; true when it was.
  bool remove(port_op* op) noexcept {
    port_op* prev = nullptr;
    for (port_op* p = head_; p; prev = p, p = p->next) {
      if (p != op) continue;
      (prev ? prev->next : head_) = p->next;
      if (tail_ == p) tail_ = prev;
      p->next = nullptr;
      return true;
    }
    return false;
  }
  void splice(op_queue& other) noexcept {
    while (port_op* op = other.pop()) push(op);
  }

 private:
  port_op* head_ = nullptr;
  port_op* tail_ = nullptr;
};

}  // namespace machio::detail

#endif  // MACHIO_DETAIL_PORT_OP_HPP
