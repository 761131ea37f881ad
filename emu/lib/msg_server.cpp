// SPDX-License-Identifier: BSL-1.0
// mach_msg_server, mach_msg_server_once and mach_msg_server_importance: the generic loops
// libsyscall gives MIG servers (libsyscall/mach/mach_msg.c). A demux routine -- what MIG
// generates as <subsystem>_server -- turns one request into one reply; these loops own
// the buffers, the receive, and what happens to the rights when the reply cannot go out.
//
// The rules they follow are MIG's and Darwin programs rely on them:
//  - after demux, a non-complex reply's RetCode says who owns the request: KERN_SUCCESS,
//    the routine consumed it; MIG_NO_REPLY, the routine kept it and the reply port (and
//    no reply is sent); any other code, nothing was consumed, so the request is destroyed
//    here -- except its reply right, which MIG already moved into the error reply;
//  - a complex reply is taken as success, because RetCode's slot then holds the
//    descriptor count;
//  - a reply to a send right goes out with MACH_SEND_TIMEOUT (0): a client that stops
//    receiving must not wedge the server. A send-once reply cannot block, so it goes
//    without;
//  - a reply that cannot be delivered (dead port, full queue, interrupted) is destroyed
//    with everything it carries and the server goes on.
#include <mach/mach.h>
#include <mach/mig.h>
#include <mach/mig_errors.h>
#include <mach/vm_param.h>
#include <mach/vm_statistics.h>

namespace {

using demux_routine = boolean_t (*)(mach_msg_header_t*, mach_msg_header_t*);

// Page-rounded memory from vm_allocate, given back when the buffer goes out of scope.
// MIG servers assume page-aligned, zero-filled buffers, which is what vm_allocate gives.
class vm_buffer {
 public:
  vm_buffer() = default;
  vm_buffer(const vm_buffer&) = delete;
  vm_buffer& operator=(const vm_buffer&) = delete;
  ~vm_buffer() { release(); }

  kern_return_t allocate(mach_msg_size_t size) {
    release();
    vm_address_t a = 0;
    const kern_return_t kr = vm_allocate(mach_task_self(), &a, size,
                                         VM_MAKE_TAG(VM_MEMORY_MACH_MSG) | VM_FLAGS_ANYWHERE);
    if (kr != KERN_SUCCESS) return kr;
    address_ = a;
    size_ = size;
    return KERN_SUCCESS;
  }

  void release() {
    if (address_ != 0) vm_deallocate(mach_task_self(), address_, size_);
    address_ = 0;
    size_ = 0;
  }

  mach_msg_header_t* header() const { return reinterpret_cast<mach_msg_header_t*>(address_); }
  const mig_reply_error_t* as_reply() const {
    return reinterpret_cast<const mig_reply_error_t*>(address_);
  }

 private:
  vm_address_t address_ = 0;
  mach_msg_size_t size_ = 0;
};

// The sizes both loops derive from the demux's max_size and the caller's options.
struct buffer_sizes {
  mach_msg_size_t trailer;        // what the requested trailer adds to a received message
  mach_msg_size_t request_alloc;  // the request buffer, page-rounded
  mach_msg_size_t request_size;   // what the receive may fill: all of it only with RCV_LARGE
  mach_msg_size_t reply_alloc;    // the reply buffer, with room for a sent trailer if asked

  buffer_sizes(mach_msg_size_t max_size, mach_msg_options_t options)
      : trailer(REQUESTED_TRAILER_SIZE(options)),
        request_alloc(static_cast<mach_msg_size_t>(round_page(max_size + trailer))),
        request_size((options & MACH_RCV_LARGE) ? request_alloc : max_size + trailer),
        reply_alloc(static_cast<mach_msg_size_t>(
            round_page((options & MACH_SEND_TRAILER) ? max_size + MAX_TRAILER_SIZE : max_size))) {}

  // After MACH_RCV_TOO_LARGE with MACH_RCV_LARGE the queued message's size is in the
  // header; the next buffer holds it and its trailer, and may be filled whole.
  void grow_to(mach_msg_size_t queued_size) {
    request_alloc = request_size = static_cast<mach_msg_size_t>(round_page(queued_size + trailer));
  }
};

// The options the caller may add to every mach_msg the loops make; the loops choose the
// direction bits themselves, and vouchers are not adopted here.
mach_msg_options_t caller_options(mach_msg_options_t options) {
  return options & ~(MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_VOUCHER);
}

mach_msg_return_t receive_request(const vm_buffer& request, const buffer_sizes& sizes,
                                  mach_port_t rcv_name, mach_msg_options_t options) {
  return mach_msg(request.header(), MACH_RCV_MSG | options, 0, sizes.request_size, rcv_name,
                  MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

bool is_recoverable_send_error(mach_msg_return_t mr) {
  // Any other send error may have left the message half-consumed by the kernel, so the
  // loop cannot know what it still owns and stops.
  return mr == MACH_SEND_INVALID_DEST || mr == MACH_SEND_TIMED_OUT || mr == MACH_SEND_INTERRUPTED;
}

// Runs demux and applies MIG's ownership rule to the request (see the file comment).
void dispatch(demux_routine demux, const vm_buffer& request, const vm_buffer& reply) {
  (void)demux(request.header(), reply.header());
  const kern_return_t code =
      (reply.header()->msgh_bits & MACH_MSGH_BITS_COMPLEX) ? KERN_SUCCESS : reply.as_reply()->RetCode;
  if (code == KERN_SUCCESS) return;
  if (code == MIG_NO_REPLY) {
    reply.header()->msgh_remote_port = MACH_PORT_NULL;
    return;
  }
  request.header()->msgh_remote_port = MACH_PORT_NULL;
  mach_msg_destroy(request.header());
}

// MACH_SEND_TIMEOUT only where a reply could block: a send right's queue can be full.
mach_msg_options_t reply_send_options(const mach_msg_header_t& reply, mach_msg_options_t options) {
  const bool send_once = MACH_MSGH_BITS_REMOTE(reply.msgh_bits) == MACH_MSG_TYPE_MOVE_SEND_ONCE;
  return MACH_SEND_MSG | options | (send_once ? 0 : MACH_SEND_TIMEOUT);
}

// A reply the kernel refused whole: release every right it still holds. mach_msg_destroy
// leaves msgh_local_port alone, so a right moved there is dropped first.
void destroy_unsent_reply(mach_msg_header_t* reply) {
  const mach_port_t local = reply->msgh_local_port;
  const mach_msg_type_name_t disposition = MACH_MSGH_BITS_LOCAL(reply->msgh_bits);
  if (MACH_PORT_VALID(local) &&
      (disposition == MACH_MSG_TYPE_MOVE_SEND || disposition == MACH_MSG_TYPE_MOVE_SEND_ONCE)) {
    (void)mach_port_deallocate(mach_task_self(), local);
    reply->msgh_local_port = MACH_PORT_NULL;
  }
  mach_msg_destroy(reply);
}

}  // namespace

extern "C" {

mach_msg_return_t mach_msg_server_once(demux_routine demux, mach_msg_size_t max_size,
                                       mach_port_t rcv_name, mach_msg_options_t options) {
  options = caller_options(options);
  buffer_sizes sizes(max_size, options);

  vm_buffer reply;
  if (const kern_return_t kr = reply.allocate(sizes.reply_alloc); kr != KERN_SUCCESS) return kr;
  vm_buffer request;
  mach_msg_return_t mr;
  for (;;) {
    if (const kern_return_t kr = request.allocate(sizes.request_alloc); kr != KERN_SUCCESS)
      return kr;
    mr = receive_request(request, sizes, rcv_name, options);
    if (mr != MACH_RCV_TOO_LARGE || !(options & MACH_RCV_LARGE)) break;
    sizes.grow_to(request.header()->msgh_size);
  }
  if (mr != MACH_MSG_SUCCESS) return mr;

  dispatch(demux, request, reply);
  mach_msg_header_t* out = reply.header();
  if (out->msgh_remote_port == MACH_PORT_NULL) return MACH_MSG_SUCCESS;
  mr = mach_msg(out, reply_send_options(*out, options), out->msgh_size, 0, MACH_PORT_NULL,
                MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  if (is_recoverable_send_error(mr)) {
    destroy_unsent_reply(out);
    mr = MACH_MSG_SUCCESS;
  }
  return mr;
}

mach_msg_return_t mach_msg_server(demux_routine demux, mach_msg_size_t max_size,
                                  mach_port_t rcv_name, mach_msg_options_t options) {
  options = caller_options(options);
  buffer_sizes sizes(max_size, options);

  vm_buffer reply;
  if (const kern_return_t kr = reply.allocate(sizes.reply_alloc); kr != KERN_SUCCESS) return kr;
  vm_buffer request;
  for (;;) {
    if (const kern_return_t kr = request.allocate(sizes.request_alloc); kr != KERN_SUCCESS)
      return kr;
    mach_msg_return_t mr = receive_request(request, sizes, rcv_name, options);
    while (mr == MACH_MSG_SUCCESS) {
      *reply.header() = mach_msg_header_t{};
      dispatch(demux, request, reply);
      mach_msg_header_t* out = reply.header();
      if (out->msgh_remote_port != MACH_PORT_NULL) {
        // Reply and take the next request in one call, but only what is already queued
        // (RCV_TIMEOUT 0): if nothing is, the loop falls back to the blocking receive
        // below rather than holding the reply back.
        mr = mach_msg_overwrite(out, reply_send_options(*out, options) | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
                                out->msgh_size, sizes.request_size, rcv_name,
                                MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL, request.header(), 0);
        if (is_recoverable_send_error(mr))
          destroy_unsent_reply(out);
        else if (mr != MACH_RCV_TIMED_OUT)
          continue;  // a new request, or an error that ends the loop
      }
      mr = receive_request(request, sizes, rcv_name, options);
    }
    if (mr != MACH_RCV_TOO_LARGE || !(options & MACH_RCV_LARGE)) return mr;
    sizes.grow_to(request.header()->msgh_size);
  }
}

mach_msg_return_t mach_msg_server_importance(demux_routine demux, mach_msg_size_t max_size,
                                             mach_port_t rcv_name, mach_msg_options_t options) {
  // Importance boosts are a scheduler matter mach-emu does not model; XNU's libsyscall
  // also reduces this to the plain loop today.
  return mach_msg_server(demux, max_size, rcv_name, options);
}

}  // extern "C"
