// SPDX-License-Identifier: BSL-1.0
// The message the machd tests and their helper processes pass rights in: one port right
// in a complex message. Plain C API, no test framework, so both sides can use it.
#pragma once

#include <mach/mach.h>

namespace machd_test {

struct port_message {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_port_descriptor_t port;
};

// Sends `right` with disposition `right_disp` to `dest` (sent as `dest_disp`), with a
// send-once reply right made from `reply` when it is not null. Returns mach_msg's code.
inline mach_msg_return_t send_port(mach_port_t dest, mach_msg_type_name_t dest_disp, mach_port_t right,
                                   mach_msg_type_name_t right_disp, mach_port_t reply = MACH_PORT_NULL) {
  port_message m{};
  m.header.msgh_bits =
      MACH_MSGH_BITS(dest_disp, reply != MACH_PORT_NULL ? MACH_MSG_TYPE_MAKE_SEND_ONCE : 0) | MACH_MSGH_BITS_COMPLEX;
  m.header.msgh_size = sizeof m;
  m.header.msgh_remote_port = dest;
  m.header.msgh_local_port = reply;
  m.body.msgh_descriptor_count = 1;
  m.port.name = right;
  m.port.disposition = right_disp;
  m.port.type = MACH_MSG_PORT_DESCRIPTOR;
  return mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

}  // namespace machd_test
