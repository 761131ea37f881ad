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
  demo::call_me_back_request fields{};
  fields.ndr = machio::mig::ndr_record;
  fields.cookie = 42;
  machio::message request =
      machio::message_builder(demo::call_me_back_id)
          .destination(server)
          .add_port(callbacks.right(), machio::make_send)  // a new send right travels
          .append(demo::fields_of(fields))
          .build();
  out.say(
      "made port 0x%x; sending call_me_back(cookie %u) carrying a new send right to it "
      "(MAKE_SEND); the receive right stays with me",
      callbacks.native_handle(), fields.cookie);

  auto [reply, callback] =
      co_await (machio::async_call(ex, std::move(request), demo::use_awaitable) &&
                callbacks.async_receive(demo::use_awaitable));

  boost::system::error_code ec;
  const auto message = demo::read_fields<demo::callback_message>(callback, ec);
  if (ec || callback.id() != demo::callback_id)
    throw std::runtime_error("the callback message is not one");
  out.say(
      "callback arrived on my port 0x%x: cookie %u, the server says it is pid %d, "
      "the audit token says pid %d",
      callback.local_port(), message.cookie, message.server_pid, demo::sender_pid(callback));
  if (message.cookie != fields.cookie)
    throw std::runtime_error("the callback carries the wrong cookie");
  if (message.server_pid != demo::sender_pid(callback))
    throw std::runtime_error("the callback's pids disagree");

  (void)demo::read_reply<demo::call_me_back_reply>(reply, demo::call_me_back_id);
  out.say("call_me_back replied KERN_SUCCESS (pid %d)", demo::sender_pid(reply));
}

}  // namespace

int main() { return demo::run_client(out, client); }
