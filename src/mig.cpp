// SPDX-License-Identifier: BSL-1.0
// MIG conventions: error replies and reply checks.
#include <machio/message_builder.hpp>
#include <machio/mig.hpp>
#include <machio/mig/server_call.hpp>

namespace machio::mig {

message make_error_reply(received_message& request, kern_return_t code, boost::system::error_code& ec) {
  message_builder b(reply_id(request.id()));
  if (!detail::address_reply(b, request.take_reply())) {
    ec = error::already_taken;
    return {};
  }
  detail::append_error_body(b, code);
  ec.clear();
  return std::move(b).build();
}

boost::system::error_code check_reply(const received_message& reply, mach_msg_id_t request_id) noexcept {
  if (reply.id() == MACH_NOTIFY_SEND_ONCE) return make_mach_error_code(MIG_SERVER_DIED);
  if (reply.id() != reply_id(request_id)) return make_mach_error_code(MIG_REPLY_MISMATCH);
  const auto h = reply.header();
  if (!(h.msgh_bits & MACH_MSGH_BITS_COMPLEX) && h.msgh_size == sizeof(mig_reply_error_t)) {
    auto b = reply.body();
    kern_return_t code;
    std::memcpy(&code, b.data() + sizeof(NDR_record_t), sizeof code);
    return make_mach_error_code(code);
  }
  return {};
}

}  // namespace machio::mig
