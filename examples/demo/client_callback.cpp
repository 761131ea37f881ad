// SPDX-License-Identifier: BSL-1.0
// Client B: gives the server a send right to a port of its own and awaits, at the same
// time, the server's reply and the message the server sends back through that right.
#include "client.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <stdexcept>

namespace {

constexpr demo::transcript out("client B");

demo::awaitable<void> client(demo::executor ex) {
  using namespace boost::asio::experimental::awaitable_operators;
  const machio::send_right server = demo::look_up_server(out);

  // The port the server will call back on: we hold its receive right.
  machio::basic_receive_port<demo::executor> callbacks(ex, machio::receive_right::allocate());
  constexpr std::uint32_t cookie = 42;
  out.say(
      "made port 0x%x; sending call_me_back(cookie %u) carrying a new send right to it "
      "(MAKE_SEND); the receive right stays with me",
      callbacks.native_handle(), cookie);
  // Both at once: the reply (no outputs) and the message the server sends through the right.
  machio::received_message callback = co_await (
      machio::mig::async_call<demo::call_me_back>(ex, server, callbacks.right(), cookie, demo::use_awaitable) &&
      callbacks.async_receive(demo::use_awaitable));
  out.say("call_me_back replied KERN_SUCCESS");

  // The callback is demo.defs' simpleroutine: checked and decoded as MIG's server would.
  machio::mig::request_values<demo::callback> values;
  if (machio::mig::decode_request<demo::callback>(callback, values) != KERN_SUCCESS)
    throw std::runtime_error("the callback message is not demo's callback routine");
  const auto [cookie_back, server_pid] = values;
  out.say(
      "callback arrived on my port 0x%x: cookie %u, the server says it is pid %d, "
      "the audit token says pid %d",
      callback.local_port(), cookie_back, server_pid, demo::sender_pid(callback));
  if (cookie_back != cookie) throw std::runtime_error("the callback carries the wrong cookie");
  if (server_pid != demo::sender_pid(callback)) throw std::runtime_error("the callback's pids disagree");
}

}  // namespace

int main() { return demo::run_client(out, client); }
