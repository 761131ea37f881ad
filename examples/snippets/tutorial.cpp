// SPDX-License-Identifier: BSL-1.0
// Snippets for doc/tutorial.md: each block between [name] markers is quoted in the page.
// Built and run as a test so the tutorial cannot drift from working code. The page shows
// the includes, then the blocks of main() in order.
// [tutorial-includes]
#include <machio/machio.hpp>  // the synchronous core: rights, messages, bootstrap

#include <cstdio>
#include <string_view>
// [tutorial-includes]

int main() {
  // [first-port]
  // A port: a message queue in the kernel. We hold its receive right, so we read it.
  machio::receive_right inbox = machio::receive_right::allocate();
  // A send right to the same port, for whoever should write to it (here: ourselves).
  machio::send_right to_inbox = inbox.make_send();
  std::printf("port 0x%x\n", inbox.get());
  // [first-port]

  // [first-message]
  machio::send(machio::message_builder(/*msgh_id=*/1)
                   .destination(to_inbox)  // borrowed (COPY_SEND): we keep our right
                   .append(std::string_view("hello"))
                   .build());

  machio::received_message msg = machio::receive(inbox);
  const auto text = msg.body();
  std::printf("message %d: \"%.*s\" from pid %d\n", msg.id(), static_cast<int>(text.size()),
              reinterpret_cast<const char*>(text.data()), msg.trailer().audit()->pid());
  // [first-message]

  std::printf("tutorial snippets: OK\n");
  return 0;
}
