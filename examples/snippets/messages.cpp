// SPDX-License-Identifier: BSL-1.0
// Snippets for doc/messages.md: each block between [name] markers is quoted in the page.
// Built and run as a test so the documentation cannot drift from working code.
#include <machio/machio.hpp>

#include <cassert>
#include <cstdio>
#include <string>
#include <thread>

int main() {
  machio::receive_right inbox = machio::receive_right::allocate();
  machio::receive_right other = machio::receive_right::allocate();

  // [build]
  std::string report(100000, 'x');
  machio::message msg =
      machio::message_builder(/*msgh_id=*/1)
          .destination(inbox, machio::make_send)   // MAKE_SEND from our receive right
          .reply_to(other)                         // MAKE_SEND_ONCE: the usual reply shape
          .append(std::string_view("inline bytes"))
          .add_port(other.make_send())             // moved in: the message owns it
          .add_ool(std::as_bytes(std::span(report)))  // borrowed until sent
          .build();
  machio::send(msg);  // throws on failure; the message is empty afterwards
  // [build]

  // [receive]
  machio::received_message in = machio::receive(inbox);
  std::printf("id %d, %zu descriptors, %zu inline bytes\n", in.id(), in.descriptor_count(),
              in.body().size());
  machio::send_right right = in.take_send_right(0);    // now ours
  machio::ool_region data = in.take_ool(1);            // now ours; unmapped by ~ool_region
  if (auto audit = in.trailer().audit()) std::printf("from pid %d\n", audit->pid());
  // The reply right (not taken) is destroyed with `in`, and `other` gets a
  // MACH_NOTIFY_SEND_ONCE message telling it no reply will come.
  // [receive]
  assert(data.size() == report.size());
  in.reset();
  (void)machio::receive(other);  // that notification

  // [timeout]
  machio::port_options one;
  one.qlimit = 1;
  machio::receive_right small = machio::receive_right::allocate(one);
  machio::send(machio::message_builder(1).destination(small, machio::make_send).build());
  machio::message pending =
      machio::message_builder(2).destination(small, machio::make_send).add_port(right.copy()).build();
  boost::system::error_code ec;
  machio::send(pending, machio::no_wait, ec);  // queue full
  if (ec == boost::system::errc::timed_out) {
    // The kernel gave every right back; `pending` owns them and can be sent again.
    (void)machio::receive(small);
    machio::send(pending, machio::no_wait);
  }
  // [timeout]
  (void)machio::receive(small);

  // [call]
  machio::receive_right server = machio::receive_right::allocate();
  std::thread t([&server] {
    machio::received_message request = machio::receive(server);
    machio::send(machio::message_builder(machio::mig::reply_id(request.id()))
                     .destination(request.take_reply_send_once())
                     .append_value(machio::mig::ndr_record)
                     .append_value(KERN_SUCCESS)
                     .build());
  });
  machio::message request = machio::message_builder(400).destination(server, machio::make_send).build();
  machio::received_message reply = machio::call(request);  // fresh reply port, id 500 expected
  t.join();
  std::printf("reply %d: %s\n", reply.id(), machio::mig::check_reply(reply, 400).message().c_str());
  // [call]

  std::printf("messages snippets: OK\n");
  return 0;
}
