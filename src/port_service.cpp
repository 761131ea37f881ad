// SPDX-License-Identifier: BSL-1.0
// The reactor service: kqueue + EVFILT_MACHPORT knotes watched by a stream_descriptor.
//
// The invariant that keeps edge-triggered readiness from being missed: Asio registers the
// kqueue's descriptor edge-triggered, so an edge that happens while no wait is queued is
// lost. Every time a wait is armed we therefore drain the kqueue right after arming (so
// anything that became ready before is seen), and from then on every new event is an
// edge that the armed wait catches. A wake re-arms first and then drains, for the same
// reason.
//
// A port's knote is enabled exactly while a receive waits on it, for that receive (see
// arm_locked): the kevent64 that reports a message has received it into the receive's
// buffer. A request/response loop thus pays per message one kevent64 that receives and
// one that enables the knote for the next receive, which a handler started meanwhile; the
// second runs after the handler has sent its answer, off the path of the next message.
#include <machio/detail/port_service.hpp>

#include <machio/detail/message_access.hpp>
#include <machio/detail/receive_sizes.hpp>

#include <boost/asio/post.hpp>

#include <sys/event.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace machio::detail {
namespace {

// One non-blocking receive for \p op from \p name. False when nothing was queued (the
// wake was spurious or another thread took the message): the op stays pending.
bool try_receive(mach_port_name_t name, port_op& op) {
  if (op.what == port_op::kind::receive_bytes) {
    auto* hdr = reinterpret_cast<mach_msg_header_t*>(op.buffer.data());
    const mach_msg_return_t mr =
        mach_msg(hdr, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, static_cast<mach_msg_size_t>(op.buffer.size()),
                 name, 0, MACH_PORT_NULL);
    if (mr == MACH_RCV_TIMED_OUT) return false;
    if (mr == MACH_MSG_SUCCESS)
      op.bytes = hdr->msgh_size;
    else
      op.ec = make_mach_error_code(mr);
    return true;
  }
  const receive_options& o = op.options;
  const mach_msg_size_t trailer = trailer_size(o.trailer);
  const mach_msg_option_t option = receive_option_bits(o) | MACH_RCV_TIMEOUT;
  mach_msg_size_t size = std::max<mach_msg_size_t>(o.buffer_size, sizeof(mach_msg_header_t)) + trailer;
  for (;;) {
    message_buffer buf(size);
    const mach_msg_return_t mr =
        mach_msg(buf.header(), option, 0, static_cast<mach_msg_size_t>(buf.capacity()), name, 0, MACH_PORT_NULL);
    if (mr == MACH_RCV_TIMED_OUT) return false;
    if (mr == MACH_RCV_TOO_LARGE && o.grow) {
      const mach_msg_size_t needed = buf.header()->msgh_size;
      if (needed > max_message_size || needed + trailer <= buf.capacity()) {
        op.ec = error::malformed_message;
        return true;
      }
      size = needed + trailer;
      continue;
    }
    if (mr != MACH_MSG_SUCCESS) {
      op.ec = make_mach_error_code(mr);
      return true;
    }
    const mach_msg_size_t total = received_size(buf);
    op.received = received_message::from_buffer(std::move(buf), total, op.ec);
    return true;
  }
}

// udata of the notify port's knote; port knotes carry their port_impl's address.
constexpr std::uint64_t notify_udata = 1;

// The completions a wake of `service` is running on this thread. A handler it runs often
// starts the next operation, and a send finishes at once: posting that completion would
// queue it behind Asio's reactor task, which then polls once more (an epoll_wait per
// message) before the handler runs. Instead it joins this batch and runs when the handler
// that started it has returned: still not inside the initiating call, and on the same
// io_context. `budget` bounds how many may join one wake, so a handler that keeps
// starting operations that finish at once cannot starve the rest of the io_context.
struct completion_batch {
  const port_service* service;
  op_queue* ops;
  unsigned budget;
};
thread_local completion_batch* running_batch = nullptr;
constexpr unsigned max_joined_completions = 64;

}  // namespace

struct port_service::pump {
  port_service* self;
  std::uint64_t generation;
  void operator()(const boost::system::error_code&) const { self->on_wake(generation); }
};

port_service::port_service(boost::asio::io_context& context)
    : boost::asio::execution_context::service(context), io_(context), descriptor_(io_) {
  open_kqueue();
}

port_service::~port_service() {
  drain_reply_cache();  // emptied by shutdown(); this catches a service never shut down
  // Notifications still queued: a dead-name one carries a user reference we must drop.
  if (notify_port_ != MACH_PORT_NULL) {
    serve_notifications_locked();
    mach_port_mod_refs(mach_task_self(), notify_port_, MACH_PORT_RIGHT_RECEIVE, -1);
  }
}

void port_service::open_kqueue() {
  kq_ = ::kqueue();
  if (kq_ < 0) throw boost::system::system_error(errno, boost::system::system_category(), "machio: kqueue");
  descriptor_.assign(kq_);
  if (notify_port_ == MACH_PORT_NULL) {
    const kern_return_t kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &notify_port_);
    if (kr != KERN_SUCCESS) throw boost::system::system_error(make_mach_error_code(kr), "machio: notify port");
  }
  kevent64_s ev;
  EV_SET64(&ev, notify_port_, EVFILT_MACHPORT, EV_ADD | EV_ENABLE, 0, 0, notify_udata, 0, 0);
  if (kevent64(kq_, &ev, 1, nullptr, 0, 0, nullptr) < 0)
    throw boost::system::system_error(errno, boost::system::system_category(), "machio: kevent64");
}

void port_service::construct(port_impl& impl, mach_port_name_t name) {
  std::lock_guard lock(mutex_);
  impl.name = name;
  impl.prev = nullptr;
  impl.next = live_;
  if (live_) live_->prev = &impl;
  live_ = &impl;
}

void port_service::destroy(port_impl& impl) noexcept {
  op_queue done;
  {
    std::lock_guard lock(mutex_);
    delete_knote_locked(impl);  // first: the kernel must not receive into their buffers
    fail_ops_locked(impl, boost::asio::error::operation_aborted, done);
    unlink_locked(impl);
    if (!shut_down_) update_locked(done);
  }
  complete(done);
}

// Takes `impl` off the live list.
void port_service::unlink_locked(port_impl& impl) noexcept {
  (impl.prev ? impl.prev->next : live_) = impl.next;
  if (impl.next) impl.next->prev = impl.prev;
  impl.prev = impl.next = nullptr;
}

std::size_t port_service::cancel(port_impl& impl) noexcept {
  op_queue done;
  std::size_t n = 0;
  {
    std::lock_guard lock(mutex_);
    disarm_locked(impl);
    n = fail_ops_locked(impl, boost::asio::error::operation_aborted, done);
    if (!shut_down_) update_locked(done);
  }
  complete(done);
  return n;
}

void port_service::reset(port_impl& impl, mach_port_name_t name) noexcept {
  cancel(impl);
  std::lock_guard lock(mutex_);
  delete_knote_locked(impl);
  impl.name = name;
}

void port_service::start_receive(port_impl& impl, port_op* op) {
  op_queue done;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) {
      op->slot.clear();
      op->finish(op, port_op::ending::destroy);
      return;
    }
    const bool bad_buffer =
        op->what == port_op::kind::receive_bytes &&
        (reinterpret_cast<std::uintptr_t>(op->buffer.data()) % alignof(mach_msg_header_t) != 0 ||
         op->buffer.size() < sizeof(mach_msg_header_t) + sizeof(mach_msg_trailer_t));
    if (impl.name == MACH_PORT_NULL || bad_buffer) {
      op->ec = bad_buffer ? boost::asio::error::invalid_argument : boost::asio::error::bad_descriptor;
      done.push(op);
    } else {
      impl.ops.push(op);
      ++pending_;
      // Wait on the kqueue before enabling the knote: the enable may raise its edge at once.
      update_locked(done);
      rearm_locked(impl, done);
    }
  }
  complete_initiated(done);  // never runs a handler inside the initiating call
}

void port_service::start_send(port_op* op) {
  op_queue done;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) {
      op->slot.clear();
      op->finish(op, port_op::ending::destroy);
      return;
    }
    // Sends to one destination leave in the order they were started: while an earlier
    // one waits for room, a later one queues behind it instead of overtaking it into a
    // queue that drained meanwhile. The earlier one's send-possible request covers both.
    if (!waiting_for_locked(op->outgoing.destination()) && try_send_locked(op)) {
      done.push(op);
    } else {
      sends_.push(op);
      ++pending_;
      update_locked(done);
    }
  }
  complete_initiated(done);
}

// Whether a send to `destination` is waiting for room.
bool port_service::waiting_for_locked(mach_port_name_t destination) const noexcept {
  for (const port_op* p = sends_.front(); p; p = p->next)
    if (p->outgoing.destination() == destination) return true;
  return false;
}

void port_service::cancel_op(port_impl* impl, const void* key, boost::asio::cancellation_type_t type) noexcept {
  op_queue done;
  {
    std::lock_guard lock(mutex_);
    // The canceller outlives its operation, and may outlive its port object: find the port
    // among the live ones and the operation among its pending ones before touching either.
    // (A walk of the live ports: cancellation is rare next to messages.)
    if (impl) {
      port_impl* live = live_;
      while (live && live != impl) live = live->next;
      if (!live) return;
    }
    op_queue& queue = impl ? impl->ops : sends_;
    port_op* op = queue.front();
    while (op && op->cancel_key != key) op = op->next;
    if (!op) return;  // it ended: its handler is queued or has run
    if ((op->cancellable & type) == boost::asio::cancellation_type::none) return;
    const bool armed = impl && impl->armed == op;
    if (armed) disarm_locked(*impl);  // before the op and its buffer go away
    queue.remove(op);
    --pending_;
    if (!impl) cancel_request_locked(op);
    op->ec = boost::asio::error::operation_aborted;
    done.push(op);
    if (armed) rearm_locked(*impl, done);
    update_locked(done);
  }
  complete(done);
}

// Sends op->outgoing without waiting. True when the op is finished (sent, or failed for
// good); false when the queue is full and a send-possible request covers the op.
bool port_service::try_send_locked(port_op* op) {
  message& msg = op->outgoing;
  if (!msg.valid()) {
    op->ec = error::message_consumed;
    return true;
  }
  mach_msg_size_t size = 0;
  message_buffer buf = message_access::serialize(msg, 0, size);
  const mach_msg_return_t mr =
      mach_msg(buf.header(), MACH_SEND_MSG | MACH_SEND_TIMEOUT, size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
  message_access::settle(msg, mr, buf);
  if (mr != MACH_SEND_TIMED_OUT) {
    cancel_request_locked(op);
    if (mr != MACH_MSG_SUCCESS) op->ec = make_mach_error_code(mr);
    return true;
  }
  // Full. One request per destination serves every send waiting on it: registering
  // another would replace it, and the replaced request's send-once right, released, sends
  // the notify port a MACH_NOTIFY_SEND_ONCE (two sends taking turns at that spun forever).
  if (request_held_locked(msg.destination())) return false;
  // Ask for a send-possible notification, "armed" (sync 1) so that a queue that drained
  // meanwhile notifies at once.
  mach_port_name_t previous = MACH_PORT_NULL;
  const kern_return_t kr =
      mach_port_request_notification(mach_task_self(), msg.destination(), MACH_NOTIFY_SEND_POSSIBLE, 1,
                                     notify_port_, MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous);
  if (previous != MACH_PORT_NULL) mach_port_deallocate(mach_task_self(), previous);
  if (kr != KERN_SUCCESS) {
    op->ec = make_mach_error_code(kr);
    return true;
  }
  op->notify_registered = true;
  return false;
}

// Whether a waiting send to `destination` holds the registered send-possible request.
bool port_service::request_held_locked(mach_port_name_t destination) const noexcept {
  for (const port_op* p = sends_.front(); p; p = p->next)
    if (p->notify_registered && p->outgoing.destination() == destination) return true;
  return false;
}

// `op` stops waiting: the request it holds passes to another send waiting on the same
// destination, or, when none is left, is withdrawn.
void port_service::cancel_request_locked(port_op* op) noexcept {
  if (!op->notify_registered) return;
  op->notify_registered = false;
  for (port_op* p = sends_.front(); p; p = p->next) {
    if (p != op && p->outgoing.destination() == op->outgoing.destination()) {
      p->notify_registered = true;
      return;
    }
  }
  mach_port_name_t previous = MACH_PORT_NULL;
  (void)mach_port_request_notification(mach_task_self(), op->outgoing.destination(), MACH_NOTIFY_SEND_POSSIBLE,
                                       0, MACH_PORT_NULL, MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous);
  if (previous != MACH_PORT_NULL) mach_port_deallocate(mach_task_self(), previous);
}

// Enables the knote of `impl` for its front operation: with MACH_RCV_MSG and that
// operation's buffer in ext[0]/ext[1], so that the kevent64 which reports the message has
// already received it (one call where a report and a mach_msg would be two), and with
// EV_DISPATCH, so that the kernel receives one message per enable and never while no
// operation waits: a message nobody asked for stays in the port. MACH_RCV_LARGE is always
// set, so a message too large for the buffer stays queued too; try_receive then takes it
// with the operation's own rules. An operation that accepts guarded port descriptors uses
// a knote without MACH_RCV_MSG (the kevent receive cannot ask for them) and receives with
// mach_msg; MACH_RCV_MSG cannot be toggled on a registered knote, hence the EV_DELETE.
bool port_service::arm_locked(port_impl& impl) noexcept {
  port_op* op = impl.ops.front();
  if (!op || impl.armed == op) return true;
  std::uint32_t fflags = 0;
  std::span<std::byte> into;
  if (op->what == port_op::kind::receive_bytes) {
    fflags = MACH_RCV_MSG | MACH_RCV_LARGE;
    into = op->buffer;
  } else if (!op->options.guarded_descriptors) {
    const receive_options& o = op->options;
    const std::size_t size =
        std::max<std::size_t>(o.buffer_size, sizeof(mach_msg_header_t)) + trailer_size(o.trailer);
    if (op->direct_buffer.capacity() < size) {
      try {
        op->direct_buffer = message_buffer(size);
      } catch (const std::bad_alloc&) {
        errno = ENOMEM;
        return false;
      }
    }
    fflags = static_cast<std::uint32_t>(receive_option_bits(o) | MACH_RCV_LARGE);
    into = {op->direct_buffer.data(), op->direct_buffer.capacity()};
  }
  if (impl.knote_added && ((impl.knote_fflags ^ fflags) & MACH_RCV_MSG)) delete_knote_locked(impl);
  kevent64_s ev;
  EV_SET64(&ev, impl.name, EVFILT_MACHPORT, EV_ADD | EV_ENABLE | EV_DISPATCH, fflags, 0,
           reinterpret_cast<std::uint64_t>(&impl), reinterpret_cast<std::uint64_t>(into.data()), into.size());
  if (kevent64(kq_, &ev, 1, nullptr, 0, 0, nullptr) < 0) return false;
  impl.knote_added = true;
  impl.knote_fflags = fflags;
  impl.armed = op;
  return true;
}

// XNU applies every change to a registered knote as a whole: fflags, ext[0]/ext[1] and
// udata are replaced by the change's, and one that drops MACH_RCV_MSG is refused (EINVAL,
// and the knote would stay enabled). So the disable repeats the registered fflags, and
// takes the buffer away: nothing may be received into it once its operation is gone.
void port_service::disarm_locked(port_impl& impl) noexcept {
  if (!impl.armed) return;
  impl.armed = nullptr;
  kevent64_s ev;
  EV_SET64(&ev, impl.name, EVFILT_MACHPORT, EV_DISABLE, impl.knote_fflags, 0,
           reinterpret_cast<std::uint64_t>(&impl), 0, 0);
  (void)kevent64(kq_, &ev, 1, nullptr, 0, 0, nullptr);  // ENOENT: the port died, the knote with it
}

void port_service::delete_knote_locked(port_impl& impl) noexcept {
  impl.armed = nullptr;
  if (!impl.knote_added) return;
  impl.knote_added = false;
  kevent64_s ev;
  EV_SET64(&ev, impl.name, EVFILT_MACHPORT, EV_DELETE, 0, 0, 0, 0, 0);
  (void)kevent64(kq_, &ev, 1, nullptr, 0, 0, nullptr);
}

// Moves the front operation of `impl`, its result set, to `done`.
void port_service::complete_front_locked(port_impl& impl, op_queue& done) noexcept {
  port_op* op = impl.ops.pop();
  --pending_;
  done.push(op);
}

// Completes every operation of `impl` with `ec`; how many. The knote must not be armed
// for any.
std::size_t port_service::fail_ops_locked(port_impl& impl, const boost::system::error_code& ec,
                                          op_queue& done) noexcept {
  std::size_t n = 0;
  for (; port_op* op = impl.ops.front(); ++n) {
    op->ec = ec;
    complete_front_locked(impl, done);
  }
  return n;
}

// Arms the knote for the front operation, if any; when that fails (the name died, say),
// every operation of `impl` fails with the error: none of them could ever be served.
void port_service::rearm_locked(port_impl& impl, op_queue& done) noexcept {
  if (arm_locked(impl)) return;
  fail_ops_locked(impl, boost::system::error_code(errno, boost::system::system_category()), done);
}

// Keeps "a wait is armed exactly while operations are pending", draining after each arm.
void port_service::update_locked(op_queue& done) {
  while (pending_ != 0 && !armed_) {
    armed_ = true;
    descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read, pump{this, generation_});
    drain_locked(done);
  }
  if (pending_ == 0 && armed_) idle_check_due_ = true;
}

// Disarming on every 1 -> 0 transition would cost a cancel and a re-arm per message in a
// request/response loop, where the next operation is started from the handler. Check a
// little later instead, posted after the handlers just completed, so they have had their
// chance to start the next operation.
void port_service::post_idle_check_locked() {
  if (!idle_check_posted_) {
    // The flags change only once the post succeeded: if it throws, the check stays due.
    boost::asio::post(io_, [this] {
      std::lock_guard lock(mutex_);
      idle_check_posted_ = false;
      if (pending_ == 0 && armed_ && !shut_down_) {
        armed_ = false;
        ++generation_;
        boost::system::error_code ignored;
        descriptor_.cancel(ignored);
      }
    });
    idle_check_posted_ = true;
  }
  idle_check_due_ = false;
}

void port_service::on_wake(std::uint64_t generation) {
  op_queue done;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_ || generation != generation_) return;  // a cancelled wait
    armed_ = false;
    update_locked(done);  // re-arms, then drains
  }
  // We run on the io_context (this is the wait's completion, not an initiating call), so
  // a handler whose executor allows it runs right here: no trip through the scheduler's
  // queue, which would cost a reactor poll per message.
  completion_batch batch{this, &done, max_joined_completions};
  struct restore {
    completion_batch* previous;
    ~restore() { running_batch = previous; }
  } guard{std::exchange(running_batch, &batch)};
  complete(done, port_op::ending::dispatch);
}

void port_service::complete_initiated(op_queue& done) {
  completion_batch* batch = running_batch;
  if (!batch || batch->service != this) {
    complete(done, port_op::ending::immediate);
    return;
  }
  // The wake running the batch checks for idleness once its handlers are done; checking
  // here, between a handler's send and its next receive, would post a check for nothing.
  while (port_op* op = done.pop()) {
    if (op->home == &io_ && batch->budget > 0) {
      --batch->budget;
      batch->ops->push(op);
    } else {
      op->finish(op, port_op::ending::immediate);
    }
  }
}

// Takes every pending kqueue event (zero timeout, until empty) and serves the ports.
bool port_service::drain_locked(op_queue& done) {
  bool any = false;
  for (;;) {
    kevent64_s events[32];
    const int n = kevent64(kq_, nullptr, 0, events, 32, KEVENT_FLAG_IMMEDIATE, nullptr);
    if (n <= 0) break;
    any = true;
    for (int i = 0; i < n; ++i) {
      if (events[i].udata == notify_udata) {
        serve_notifications_locked();
        retry_sends_locked(done);
        continue;
      }
      serve_event_locked(*reinterpret_cast<port_impl*>(events[i].udata), events[i], done);
    }
    if (n < 32) break;
  }
  return any;
}

// One event of the knote of `impl`: the message its armed operation asked for, received
// into that operation's buffer (direct knote) or waiting in the port, or the end of the
// port (EV_EOF, which deletes the knote).
void port_service::serve_event_locked(port_impl& impl, const kevent64_s& ev, op_queue& done) {
  port_op* const op = std::exchange(impl.armed, nullptr);  // EV_DISPATCH disabled the knote
  if (ev.flags & EV_EOF) {
    // The receive right is gone: mach_msg tells each operation how.
    impl.knote_added = false;
    while (port_op* front = impl.ops.front()) {
      if (!try_receive(impl.name, *front)) break;
      complete_front_locked(impl, done);
    }
    rearm_locked(impl, done);
    return;
  }
  if (!op || op != impl.ops.front()) {  // not one we armed: cannot happen, but never trust it
    rearm_locked(impl, done);
    return;
  }
  const auto mr = static_cast<mach_msg_return_t>(ev.fflags);
  if ((impl.knote_fflags & MACH_RCV_MSG) && mr != MACH_RCV_TOO_LARGE) {
    if (mr != MACH_MSG_SUCCESS) {
      op->ec = make_mach_error_code(mr);
    } else if (op->what == port_op::kind::receive_bytes) {
      op->bytes = load<mach_msg_header_t>(op->buffer.data()).msgh_size;
    } else {
      const mach_msg_size_t total = received_size(op->direct_buffer);
      op->received = received_message::from_buffer(std::move(op->direct_buffer), total, op->ec);
    }
  } else if (!try_receive(impl.name, *op)) {  // too large (still queued), or not direct
    rearm_locked(impl, done);
    return;
  }
  complete_front_locked(impl, done);
  rearm_locked(impl, done);
}

// Empties the notify port, noting in fired_ the destinations whose request fired: a
// send-possible notification, or a dead-name or port-deleted one (the name died, or was
// deallocated under the request), each of which ends the request. A MACH_NOTIFY_SEND_ONCE
// says only that a request we replaced or withdrew released its right: nothing to retry.
// Dead-name notifications carry one user reference on the dead name, which is ours to drop.
void port_service::serve_notifications_locked() {
  for (;;) {
    alignas(8) std::byte buf[sizeof(mach_dead_name_notification_t) + sizeof(mach_msg_max_trailer_t) + 64];
    auto* hdr = reinterpret_cast<mach_msg_header_t*>(buf);
    const mach_msg_return_t mr =
        mach_msg(hdr, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof buf, notify_port_, 0, MACH_PORT_NULL);
    if (mr != MACH_MSG_SUCCESS) break;
    const mach_msg_id_t id = hdr->msgh_id;
    if (id == MACH_NOTIFY_SEND_POSSIBLE || id == MACH_NOTIFY_DEAD_NAME || id == MACH_NOTIFY_PORT_DELETED) {
      // The three share a layout: header, NDR, the name.
      const mach_port_name_t name = load<mach_send_possible_notification_t>(buf).not_port;
      try {
        fired_.push_back(name);
      } catch (const std::bad_alloc&) {
        fired_unknown_ = true;  // out of memory: every waiting send retries instead
      }
      if (id == MACH_NOTIFY_DEAD_NAME) mach_port_deallocate(mach_task_self(), name);
    }
    mach_msg_destroy(hdr);
  }
}

// Retries the waiting sends whose destination's request fired (every waiting send when a
// name could not be noted), oldest first. A retried send that still finds the queue full
// is covered by a new request, one per destination, and the later sends to that
// destination stay behind it untried: trying them could slip one into room that a
// receiver made meanwhile, ahead of the one that found none.
void port_service::retry_sends_locked(op_queue& done) {
  const bool every = fired_unknown_;
  op_queue waiting;
  waiting.splice(sends_);
  auto noted = [this](mach_port_name_t dest) { return std::find(fired_.begin(), fired_.end(), dest) != fired_.end(); };
  while (port_op* op = waiting.pop()) {
    const mach_port_name_t dest = op->outgoing.destination();
    if ((!every && !noted(dest)) || waiting_for_locked(dest)) {
      sends_.push(op);
      continue;
    }
    op->notify_registered = false;  // its request fired; re-registered below if still full
    if (try_send_locked(op)) {
      --pending_;
      done.push(op);
    } else {
      sends_.push(op);
    }
  }
  fired_.clear();
  fired_unknown_ = false;
}

void port_service::complete(op_queue& done, port_op::ending how) {
  // A dispatched handler may throw (out of io_context::run, as Asio lets it): the
  // operations after it are posted, never lost, and the idle check still follows, or the
  // wait on the kqueue would keep the io_context from ever running out of work.
  struct finish_rest {
    port_service& self;
    op_queue& rest;
    ~finish_rest() {
      while (port_op* op = rest.pop()) op->finish(op, port_op::ending::post);
      std::lock_guard lock(self.mutex_);
      // Handlers that ran inline and started the next operation made the check moot.
      if (self.pending_ != 0) self.idle_check_due_ = false;
      if (!self.idle_check_due_ || self.shut_down_) return;
      try {
        self.post_idle_check_locked();
      } catch (...) {  // out of memory: the next completion tries again
      }
    }
  } guard{*this, done};
  while (port_op* op = done.pop()) op->finish(op, how);
}

void port_service::shutdown() {
  op_queue doomed;
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    for (port_impl* impl = live_; impl; impl = impl->next) {
      disarm_locked(*impl);  // the doomed ops' buffers must not receive
      doomed.splice(impl->ops);
    }
    while (port_op* op = sends_.pop()) {
      cancel_request_locked(op);
      doomed.push(op);
    }
    pending_ = 0;
  }
  // Nothing can be given back to the cache from here on (give_back_reply destroys).
  drain_reply_cache();
  // Destroyed without being invoked; a handler's destructor may destroy I/O objects,
  // which call destroy() — hence outside the lock.
  while (port_op* op = doomed.pop()) {
    op->slot.clear();
    op->finish(op, port_op::ending::destroy);
  }
}

void port_service::notify_fork(boost::asio::execution_context::fork_event event) {
  // The parent's cached reply ports go before the fork, so that the child inherits none
  // (in the parent they are made again on demand).
  if (event == boost::asio::execution_context::fork_prepare) drain_reply_cache();
  if (event != boost::asio::execution_context::fork_child) return;
  // The child is a new task (Darwin; mach-emu's machd mode): kqueues are not inherited and
  // none of the parent's rights is the child's. So the notify port's name is forgotten,
  // not released (releasing a name the task does not hold would be refused, or would hit
  // a right the child made since), and a fresh kqueue gets a fresh notify port. Ports with
  // pending receives are registered again; a name the child does not hold fails that and
  // completes their operations with the error rather than leaving them waiting forever.
  // Waiting sends cannot go on: their send-possible requests stayed with the parent, and
  // each right their messages hold is a parent's name. They fail with
  // MACH_SEND_INVALID_DEST and hand back an empty message (what it held is forgotten; an
  // out-of-line region it owned stays mapped in the child).
  op_queue done;
  {
    std::lock_guard lock(mutex_);
    boost::system::error_code ignored;
    descriptor_.close(ignored);
    armed_ = false;
    ++generation_;
    notify_port_ = MACH_PORT_NULL;
    // Reply ports made before the fork are forgotten like the notify port: those still
    // cached (no fork_prepare) now, those in use when their call gives them back.
    ++forks_;
    for (reply_impl* r = detach_reply_cache_locked(); r;) {
      unlink_locked(*r);
      delete std::exchange(r, r->next_cached);
    }
    open_kqueue();
    for (port_impl* impl = live_; impl; impl = impl->next) {
      impl->knote_added = false;
      impl->armed = nullptr;
      rearm_locked(*impl, done);
    }
    while (port_op* op = sends_.pop()) {
      message_access::forget(op->outgoing);
      op->notify_registered = false;
      op->ec = make_mach_error_code(MACH_SEND_INVALID_DEST);
      --pending_;
      done.push(op);
    }
    update_locked(done);
  }
  complete(done);
}

}  // namespace machio::detail
