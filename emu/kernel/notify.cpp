// SPDX-License-Identifier: BSL-1.0
// Kernel-generated messages: the notifications of <mach/notify.h>.
//
// Each consumes the send-once right it is sent on and ignores queue limits, like XNU's.
// They carry sender {0, 1} and an all-zero audit token, which is how a receiver tells a
// notification from a forgery.
#include <cstring>

#include <mach/ndr.h>
#include <mach/notify.h>

#include "kernel/kernel.hpp"

namespace machemu::kern {

namespace {

kmsg* fill_header(kmsg* m, mach_msg_id_t id, std::uint32_t size) {
  m->bytes.assign(size, std::byte{0});
  m->size = size;
  m->id = id;
  m->kernel_sender = true;
  m->sender = task_identity{};
  m->sender.auid = 0;
  return m;
}

}  // namespace

void kernel::enqueue_kernel(ref<port> dest, kmsg* m) {
  m->dest = kright{std::move(dest), MACH_MSG_TYPE_PORT_SEND_ONCE, false};
  deliver_kernel(m);
}

void kernel::deliver_kernel(kmsg* m) {
  // Queue limits do not apply; only the hard cap refuses one (XNU would have run out of
  // kernel memory long before), and then the message goes with the rights it carries.
  if (enqueue(m, /*ignore_limit=*/true) != MACH_MSG_SUCCESS) kmsg_destroy(m);
}

// Notifications whose body is NDR_record followed by one 32-bit value (a name or a count).
void kernel::notify_simple(ref<port> to, mach_msg_id_t id, std::uint32_t value) {
  kmsg* m = fill_header(kmsg_new(), id, sizeof(mach_msg_header_t) + sizeof(NDR_record_t) + 4);
  const NDR_record_t ndr = {0, 0, 0, 0, NDR_INT_LITTLE_ENDIAN, NDR_CHAR_ASCII, NDR_FLOAT_IEEE, 0};
  std::memcpy(m->bytes.data() + sizeof(mach_msg_header_t), &ndr, sizeof ndr);
  std::memcpy(m->bytes.data() + sizeof(mach_msg_header_t) + sizeof ndr, &value, 4);
  enqueue_kernel(std::move(to), m);
}

void kernel::notify_send_once(ref<port> to) {
  kmsg* m = fill_header(kmsg_new(), MACH_NOTIFY_SEND_ONCE, sizeof(mach_msg_header_t));
  enqueue_kernel(std::move(to), m);
}

// MACH_NOTIFY_PORT_DESTROYED hands the receive right back in a port descriptor.
void kernel::notify_port_destroyed(ref<port> to, ref<port> receive) {
  const std::uint32_t size = sizeof(mach_msg_header_t) + sizeof(mach_msg_body_t) +
                             sizeof(mach_msg_port_descriptor_t);
  kmsg* m = fill_header(kmsg_new(), MACH_NOTIFY_PORT_DESTROYED, size);
  m->bits = MACH_MSGH_BITS_COMPLEX;
  const mach_msg_body_t body{1};
  std::memcpy(m->bytes.data() + sizeof(mach_msg_header_t), &body, sizeof body);
  mach_msg_port_descriptor_t d{};
  d.disposition = MACH_MSG_TYPE_PORT_RECEIVE;
  d.type = MACH_MSG_PORT_DESCRIPTOR;
  const std::uint32_t off = sizeof(mach_msg_header_t) + sizeof(mach_msg_body_t);
  std::memcpy(m->bytes.data() + off, &d, sizeof d);
  kdesc kd;
  kd.offset = off;
  kd.type = MACH_MSG_PORT_DESCRIPTOR;
  kd.disposition = MACH_MSG_TYPE_PORT_RECEIVE;
  receive->carried_by = m;
  kd.right = kright{std::move(receive), MACH_MSG_TYPE_PORT_RECEIVE, false};
  m->descs.push_back(std::move(kd));
  enqueue_kernel(std::move(to), m);
}

// A message left a port that has armed send-possible requests: they all fire.
void kernel::fire_send_possible(port* p) {
  if (p->requests.empty()) return;
  for (name_request& r : p->requests) {
    if (!r.send_possible || !r.armed || !r.notify) continue;
    if (entry* e = entry_at(*r.owner, r.name)) e->has_request = false;
    r.armed = false;
    notify_simple(std::move(r.notify), MACH_NOTIFY_SEND_POSSIBLE, r.name);
  }
  p->requests.erase_if([](const name_request& r) { return r.send_possible && !r.notify; });
}

}  // namespace machemu::kern
