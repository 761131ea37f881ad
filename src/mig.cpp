// MIG conventions: error replies and reply checks.
#include <machio/message_builder.hpp>
#include <machio/mig.hpp>

namespace machio::mig {

message make_error_reply(received_message& request, kern_return_t code, boost::system::error_code& ec) {
  reply_right reply = request.take_reply();
  message_builder b(reply_id(request.id()));
  if (auto* once = std::get_if<send_once_right>(&reply)) {
    b.destination(std::move(*once));
  } else if (auto* send = std::get_if<send_right>(&reply)) {
    b.destination(std::move(*send));
  } else {
    ec = error::already_taken;
    return {};
  }
  b.append_value(ndr_record);
  b.append_value(code);
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
