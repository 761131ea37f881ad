// SPDX-License-Identifier: BSL-1.0
// hello_port: machio's first demo. It makes a port, sends itself a message that carries
// some text and a send right to a second port, receives it, and says what arrived.
#include <machio/machio.hpp>

#include <cstdio>
#include <string>
#include <string_view>

namespace {

// What the task holds under one name, in words.
std::string describe(mach_port_name_t name) {
  mach_port_type_t type = 0;
  if (mach_port_type(mach_task_self(), name, &type) != KERN_SUCCESS) return "nothing";
  std::string out;
  auto add = [&out](const char* what) {
    if (!out.empty()) out += " + ";
    out += what;
  };
  if (type & MACH_PORT_TYPE_RECEIVE) add("receive right");
  if (type & MACH_PORT_TYPE_SEND) {
    mach_port_urefs_t refs = 0;
    (void)mach_port_get_refs(mach_task_self(), name, MACH_PORT_RIGHT_SEND, &refs);
    add(("send right x" + std::to_string(refs)).c_str());
  }
  if (type & MACH_PORT_TYPE_SEND_ONCE) add("send-once right");
  if (type & MACH_PORT_TYPE_DEAD_NAME) add("dead name");
  return out.empty() ? "nothing" : out;
}

}  // namespace

int main() try {
  // The port we receive on, and a second port whose send right will travel in the message.
  machio::receive_right inbox = machio::receive_right::allocate();
  machio::receive_right other = machio::receive_right::allocate();
  machio::send_right gift = other.make_send();
  std::printf("inbox  0x%x: %s\n", inbox.get(), describe(inbox.get()).c_str());
  std::printf("other  0x%x: %s (before sending)\n", other.get(), describe(other.get()).c_str());

  // The message owns the send right from here on; our `gift` is empty.
  machio::send(machio::message_builder(4242)
                   .destination(inbox, machio::make_send)
                   .append(std::string_view("hello, port"))
                   .add_port(std::move(gift))
                   .build());
  std::printf("sent message 4242 with a send right inside; other 0x%x now: %s\n", other.get(),
              describe(other.get()).c_str());

  machio::received_message msg = machio::receive(inbox);
  const auto body = msg.body();
  std::printf("received message id %d on 0x%x\n", msg.id(), msg.local_port());
  std::printf("  text: \"%.*s\"\n", static_cast<int>(body.size()), reinterpret_cast<const char*>(body.data()));
  std::printf("  descriptors: %zu\n", msg.descriptor_count());
  if (auto seqno = msg.trailer().seqno()) std::printf("  sequence number: %u\n", *seqno);
  if (auto audit = msg.trailer().audit()) std::printf("  sender pid: %d\n", audit->pid());

  machio::send_right arrived = msg.take_send_right(0);
  std::printf("  right: a send right named 0x%x (%s)", arrived.get(), describe(arrived.get()).c_str());
  std::printf(arrived.get() == other.get() ? ", the same name as other: one port, one name\n"
                                           : ", a new name\n");

  arrived.reset();
  std::printf("after dropping it, other 0x%x: %s\n", other.get(), describe(other.get()).c_str());
  std::printf("hello_port: OK\n");
  return 0;
} catch (const boost::system::system_error& e) {
  std::fprintf(stderr, "hello_port failed: %s\n", e.what());
  return 1;
}
