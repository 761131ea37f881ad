// SPDX-License-Identifier: BSL-1.0
// machio/detail/port_service.hpp — the reactor service: one per io_context, owning one
// kqueue with an EVFILT_MACHPORT knote per receive port in use, an internal notify port
// for send-possible notifications, and a small cache of async_call's reply ports. The
// kqueue's descriptor is watched with a posix::stream_descriptor on the same context,
// armed only while operations are pending so that io_context::run() returns when the
// user's work is done.
#ifndef MACHIO_DETAIL_PORT_SERVICE_HPP
#define MACHIO_DETAIL_PORT_SERVICE_HPP

#include <machio/config.hpp>
#include <machio/detail/port_op.hpp>

#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/strand.hpp>

#include <sys/event.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace machio::detail {

//! Per-I/O-object state the service keeps. Owned (heap) by the I/O object so its address,
//! used as the knote's udata, survives moves of the object. Guarded by the service mutex.
struct port_impl {
  mach_port_name_t name = MACH_PORT_NULL;  // borrowed from the I/O object's receive_right
  bool knote_added = false;   // registered in the kqueue (perhaps disabled)
  //! As registered: every later change must repeat them. With MACH_RCV_MSG the kevent
  //! receives the message.
  std::uint32_t knote_fflags = 0;
  //! The operation whose buffer the knote is enabled for (the front of `ops`), or null
  //! while the knote is disabled. EV_DISPATCH disables it with each delivery.
  port_op* armed = nullptr;
  op_queue ops;
  port_impl* prev = nullptr;  // the service's list of live impls
  port_impl* next = nullptr;
};

//! A reply port of async_call: the service's state for it plus what the reply-port cache
//! keeps. Owned (heap) by the service's cache while cached, by a detail::reply_port while a
//! call uses it; `name` is an owned receive right throughout. On the live list from
//! creation to destruction, cached or not.
struct reply_impl : port_impl {
  reply_impl* next_cached = nullptr;
  //! The service's fork count when the right was made: one made before a fork_child
  //! names nothing the child owns, and is forgotten rather than destroyed.
  std::uint64_t forks = 0;
};

//! What became of a reply port's one send-once right when its call ends
//! (port_service::give_back_reply).
enum class reply_fate : unsigned char {
  answered,   //!< a message arrived through it: nothing can reach the port any more
  unknown,    //!< the receive failed: the kernel is asked (mach_port_get_attributes)
  abandoned,  //!< it may still be out (cancelled, not sent): the port is destroyed
};

//! See the file comment. Thread-safe: every member takes the one mutex; handlers are
//! always posted after it is released, never run under it.
class port_service final : public boost::asio::execution_context::service {
 public:
  using key_type = port_service;
  static inline boost::asio::execution_context::id id;

  //! Created by use_service<port_service>(io_context&): the kqueue descriptor is watched
  //! on that io_context.
  explicit port_service(boost::asio::io_context& context);
  ~port_service() override;

  //! Adds \p impl (naming \p name) to the live list.
  void construct(port_impl& impl, mach_port_name_t name);
  //! Completes every pending operation of \p impl with operation_aborted, removes its
  //! knote and takes it off the live list.
  void destroy(port_impl& impl) noexcept;
  //! Completes every pending operation of \p impl with operation_aborted; the count.
  std::size_t cancel(port_impl& impl) noexcept;
  //! Rebinds \p impl to \p name (after the I/O object's right changed): cancels and
  //! removes the knote first.
  void reset(port_impl& impl, mach_port_name_t name) noexcept;

  //! Queues receive \p op (owned by the service from here) on \p impl.
  void start_receive(port_impl& impl, port_op* op);
  //! Starts send \p op (owned by the service from here).
  void start_send(port_op* op);
  //! At most this many reply ports wait in the cache; more are destroyed.
  static constexpr std::size_t reply_cache_limit = 16;
  //! A reply port for async_call, from the cache or newly allocated (a receive right and
  //! its registration); the caller owns it until give_back_reply. Null with \p ec set
  //! when no right could be allocated. Throws std::bad_alloc.
  reply_impl* take_reply(boost::system::error_code& ec);
  //! Ends the caller's ownership of \p r: cached when \p fate says nothing can reach the
  //! port any more (and there is room, and the service is not shut down), else the knote
  //! is deleted and the receive right destroyed.
  void give_back_reply(reply_impl* r, reply_fate fate) noexcept;
  //! Destroys every cached reply port; how many.
  std::size_t drain_reply_cache() noexcept;
  //! How many reply ports the cache holds.
  std::size_t cached_replies() noexcept;

  //! Per-operation cancellation, with type \p type, of the operation whose canceller is
  //! \p key, pending on \p impl (or a send when null); ignored when no such operation is
  //! pending (it ended, or \p impl is no longer a live port) or it does not accept \p type.
  void cancel_op(port_impl* impl, const void* key, boost::asio::cancellation_type_t type) noexcept;

 private:
  struct pump;
  void shutdown() override;
  void notify_fork(boost::asio::execution_context::fork_event event) override;

  MACHIO_DETAIL_HIDDEN void open_kqueue();
  MACHIO_DETAIL_HIDDEN void unlink_locked(port_impl& impl) noexcept;
  MACHIO_DETAIL_HIDDEN reply_impl* detach_reply_cache_locked() noexcept;
  MACHIO_DETAIL_HIDDEN void update_locked(op_queue& done);
  MACHIO_DETAIL_HIDDEN bool drain_locked(op_queue& done);
  MACHIO_DETAIL_HIDDEN void serve_notifications_locked();
  MACHIO_DETAIL_HIDDEN void retry_sends_locked(op_queue& done);
  MACHIO_DETAIL_HIDDEN bool request_held_locked(mach_port_name_t destination) const noexcept;
  MACHIO_DETAIL_HIDDEN bool waiting_for_locked(mach_port_name_t destination) const noexcept;
  MACHIO_DETAIL_HIDDEN bool try_send_locked(port_op* op);
  MACHIO_DETAIL_HIDDEN void cancel_request_locked(port_op* op) noexcept;
  MACHIO_DETAIL_HIDDEN bool arm_locked(port_impl& impl) noexcept;
  MACHIO_DETAIL_HIDDEN void disarm_locked(port_impl& impl) noexcept;
  MACHIO_DETAIL_HIDDEN void delete_knote_locked(port_impl& impl) noexcept;
  MACHIO_DETAIL_HIDDEN std::size_t fail_ops_locked(port_impl& impl, const boost::system::error_code& ec, op_queue& done) noexcept;
  MACHIO_DETAIL_HIDDEN void complete_front_locked(port_impl& impl, op_queue& done) noexcept;
  MACHIO_DETAIL_HIDDEN void rearm_locked(port_impl& impl, op_queue& done) noexcept;
  MACHIO_DETAIL_HIDDEN void serve_event_locked(port_impl& impl, const kevent64_s& ev, op_queue& done);
  MACHIO_DETAIL_HIDDEN void on_wake(std::uint64_t generation);
  MACHIO_DETAIL_HIDDEN void post_idle_check_locked();
  //! Ends the operations in \p done as \p how says (posting by default), then posts the
  //! idle check if one is due (in that order: see post_idle_check_locked). Throws only
  //! what a dispatched handler throws.
  MACHIO_DETAIL_HIDDEN void complete(op_queue& done, port_op::ending how = port_op::ending::post);
  //! Ends the operations an initiating call finished at once: those whose handler runs
  //! on this io_context join the completions this thread is running for the service
  //! (see on_wake), when it is running them; the rest are posted.
  MACHIO_DETAIL_HIDDEN void complete_initiated(op_queue& done);

  boost::asio::io_context& io_;
  std::mutex mutex_;
  int kq_ = -1;  // owned; closed by the descriptor
  boost::asio::posix::stream_descriptor descriptor_;
  mach_port_name_t notify_port_ = MACH_PORT_NULL;  // owned receive right
  port_impl* live_ = nullptr;
  op_queue sends_;               // sends waiting for a send-possible notification
  // Destinations whose send-possible request fired (or whose name died or was deleted),
  // collected from the notify port; only the sends to these are retried. Kept, so that
  // the steady state does not allocate.
  std::vector<mach_port_name_t> fired_;
  bool fired_unknown_ = false;  // a name could not be noted: retry every waiting send
  std::size_t pending_ = 0;      // queued receives + waiting sends
  bool armed_ = false;           // a wait on descriptor_ is outstanding
  bool idle_check_due_ = false;     // pending_ reached 0 while armed
  bool idle_check_posted_ = false;
  bool shut_down_ = false;
  std::uint64_t generation_ = 0;  // bumped when the outstanding wait is cancelled
  reply_impl* reply_cache_ = nullptr;  // owned; see src/reply_cache.cpp
  std::size_t cached_ = 0;
  std::uint64_t forks_ = 0;          // fork_child events seen
};

//! The io_context behind \p ex — an io_context executor, a strand of one, or an
//! any_io_executor holding either — or null for any other executor.
template <class Executor>
boost::asio::io_context* io_context_if(const Executor& ex) noexcept {
  using io_ex = boost::asio::io_context::executor_type;
  if constexpr (std::is_same_v<Executor, io_ex>) {
    return &ex.context();
  } else if constexpr (requires { ex.get_inner_executor(); }) {
    return io_context_if(ex.get_inner_executor());
  } else if constexpr (requires { ex.template target<io_ex>(); }) {
    if (auto* t = ex.template target<io_ex>()) return &t->context();
    if (auto* t = ex.template target<boost::asio::strand<io_ex>>()) return io_context_if(*t);
    if (auto* t = ex.template target<boost::asio::strand<boost::asio::any_io_executor>>())
      return io_context_if(*t);
    return nullptr;
  } else if constexpr (requires { boost::asio::query(ex, boost::asio::execution::context); }) {
    auto& ctx = boost::asio::query(ex, boost::asio::execution::context);
    if constexpr (std::is_convertible_v<decltype(ctx), boost::asio::io_context&>) return &ctx;
    else return nullptr;
  } else {
    return nullptr;
  }
}

//! The io_context behind \p ex. Throws std::invalid_argument when there is none (the
//! reactor needs an io_context).
template <class Executor>
boost::asio::io_context& io_context_of(const Executor& ex) {
  if (boost::asio::io_context* io = io_context_if(ex)) return *io;
  throw std::invalid_argument("machio: Mach port I/O objects need an io_context executor");
}

//! The port service of \p ex's io_context.
template <class Executor>
port_service& port_service_of(const Executor& ex) {
  return boost::asio::use_service<port_service>(io_context_of(ex));
}

}  // namespace machio::detail

#endif  // MACHIO_DETAIL_PORT_SERVICE_HPP
