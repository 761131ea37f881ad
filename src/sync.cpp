// SPDX-License-Identifier: BSL-1.0
// Blocking send, receive and call over mach_msg.
#include <machio/detail/guard.hpp>
#include <machio/detail/message_access.hpp>
#include <machio/detail/receive_sizes.hpp>
#include <machio/mig.hpp>
#include <machio/sync.hpp>

#include <algorithm>
#include <limits>

namespace machio {
namespace {

using detail::message_access;
using detail::max_message_size;
using detail::message_buffer;
using detail::received_size;
using detail::trailer_size;

// Milliseconds for mach_msg; forever means "no TIMEOUT bit".
mach_msg_timeout_t timeout_ms(std::chrono::milliseconds t) noexcept {
  if (t <= std::chrono::milliseconds::zero()) return 0;
  constexpr auto max = std::numeric_limits<mach_msg_timeout_t>::max();
  return t.count() >= static_cast<std::chrono::milliseconds::rep>(max)
             ? max
             : static_cast<mach_msg_timeout_t>(t.count());
}

received_message receive_on(mach_port_name_t name, const receive_options& options,
                            std::chrono::milliseconds timeout, boost::system::error_code& ec) {
  const mach_msg_size_t trailer = trailer_size(options.trailer);
  mach_msg_option_t option = detail::receive_option_bits(options);
  if (timeout != forever) option |= MACH_RCV_TIMEOUT;
  mach_msg_size_t size = std::max<mach_msg_size_t>(options.buffer_size, sizeof(mach_msg_header_t)) + trailer;
  for (;;) {
    message_buffer buf(size);
    const mach_msg_return_t mr = mach_msg(buf.header(), option, 0, static_cast<mach_msg_size_t>(buf.capacity()),
                                          name, timeout_ms(timeout), MACH_PORT_NULL);
    if (mr == MACH_RCV_TOO_LARGE && options.grow) {
      // The message stayed queued; the kernel wrote the size it needs (without trailer).
      const mach_msg_size_t needed = buf.header()->msgh_size;
      if (needed > max_message_size || needed + trailer <= buf.capacity()) {
        ec = error::malformed_message;
        return {};
      }
      size = needed + trailer;
      continue;
    }
    if (detail::fail(mr, ec)) return {};
    const mach_msg_size_t total = received_size(buf);
    return received_message::from_buffer(std::move(buf), total, ec);
  }
}

boost::system::error_code check_reply_id(const received_message& reply, mach_msg_id_t request_id,
                                         const call_options& options) noexcept {
  if (!options.check_reply_id) return {};
  if (reply.id() == MACH_NOTIFY_SEND_ONCE) return make_mach_error_code(MIG_SERVER_DIED);
  const mach_msg_id_t expected = options.reply_id.value_or(mig::reply_id(request_id));
  if (reply.id() != expected) return make_mach_error_code(MIG_REPLY_MISMATCH);
  return {};
}

received_message call_on(message& request, mach_port_name_t reply_port, const call_options& options,
                         std::chrono::milliseconds timeout, boost::system::error_code& ec) {
  if (!request.valid()) {
    ec = error::message_consumed;
    return {};
  }
  if (request.reply_port() != MACH_PORT_NULL) {
    ec = error::invalid_options;
    return {};
  }
  const mach_msg_id_t request_id = request.id();
  const mach_msg_size_t trailer = trailer_size(options.receive.trailer);
  mach_msg_option_t option = MACH_SEND_MSG | detail::receive_option_bits(options.receive);
  if (timeout != forever) option |= MACH_SEND_TIMEOUT | MACH_RCV_TIMEOUT;

  message_access::reply(request) = {reply_port, MACH_MSG_TYPE_MAKE_SEND_ONCE};
  mach_msg_size_t send_size = 0;
  message_buffer buf;
  try {
    buf = message_access::serialize(
        request, std::max<mach_msg_size_t>(options.receive.buffer_size, sizeof(mach_msg_header_t)) + trailer,
        send_size);
  } catch (...) {
    message_access::reply(request) = {};
    throw;
  }
  const mach_msg_return_t mr =
      mach_msg(buf.header(), option, send_size, static_cast<mach_msg_size_t>(buf.capacity()), reply_port,
               timeout_ms(timeout), MACH_PORT_NULL);
  if (!message_access::settle(request, mr, buf)) {
    // Not sent: the request keeps its rights but not the reply right call() added.
    if (request.valid()) message_access::clear_reply(request);
    detail::fail(mr, ec);
    return {};
  }
  received_message reply;
  if (mr == MACH_RCV_TOO_LARGE && options.receive.grow) {
    receive_options bigger = options.receive;
    bigger.buffer_size = std::max(bigger.buffer_size, buf.header()->msgh_size);
    reply = receive_on(reply_port, bigger, timeout, ec);
    if (ec) return {};
  } else {
    if (detail::fail(mr, ec)) return {};
    const mach_msg_size_t total = received_size(buf);
    reply = received_message::from_buffer(std::move(buf), total, ec);
    if (ec) return {};
  }
  ec = check_reply_id(reply, request_id, options);
  if (ec) return {};  // the mismatched reply is destroyed here
  return reply;
}

}  // namespace

void send(message& msg, std::chrono::milliseconds timeout, boost::system::error_code& ec) {
  if (!msg.valid()) {
    ec = error::message_consumed;
    return;
  }
  mach_msg_size_t size = 0;
  message_buffer buf = message_access::serialize(msg, 0, size);
  mach_msg_option_t option = MACH_SEND_MSG;
  if (timeout != forever) option |= MACH_SEND_TIMEOUT;
  const mach_msg_return_t mr =
      mach_msg(buf.header(), option, size, 0, MACH_PORT_NULL, timeout_ms(timeout), MACH_PORT_NULL);
  message_access::settle(msg, mr, buf);
  detail::fail(mr, ec);
}

received_message receive(const receive_right& port, const receive_options& options,
                         std::chrono::milliseconds timeout, boost::system::error_code& ec) {
  return receive_on(port.get(), options, timeout, ec);
}

received_message receive(const port_set& set, const receive_options& options,
                         std::chrono::milliseconds timeout, boost::system::error_code& ec) {
  return receive_on(set.get(), options, timeout, ec);
}

received_message call(message& request, const call_options& options, std::chrono::milliseconds timeout,
                      boost::system::error_code& ec) {
  receive_right reply_port = receive_right::allocate({}, ec);
  if (ec) return {};
  // The reply port dies with this frame: a reply that comes too late finds a dead name.
  return call_on(request, reply_port.get(), options, timeout, ec);
}

received_message call(message& request, const receive_right& reply_port, const call_options& options,
                      std::chrono::milliseconds timeout, boost::system::error_code& ec) {
  // No request is outstanding on the port now, so whatever is queued there is stale: a
  // reply that came after an earlier call gave up, or the send-once notification of a
  // reply right an earlier failed send gave back. Left there, it would pass for the reply.
  for (;;) {
    boost::system::error_code drain_ec;
    received_message stale = receive_on(reply_port.get(), options.receive, no_wait, drain_ec);
    if (drain_ec) break;
  }
  return call_on(request, reply_port.get(), options, timeout, ec);
}

}  // namespace machio
