// SPDX-License-Identifier: BSL-1.0
// Two ports for a routine's request and reply, and delivery through them: what the
// codec tests (test_codec, test_port_arrays) share.
#pragma once

#include <machio/machio.hpp>

namespace machio_test {

//! A server port with a send right to it, and a port for replies.
struct routine_ports {
  machio::receive_right server = machio::receive_right::allocate();
  machio::send_right to_server = server.make_send();
  machio::receive_right reply = machio::receive_right::allocate();
};

//! Sends \p m and receives it on \p port (it must be that message's destination).
inline machio::received_message deliver(machio::message m, const machio::receive_right& port) {
  machio::send(m);
  return machio::receive(port);
}

}  // namespace machio_test
