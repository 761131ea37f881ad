// SPDX-License-Identifier: BSL-1.0
// The watcher: holds a send right to the server and waits, with a dead-name notification,
// for the server's port to die. With machd that happens when the server exits, however it
// exits (launchd instead takes a checked-in port back: doc/building-for-macos.md).
#include "client.hpp"

namespace {

constexpr demo::transcript out("watcher");

}  // namespace

int main() try {
  const machio::send_right server = demo::look_up_server(out);
  boost::asio::io_context io;
  bool gone = false;
  machio::async_wait_dead_name(
      io.get_executor(), server, [&](boost::system::error_code ec, std::monostate) {
        if (ec) {
          out.say("FAILED: waiting for the server's port to die: %s", ec.message().c_str());
          return;
        }
        gone = true;
        out.say(
            "dead-name notification: my send right 0x%x now names a dead port. The server is gone.",
            server.get());
      });
  // The operation registered its request inside the call above (machio's operations start
  // at once; only their completion is posted), so the server may be stopped from now on.
  out.say("watching: asked the kernel to tell me when the port my send right 0x%x names dies",
          server.get());
  io.run();
  return gone ? 0 : 1;
} catch (const std::exception& e) {
  out.say("FAILED: %s", e.what());
  return 1;
}
